/**
 * openapi.json: generated from the zod schemas, committed, valid OpenAPI 3.1, and describing exactly
 * the routes serverless.yml deploys. The contract test (test/integration/openapi) runs it against
 * the handlers.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Validator } from '@seriousme/openapi-schema-validator';
import Ajv2020 from 'ajv/dist/2020';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { getCallQuerySchema } from '#shared/calls/getCallQuery';
import { callIdSchema, placeCallRequestSchema } from '#shared/calls/schemas';
import { createCallRequestSchema, parseCallRequest, requestIdSchema } from '#shared/callRequests/schemas';
import {
  buildOpenApiDocument,
  CALL_REQUEST_EXAMPLES,
  EXAMPLE_CALL_ID,
  EXAMPLE_REQUEST_ID,
  GET_CALL_EXAMPLE_QUERY,
  GET_CALL_NEXT_PAGE_QUERY,
  PLACE_CALL_EXAMPLES,
  serialiseOpenApiDocument,
} from '#shared/openapi/document';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const committed = readFileSync(`${ROOT}openapi.json`, 'utf8');
const document = buildOpenApiDocument() as any;

function schemaValidator() {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  // The document's components as one schema resource, so `#/components/schemas/...` refs resolve.
  ajv.addSchema({ $id: 'openapi.json', components: document.components }, 'openapi.json');
  return (name: string) => ajv.getSchema(`openapi.json#/components/schemas/${name}`)!;
}

describe('openapi.json', () => {
  it('is up to date with the zod schemas (run `npm run openapi` when this fails)', () => {
    expect(committed === serialiseOpenApiDocument(), 'openapi.json is stale: run npm run openapi and commit it').toBe(true);
  });

  it('is a valid OpenAPI 3.1 document (@seriousme/openapi-schema-validator)', async () => {
    const validator = new Validator();
    const result = await validator.validate(JSON.parse(committed));
    expect(result.errors, JSON.stringify(result.errors, null, 2)).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  /** The one route Alibaba calls: it cannot sign, so a token stands in for the authorizer. */
  const PUSH_ROUTE = 'POST /receipts/{messageType}';

  it('documents exactly the httpApi routes of serverless.yml, each behind the stage\'s authorizer but the push route', () => {
    type HttpApiEvent = { httpApi?: { method: string; path: string; authorizer?: unknown } };
    const serverless = parse(readFileSync(`${ROOT}serverless.yml`, 'utf8'));
    // pushReceipts takes its route from custom.receiptPush, where param receiptPush is true.
    const pushEvents = '${self:custom.receiptPush.${param:receiptPush}.events}';
    const eventsOf = (name: string, events: HttpApiEvent[] | string | undefined): HttpApiEvent[] => {
      if (typeof events !== 'string') return events ?? [];
      expect([name, events]).toEqual(['pushReceipts', pushEvents]);
      return serverless.custom.receiptPush.true.events;
    };
    const deployed = Object.entries(serverless.functions as Record<string, { events?: HttpApiEvent[] | string }>).flatMap(([name, fn]) =>
      eventsOf(name, fn.events).flatMap((event) => (event.httpApi ? [{ name, ...event.httpApi }] : [])),
    );
    const key = (route: { method: string; path: string }) => `${route.method.toUpperCase()} ${route.path}`;
    for (const route of deployed) {
      // iam (AWS_IAM) or jwt with the route's scopes, chosen per stage by the httpAuth param (the template test packages both).
      if (key(route) === PUSH_ROUTE) expect(route.authorizer, key(route)).toBeUndefined();
      else expect(route.authorizer, key(route)).toBe(`\${self:custom.routeAuthorizer.\${param:httpAuth}.${route.name}}`);
    }
    const documented = Object.entries(document.paths as Record<string, Record<string, unknown>>).flatMap(([path, operations]) =>
      Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(documented.sort()).toEqual(deployed.map(key).sort());
  });

  it('requires SigV4 (AWS_IAM) on every operation but the push route, which takes its token', () => {
    expect(document.security).toEqual([{ awsSigV4: [] }]);
    expect(document.components.securitySchemes.awsSigV4).toMatchObject({
      type: 'apiKey',
      name: 'Authorization',
      in: 'header',
      'x-amazon-apigateway-authtype': 'awsSigv4',
    });
    expect(document.components.securitySchemes.receiptPushToken).toMatchObject({ type: 'apiKey', name: 'token', in: 'query' });
    for (const [path, operations] of Object.entries(document.paths as Record<string, Record<string, { security?: unknown }>>)) {
      for (const [method, operation] of Object.entries(operations)) {
        if (`${method.toUpperCase()} ${path}` === PUSH_ROUTE) expect(operation.security).toEqual([{ receiptPushToken: [] }]);
        else expect(operation.security).toBeUndefined();
      }
    }
  });

  it('takes the POST /calls body from placeCallRequestSchema: a discriminated union over type, every field with its limits and description', () => {
    const union = document.components.schemas.PlaceCallRequest;
    expect(union.discriminator.propertyName).toBe('type');
    expect(Object.keys(union.discriminator.mapping)).toEqual(['tts', 'voice', 'ivr', 'clickToDial', 'smart']);
    const members = placeCallRequestSchema._zod.def.options;
    expect(union.oneOf).toHaveLength(members.length);
    for (const member of members) {
      const type = member._zod.def.shape.type._zod.def.values[0] as string;
      const documented = document.components.schemas[union.discriminator.mapping[type].split('/').pop()];
      expect(Object.keys(documented.properties).sort(), type).toEqual(Object.keys(member._zod.def.shape).sort());
      expect(documented.additionalProperties, type).toBe(false);
      for (const [field, schema] of Object.entries<any>(documented.properties)) {
        if (field !== 'type') expect(schema.description, `${type}.${field}`).toEqual(expect.any(String));
      }
    }
    const tts = document.components.schemas.TtsCallRequest.properties;
    expect(tts.playTimes).toMatchObject({ type: 'integer', minimum: 1, maximum: 3 });
    expect(tts.calledNumber).toMatchObject({ type: 'string', pattern: '^\\d{5,20}$' });
    expect(tts.ttsParam.description).toContain('at most 249 characters');
    expect(document.components.schemas.IvrCallRequest.properties.menuKeyMap).toMatchObject({ minItems: 1, maxItems: 12 });
  });

  it('documents the path and query parameters from callIdSchema and getCallQuerySchema, and the Idempotency-Key header', () => {
    const callId = document.components.parameters.CallId;
    expect(callId).toMatchObject({ name: 'callId', in: 'path', required: true, schema: { type: 'string', pattern: '^[A-Za-z0-9^._-]{1,64}$' } });
    const query = document.paths['/calls/{callId}'].get.parameters.filter((parameter: any) => parameter.in === 'query');
    expect(query.map((parameter: any) => parameter.name)).toEqual(Object.keys(getCallQuerySchema._zod.def.shape));
    const key = document.components.parameters.IdempotencyKey;
    expect(key).toMatchObject({ name: 'Idempotency-Key', in: 'header', required: false });
    expect(key.schema).toMatchObject({ type: 'string', pattern: '^[\\x20-\\x7E]{1,64}$' });
    expect(key.description).toContain('422 IDEMPOTENCY_CONFLICT');
    expect(key.description).toContain('409 IDEMPOTENCY_CONFLICT');
    expect(key.description).not.toMatch(/reserved|not implemented/i);
    // The duplicate in flight (409, with Retry-After) and the reused key (422) are documented answers.
    const placing = document.paths['/calls'].post.responses;
    expect(placing['409']).toEqual({ $ref: '#/components/responses/InProgress' });
    expect(document.components.responses.InProgress.headers['Retry-After']).toBeDefined();
    expect(placing['422']).toEqual({ $ref: '#/components/responses/RejectedOrKeyReused' });
    expect(document.components.responses.RejectedOrKeyReused.description).toContain('IDEMPOTENCY_CONFLICT');
    expect(document.paths['/calls'].post.parameters).toEqual([{ $ref: '#/components/parameters/IdempotencyKey' }]);
    expect(document.paths['/calls'].post.responses['202'].headers.Location).toBeDefined();
  });

  it('documents problem+json errors with their code values', () => {
    const problem = document.components.schemas.Problem;
    expect(problem.required).toEqual(['type', 'title', 'status', 'detail', 'code']);
    expect(problem.properties.code.enum).toBeUndefined();
    for (const code of ['VALIDATION_FAILED', 'NOT_FOUND', 'IDEMPOTENCY_CONFLICT', 'INTERNAL_ERROR', 'ALIBABA_TIMEOUT', 'ALIBABA_UNREACHABLE']) {
      expect(problem.properties.code.description).toContain(code);
    }
    for (const [name, response] of Object.entries<any>(document.components.responses)) {
      expect(response.content['application/problem+json'].schema, name).toEqual({ $ref: '#/components/schemas/Problem' });
    }
  });

  it('has one example per call kind, each valid against its schema (ajv 2020-12) and accepted by placeCallRequestSchema', () => {
    const schemaNamed = schemaValidator();
    const examples = document.paths['/calls'].post.requestBody.content['application/json'].examples;
    expect(Object.keys(examples)).toEqual(['tts', 'voice', 'ivr', 'clickToDial', 'smart']);
    const validate = schemaNamed('PlaceCallRequest');
    for (const [name, example] of Object.entries<any>(examples)) {
      expect(validate(example.value), `${name}: ${JSON.stringify(validate.errors)}`).toBe(true);
      expect(example.value.type).toBe(name);
      expect(placeCallRequestSchema.safeParse(example.value).success, name).toBe(true);
    }
    // The document's schema refuses what the zod schema refuses (a sample).
    for (const bad of [
      { ...PLACE_CALL_EXAMPLES.tts.value, playTimes: 4 },
      { ...PLACE_CALL_EXAMPLES.tts.value, foo: 1 },
      { ...PLACE_CALL_EXAMPLES.voice.value, type: 'fax' },
      { type: 'ivr', calledNumber: '13800138002' },
    ]) {
      expect(validate(bad), JSON.stringify(bad)).toBe(false);
      expect(placeCallRequestSchema.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    }
  });

  it('has the worked call-request examples of docs/call-requests.md, each valid against CreateCallRequest and accepted by parseCallRequest', () => {
    const schemaNamed = schemaValidator();
    const validate = schemaNamed('CreateCallRequest');
    const examples = document.paths['/call-requests'].post.requestBody.content['application/json'].examples;
    expect(Object.keys(examples)).toEqual(['verificationCode', 'deliveryReminder', 'onCallAlert']);
    // Every example is a request that can be made today, whenever today is: no absolute time in them.
    for (const [name, example] of Object.entries<any>(examples)) {
      expect(validate(example.value), `${name}: ${JSON.stringify(validate.errors)}`).toBe(true);
      expect(() => parseCallRequest(example.value, Date.now()), name).not.toThrow();
      expect(JSON.stringify(example.value), name).not.toMatch(/\d{4}-\d{2}-\d{2}T/);
    }
    for (const bad of [
      { ...CALL_REQUEST_EXAMPLES.verificationCode.value, until: 'heard' },
      { ...CALL_REQUEST_EXAMPLES.deliveryReminder.value, window: { from: '9:00', to: '20:00' } },
      { ...CALL_REQUEST_EXAMPLES.deliveryReminder.value, redial: { maxAttempts: 6, intervalSeconds: 600 } },
      { ...CALL_REQUEST_EXAMPLES.verificationCode.value, call: { type: 'tts', calledNumber: '13800138000' } },
      { ...CALL_REQUEST_EXAMPLES.verificationCode.value, extra: true },
    ]) {
      expect(validate(bad), JSON.stringify(bad)).toBe(false);
      expect(createCallRequestSchema.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    }
    const requestId = document.components.parameters.RequestId;
    expect(requestIdSchema.safeParse(requestId.example).success).toBe(true);
    expect(new Ajv2020({ strict: false }).validate(requestId.schema, requestId.example)).toBe(true);
    expect(requestIdSchema.safeParse(EXAMPLE_REQUEST_ID).success).toBe(true);
  });

  it('has cancel and get examples (a CallId with ^) valid against their parameter schemas, and response examples valid against theirs', () => {
    const schemaNamed = schemaValidator();
    const ajv = new Ajv2020({ strict: false });
    const callId = document.components.parameters.CallId;
    expect(callId.examples.alibabaCallId.value).toBe(EXAMPLE_CALL_ID);
    expect(EXAMPLE_CALL_ID).toContain('^');
    expect(ajv.validate(callId.schema, EXAMPLE_CALL_ID)).toBe(true);
    expect(callIdSchema.safeParse(EXAMPLE_CALL_ID).success).toBe(true);
    for (const parameter of document.paths['/calls/{callId}'].get.parameters.filter((p: any) => p.in === 'query')) {
      const examples = Object.values(parameter.examples as Record<string, { value: unknown }>);
      expect(examples.length, parameter.name).toBeGreaterThan(0);
      for (const example of examples) expect(ajv.validate(parameter.schema, example.value), parameter.name).toBe(true);
    }
    expect(getCallQuerySchema.safeParse(GET_CALL_EXAMPLE_QUERY).success).toBe(true);
    expect(getCallQuerySchema.safeParse(GET_CALL_NEXT_PAGE_QUERY).success).toBe(true);

    for (const [path, method, status, schema] of [
      ['/calls', 'post', '202', 'PlacedCall'],
      ['/calls/{callId}/cancel', 'post', '200', 'CancelResult'],
      ['/calls/{callId}', 'get', '200', 'Call'],
      ['/call-requests', 'post', '202', 'CallRequest'],
      ['/call-requests/{requestId}', 'get', '200', 'CallRequest'],
      ['/call-requests/{requestId}/cancel', 'post', '200', 'CallRequestCancelResult'],
    ] as const) {
      const validate = schemaNamed(schema);
      const example = document.paths[path][method].responses[status].content['application/json'].example;
      expect(validate(example), `${schema}: ${JSON.stringify(validate.errors)}`).toBe(true);
    }
  });
});
