/**
 * openapi.json as a contract: every example in the document is accepted by the handlers against the
 * sandbox and DynamoDB Local, and every response the handlers give — successes and the problem+json
 * of bad requests — validates against the schema the document declares for that status.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Ajv2020 from 'ajv/dist/2020';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cancelCallById,
  getCallById,
  invoke,
  postCall,
  startHandlers,
  type Handler,
  type Harness,
  type HttpResponse,
} from '../handlers/harness.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const committed = readFileSync(`${ROOT}openapi.json`, 'utf8');
const document = JSON.parse(committed);

const ajv = new Ajv2020({ strict: false, allErrors: true });
ajv.addSchema({ $id: 'openapi.json', components: document.components }, 'openapi.json');

/** Follows a `#/components/...` reference inside the document. */
function resolve(value: any): any {
  if (!value?.$ref) return value;
  return (value.$ref as string)
    .slice(2)
    .split('/')
    .reduce((node: any, key) => node[key], document);
}

/**
 * Asserts the response is one the operation documents: its status listed, its content type the
 * documented one, its body valid against the documented schema.
 */
function expectDocumented(path: string, method: 'get' | 'post', response: HttpResponse): void {
  const operation = document.paths[path][method];
  const documented = resolve(operation.responses[String(response.status)]);
  expect(documented, `${method.toUpperCase()} ${path} does not document ${response.status}: ${response.text}`).toBeDefined();
  const contentType = response.headers['content-type']!;
  const media = documented.content[contentType];
  expect(media, `${response.status} is not documented as ${contentType}`).toBeDefined();
  const pointer = media.schema.$ref ? `openapi.json${media.schema.$ref}` : undefined;
  const validate = pointer ? ajv.getSchema(pointer)! : ajv.compile(media.schema);
  expect(validate(response.body), `${response.text}\n${JSON.stringify(validate.errors, null, 2)}`).toBe(true);
  for (const name of Object.keys(documented.headers ?? {})) expect(response.headers[name.toLowerCase()], name).toBeDefined();
}

let harness: Harness;
const placed = new Map<string, string>();

beforeAll(async () => {
  // The examples call the same numbers each run: the sandbox's per-number flow control is off.
  harness = await startHandlers({ flowControl: false });
});

afterAll(async () => {
  await harness?.stop();
});

describe('POST /calls examples', () => {
  const examples = Object.entries<{ value: Record<string, unknown> }>(document.paths['/calls'].post.requestBody.content['application/json'].examples);

  it('documents the five call kinds', () => {
    expect(examples.map(([name]) => name)).toEqual(['tts', 'voice', 'ivr', 'clickToDial', 'smart']);
  });

  it.each(examples)('%s: accepted (202) with a documented body and Location', async (name, example) => {
    const response = await postCall(harness, example.value);
    expect(response.status, response.text).toBe(202);
    expectDocumented('/calls', 'post', response);
    expect(response.body.type).toBe(name);
    expect(response.headers.location).toBe(`/calls/${encodeURIComponent(response.body.callId)}`);
    placed.set(name, response.body.callId);
  });

  it('replays the first response for a retry with the documented Idempotency-Key, and documents 409 and 422 for the key', async () => {
    const key = document.components.parameters.IdempotencyKey;
    const request = { method: 'POST', route: '/calls', body: examples[0]![1].value, headers: { [key.name.toLowerCase()]: key.example } } as const;

    const first = await invoke(harness.placeCall, request);
    const retry = await invoke(harness.placeCall, request);
    const reused = await invoke(harness.placeCall, { ...request, body: examples[1]![1].value });

    expect(first.status, first.text).toBe(202);
    expectDocumented('/calls', 'post', first);
    expect(retry.text).toBe(first.text);
    expect(retry.headers.location).toBe(first.headers.location);
    expect(reused.status, reused.text).toBe(422);
    expectDocumented('/calls', 'post', reused);
    expect(reused.body.code).toBe('IDEMPOTENCY_CONFLICT');
  });
});

describe('cancel and get examples', () => {
  const callIdExamples = Object.values<{ value: string }>(document.components.parameters.CallId.examples).map((example) => example.value);
  /** The query a named example of GET /calls/{callId} makes: every query parameter that example sets. */
  const queryExample = (name: string) =>
    Object.fromEntries(
      document.paths['/calls/{callId}'].get.parameters
        .filter((parameter: any) => parameter.in === 'query' && parameter.examples[name] !== undefined)
        .map((parameter: any) => [parameter.name, parameter.examples[name].value]),
    );

  it('cancel: the example CallId, raw and percent-encoded, answers 200 (cancelled false: not a live click-to-dial call)', async () => {
    for (const callId of callIdExamples) {
      for (const segment of [callId, callId.replace('^', '%5E')]) {
        const response = await cancelCallById(harness, segment);
        expect(response.status, response.text).toBe(200);
        expectDocumented('/calls/{callId}/cancel', 'post', response);
        expect(response.body).toMatchObject({ callId, cancelled: false });
      }
    }
  });

  it('get: the example live query for a call placed elsewhere answers 200', async () => {
    for (const callId of callIdExamples) {
      const response = await getCallById(harness, callId.replace('^', '%5E'), queryExample('placedElsewhere'));
      expect(response.status, response.text).toBe(200);
      expectDocumented('/calls/{callId}', 'get', response);
      expect(response.body).toMatchObject({ callId, type: null, detail: null });
    }
  });

  it('get: the example next page of receipts, with the live query, answers 200 with that (empty) page and no next one', async () => {
    for (const callId of callIdExamples) {
      const response = await getCallById(harness, callId, { ...queryExample('placedElsewhere'), ...queryExample('nextPage') });
      expect(response.status, response.text).toBe(200);
      expectDocumented('/calls/{callId}', 'get', response);
      expect(response.body).toMatchObject({ callId, receipts: [] });
      expect(response.body.nextReceiptsAfter).toBeUndefined();
    }
  });

  it('cancel: the click-to-dial example call placed above is cancelled (200)', async () => {
    const callId = placed.get('clickToDial');
    expect(callId).toBeDefined();
    const response = await cancelCallById(harness, encodeURIComponent(callId!));
    expect(response.status, response.text).toBe(200);
    expectDocumented('/calls/{callId}/cancel', 'post', response);
    expect(response.body.cancelled).toBe(true);
  });

  it('get: every call placed above reads back (200), stored and with live detail', async () => {
    expect(placed.size).toBe(5);
    for (const [type, callId] of placed) {
      const stored = await getCallById(harness, encodeURIComponent(callId));
      expect(stored.status, stored.text).toBe(200);
      expectDocumented('/calls/{callId}', 'get', stored);
      expect(stored.body).toMatchObject({ callId, type });
      // Alibaba publishes no ProdId for click-to-dial: its live query needs prodId (documented).
      if (type === 'clickToDial') continue;
      const live = await getCallById(harness, callId, { live: 'true' });
      expect(live.status, live.text).toBe(200);
      expectDocumented('/calls/{callId}', 'get', live);
      expect(live.body.detail, type).not.toBeNull();
    }
  });
});

describe('errors match the documented problem+json', () => {
  it.each([
    ['malformed JSON', { body: '{"type":', headers: { 'content-type': 'application/json' } }, 400],
    ['an unknown field', { body: { type: 'tts', calledNumber: '13800138000', ttsCode: 'TTS_1', foo: 1 } }, 400],
    ['an out-of-range value', { body: { type: 'tts', calledNumber: '13800138000', ttsCode: 'TTS_1', playTimes: 9 } }, 400],
    ['an unknown type', { body: { type: 'fax', calledNumber: '13800138000' } }, 400],
    ['a body not sent as JSON', { body: 'type=tts', headers: { 'content-type': 'application/x-www-form-urlencoded' } }, 415],
    ['a body over 16 KiB', { body: { type: 'tts', calledNumber: '13800138000', ttsCode: 'TTS_1', outId: 'x'.repeat(17_000) } }, 413],
  ] as const)('POST /calls with %s', async (_name, input, status) => {
    const response = await invoke(harness.placeCall, { method: 'POST', route: '/calls', ...input });
    expect(response.status, response.text).toBe(status);
    expect(response.headers['content-type']).toBe('application/problem+json');
    expectDocumented('/calls', 'post', response);
    expect(response.body.code).toBe('VALIDATION_FAILED');
  });

  it('GET of an unknown call: 404 NOT_FOUND', async () => {
    const response = await getCallById(harness, '999999999999%5E999999999999');
    expect(response.status, response.text).toBe(404);
    expectDocumented('/calls/{callId}', 'get', response);
    expect(response.body.code).toBe('NOT_FOUND');
  });

  it('GET with an unknown query parameter and a malformed CallId: 400', async () => {
    for (const response of [
      await getCallById(harness, '116012354148%5E1', { foo: 'bar' }),
      await getCallById(harness, 'not%20a%20call'),
    ]) {
      expect(response.status, response.text).toBe(400);
      expectDocumented('/calls/{callId}', 'get', response);
    }
  });

  it('cancel with a malformed CallId: 400', async () => {
    const response = await cancelCallById(harness, 'a%2Fb');
    expect(response.status, response.text).toBe(400);
    expectDocumented('/calls/{callId}/cancel', 'post', response);
  });
});

describe('GET /openapi.json', () => {
  it('answers the committed document as application/json', async () => {
    const { handler } = await import('../../../functions/openApi.ts');
    const response = await invoke(handler as unknown as Handler, { method: 'GET', route: '/openapi.json' });
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('application/json');
    expect(response.body).toEqual(document);
    expectDocumented('/openapi.json', 'get', response);
  });
});
