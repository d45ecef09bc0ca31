/**
 * The deployable artefact: `serverless package` run offline (README.md#other-commands), and assertions on
 * the CloudFormation template and the function zips it produces. No CloudFormation linter works
 * offline here, so the template's security-relevant shape is checked directly.
 *
 * Two packagings:
 * - `--stage test` with every param at its default (AWS_IAM routes, SSM secrets, the default bus);
 * - `--stage prod` with the non-default choices (JWT routes, the key pair in Secrets Manager, a bus
 *   this stack creates, an alarm email, another SQS concurrency, the receipt push route), which
 *   proves osls accepts them and that the IAM resources and authorizers follow the params.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_FLOW_CONTROL_LIMITS } from '#shared/flowControlLimits';
import { EVENT_SOURCE } from '#shared/events/callEvents';
import { LOCAL_RECEIPT_PUSH_TOKEN, SANDBOX_ACCESS_KEY_ID, SANDBOX_ACCESS_KEY_SECRET } from '#shared/localDefaults';
import { METRIC_DIMENSIONS, METRIC_UNITS, METRICS_NAMESPACE, type MetricName } from '#shared/metrics';
import { SAVED_QUERIES } from '../../../ops/queries.ts';
import { dashboardSeries, fieldsOfQuery, INSIGHTS_FIELDS, lineOf, sourcesOfQuery, widgetsOf, type DashboardSeries } from '../../support/operations.ts';
import { userShellEnvironment } from '../../support/environment.ts';
import { readZip } from './zip.ts';

const execFileAsync = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SERVICE = 'aliyun-voice';
const STAGE = 'test';
const ALT_STAGE = 'prod';
const ALT_PARAMS = {
  httpAuth: 'jwt',
  jwtIssuerUrl: 'https://issuer.example.com/',
  jwtAudience: 'aliyun-voice-api',
  credentialsStore: 'secretsmanager',
  credentialsName: 'aliyun-voice/prod/alibaba-credentials',
  eventBusName: 'voice-calls',
  placeCallEventSource: 'example.orders',
  alarmEmail: 'ops@example.com',
  callRequestsMaximumConcurrency: '5',
  receiptQueues: 'VoiceReport=Alicom-Queue-1234567890-VoiceReport,VoiceCallReport=Alicom-Queue-1234567890-VoiceCallReport',
  receiptPolling: 'false',
  logLevel: 'debug',
  idempotencyTtlSeconds: '3600',
  receiptPush: 'true',
  receiptPushRateLimit: '10',
  receiptPushBurstLimit: '25',
  receiptPushReservedConcurrency: '3',
};

/** Every function the bundle deploys and its trigger (contracts: the names table). */
const FUNCTIONS = [
  'placeCall',
  'cancelCall',
  'getCall',
  'openApi',
  'apiExplorer',
  'placeCallsFromQueue',
  'placeCallFromEvent',
  'processCallChanges',
  'pollReceipts',
  'pushReceipts',
  'createCallRequest',
  'getCallRequest',
  'cancelCallRequest',
  'attemptCallRequest',
  'sweepCallRequests',
] as const;
type FunctionName = (typeof FUNCTIONS)[number];

/**
 * Zip budgets. The functions that call Alibaba carry the RPC client (undici), DynamoDB and zod
 * (about 250 KB zipped as ES modules with the environment-only credentials); the push route and the
 * publisher carry no Alibaba client (about 110 KB); openApi is the document alone; apiExplorer is
 * Swagger UI's bundle and stylesheet (about 1.9 MB, some 500 KB zipped) beside the HTTP wrapper.
 */
const ZIP_BUDGET_BYTES: Record<FunctionName, number> = {
  placeCall: 320 * 1024,
  cancelCall: 320 * 1024,
  getCall: 320 * 1024,
  openApi: 64 * 1024,
  apiExplorer: 768 * 1024,
  placeCallsFromQueue: 320 * 1024,
  placeCallFromEvent: 320 * 1024,
  // Also moves call requests on: their store and the Scheduler adapter's signed caller.
  processCallChanges: 256 * 1024,
  pollReceipts: 320 * 1024,
  pushReceipts: 160 * 1024,
  createCallRequest: 320 * 1024,
  // The request schemas (zod, the POST /calls schemas under `call`) and the store.
  getCallRequest: 256 * 1024,
  cancelCallRequest: 320 * 1024,
  attemptCallRequest: 320 * 1024,
  sweepCallRequests: 320 * 1024,
};

/** Put in the packaging environment to prove that credentials never reach the artefact. */
const CANARY_SECRET = `canary-secret-${randomUUID()}`;
const CANARY_KEY_ID = `LTAIcanary${randomUUID().replaceAll('-', '').slice(0, 12)}`;
const CANARY_PUSH_TOKEN = `canary-push-token-${randomUUID()}`;

type Json = any;
type Template = { Resources: Record<string, { Type: string; Properties: Json; DependsOn?: unknown; Condition?: string }>; Conditions?: Json; Outputs?: Json };
interface PackagedFunction {
  logicalId: string;
  /** The serverless.yml name, for example `placeCall`. */
  name: string;
  properties: Json;
}
interface Packaged {
  dir: string;
  template: Template;
  functions: PackagedFunction[];
}

let main: Packaged;
let alt: Packaged;
const cleanup: string[] = [];

/** `serverless package` into a temp folder, with its own esbuild work folder (npm start may be building too). */
async function packageStack(stage: string, params: Record<string, string>): Promise<Packaged> {
  const dir = await mkdtemp(join(tmpdir(), `aliyun-voice-package-${stage}-`));
  const workFolder = `.esbuild-template-${randomUUID()}`;
  cleanup.push(dir, join(ROOT, workFolder));
  // The test run's own settings (FLOW_CONTROL_LIMITS=off among them) must not shape the template.
  const env = userShellEnvironment();
  env.ALIYUN_ACCESS_KEY_ID = CANARY_KEY_ID;
  env.ALIYUN_ACCESS_KEY_SECRET = CANARY_SECRET;
  env.RECEIPT_PUSH_TOKEN = CANARY_PUSH_TOKEN;
  env.SLS_TELEMETRY_DISABLED = '1';
  env.SLS_NOTIFICATIONS_MODE = 'off';
  env.ESBUILD_WORK_FOLDER = workFolder;

  const paramArgs = Object.entries(params).map(([name, value]) => `--param=${name}=${value}`);
  try {
    await execFileAsync(
      process.execPath,
      ['node_modules/osls/bin/serverless.js', 'package', '--stage', stage, '--package', dir, ...paramArgs],
      { cwd: ROOT, env, timeout: 115_000, maxBuffer: 16 * 1024 * 1024 },
    );
  } catch (error) {
    // osls prints its reason on stdout: without it a failed packaging says nothing useful.
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`serverless package --stage ${stage} failed:\n${stdout ?? ''}\n${stderr ?? ''}`, { cause: error });
  }

  const template: Template = JSON.parse(await readFile(join(dir, 'cloudformation-template-update-stack.json'), 'utf8'));
  const functions = Object.entries(template.Resources)
    .filter(([, resource]) => resource.Type === 'AWS::Lambda::Function')
    .map(([logicalId, resource]) => ({
      logicalId,
      name: String(resource.Properties.FunctionName).replace(`${SERVICE}-${stage}-`, ''),
      properties: resource.Properties,
    }));
  return { dir, template, functions };
}

beforeAll(async () => {
  // One after the other: serverless-esbuild zips into the service folder's .serverless/ whatever
  // --package says, so two packagings at once take each other's zips.
  main = await packageStack(STAGE, {});
  alt = await packageStack(ALT_STAGE, ALT_PARAMS);
}, 240_000);

afterAll(async () => {
  await Promise.all(cleanup.map((path) => rm(path, { recursive: true, force: true })));
});

function resourcesOfType(packaged: Packaged, type: string): Array<[string, Json]> {
  return Object.entries(packaged.template.Resources)
    .filter(([, resource]) => resource.Type === type)
    .map(([logicalId, resource]) => [logicalId, resource.Properties]);
}

function resource(packaged: Packaged, logicalId: string): Json {
  const found = packaged.template.Resources[logicalId];
  expect(found, `resource ${logicalId}`).toBeDefined();
  return found!.Properties;
}

function fn(packaged: Packaged, name: FunctionName): PackagedFunction {
  const found = packaged.functions.find((candidate) => candidate.name === name);
  expect(found, `function ${name}`).toBeDefined();
  return found!;
}

/** An intrinsic-function value rendered as text: Fn::Join joined, Ref as `${Name}`, GetAtt as `${Name.Attr}`. */
function render(value: Json): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  if (value && typeof value === 'object') {
    if ('Ref' in value) return `\${${value.Ref}}`;
    if ('Fn::Join' in value) {
      const [separator, parts] = value['Fn::Join'] as [string, Json[]];
      return parts.map(render).join(separator);
    }
    if ('Fn::Sub' in value) return String(value['Fn::Sub']);
    if ('Fn::GetAtt' in value) return `\${${(value['Fn::GetAtt'] as string[]).join('.')}}`;
  }
  return JSON.stringify(value);
}

function asList<T>(value: T | T[]): T[] {
  return Array.isArray(value) ? value : [value];
}

const ARN_PREFIX = 'arn:${AWS::Partition}';
const REGION_ACCOUNT = '${AWS::Region}:${AWS::AccountId}';

/** The role a function runs under (its logical id) and that role's statements. */
function roleOf(packaged: Packaged, name: FunctionName): { roleId: string; statements: Json[] } {
  const role = fn(packaged, name).properties.Role;
  expect(role, `${name}'s role`).toEqual({ 'Fn::GetAtt': [expect.any(String), 'Arn'] });
  const roleId = role['Fn::GetAtt'][0] as string;
  const properties = resource(packaged, roleId);
  return { roleId, statements: properties.Policies.flatMap((policy: Json) => asList(policy.PolicyDocument.Statement)) };
}

/** A statement as comparable text: `action,action -> resource | resource`, both sorted. */
function statementKey(statement: Json): string {
  const actions = asList(statement.Action as string | string[]).toSorted();
  const resources = asList(statement.Resource).map(render).toSorted();
  return `${actions.join(',')} -> ${resources.join(' | ')}`;
}

function statement(actions: string[], ...resources: string[]): string {
  return statementKey({ Action: actions, Resource: resources });
}

/** Every IAM statement of every role and policy in the template. */
function iamStatements(packaged: Packaged): Json[] {
  const statements: Json[] = [];
  for (const [, role] of resourcesOfType(packaged, 'AWS::IAM::Role')) {
    for (const policy of role.Policies ?? []) statements.push(...asList(policy.PolicyDocument.Statement));
  }
  for (const [, policy] of resourcesOfType(packaged, 'AWS::IAM::Policy')) statements.push(...asList(policy.PolicyDocument.Statement));
  return statements;
}

/** Reading and writing items; no Scan, no table or backup administration. */
const ITEM_LEVEL_DYNAMODB_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:ConditionCheckItem',
];
/** What a DynamoDB stream trigger needs (AWS Lambda developer guide, "DynamoDB streams"). */
const STREAM_READ_ACTIONS = ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'];

/**
 * Commands authorised as another action: a transaction is checked against each item action it
 * contains (AWS DynamoDB IAM reference); a transaction of updates needs UpdateItem.
 */
const IAM_ACTION_OF_COMMAND: Record<string, string> = { TransactWriteItems: 'UpdateItem' };

/** `dynamodb:<Name>` for every `new <Name>Command(` in the bundle's shared/ code that uses the DynamoDB client. */
async function dynamoActionsUsedByTheCode(): Promise<string[]> {
  const actions = new Set<string>();
  const files = (await readdir(join(ROOT, 'shared'), { recursive: true })).filter((file) => file.endsWith('.ts'));
  for (const file of files) {
    const source = await readFile(join(ROOT, 'shared', file), 'utf8');
    if (!source.includes('@aws-sdk/client-dynamodb')) continue;
    for (const match of source.matchAll(/new (\w+)Command\(/g)) actions.add(`dynamodb:${IAM_ACTION_OF_COMMAND[match[1]!] ?? match[1]}`);
  }
  return [...actions].sort();
}

/** The HTTP routes: route key -> the function behind it and the route's authorization. */
function routes(packaged: Packaged): Map<string, { functionName: string; authorizationType?: string; authorizerId?: Json; scopes?: string[] }> {
  const result = new Map<string, { functionName: string; authorizationType?: string; authorizerId?: Json; scopes?: string[] }>();
  for (const [logicalId, route] of resourcesOfType(packaged, 'AWS::ApiGatewayV2::Route')) {
    const integrationId = render(route.Target).replace(/^integrations\/\$\{(.+)\}$/, '$1');
    const integration = packaged.template.Resources[integrationId];
    expect(integration?.Type, `${logicalId}'s integration ${integrationId}`).toBe('AWS::ApiGatewayV2::Integration');
    expect(integration!.Properties.PayloadFormatVersion, logicalId).toBe('2.0');
    const target = packaged.functions.find((candidate) => candidate.logicalId === integration!.Properties.IntegrationUri['Fn::GetAtt'][0]);
    result.set(route.RouteKey, { functionName: target!.name, authorizationType: route.AuthorizationType, authorizerId: route.AuthorizerId, scopes: route.AuthorizationScopes });
  }
  return result;
}

const AUTHORISED_ROUTES: Array<[string, FunctionName]> = [
  ['POST /calls', 'placeCall'],
  ['POST /calls/{callId}/cancel', 'cancelCall'],
  ['GET /calls/{callId}', 'getCall'],
  ['GET /openapi.json', 'openApi'],
  ['GET /docs', 'apiExplorer'],
  ['GET /docs/assets/{file}', 'apiExplorer'],
  ['POST /call-requests', 'createCallRequest'],
  ['GET /call-requests/{requestId}', 'getCallRequest'],
  ['POST /call-requests/{requestId}/cancel', 'cancelCallRequest'],
];
const PUSH_ROUTE = 'POST /receipts/{messageType}';

describe('serverless package --stage test (offline)', () => {
  it('packages every function of the bundle, each on nodejs22.x arm64', () => {
    expect(main.functions.map((candidate) => candidate.name).toSorted()).toEqual([...FUNCTIONS].sort());
    for (const candidate of main.functions) {
      expect(candidate.properties.Runtime, candidate.name).toBe('nodejs22.x');
      expect(candidate.properties.Architectures, candidate.name).toEqual(['arm64']);
    }
  });

  it('packages each function individually: its own zip, holding its own bundled handler only', async () => {
    const files = await readdir(main.dir);
    const keys = new Set<string>();
    for (const candidate of main.functions) {
      const zipName = basename(candidate.properties.Code.S3Key as string);
      keys.add(zipName);
      expect(zipName, candidate.name).toBe(`${candidate.name}.zip`);
      expect(files, candidate.name).toContain(zipName);
      expect(candidate.properties.Handler).toBe(`functions/${candidate.name}.handler`);

      const entries = readZip(await readFile(join(main.dir, zipName)));
      // An ES module (.mjs, which nodejs22.x loads as one): its module scope may await init work.
      expect([...entries.keys()], candidate.name).toContain(`functions/${candidate.name}.mjs`);
      const bundle = entries.get(`functions/${candidate.name}.mjs`)!.toString('utf8');
      expect(bundle.length, `${candidate.name}: a bundle, not a stub`).toBeGreaterThan(5_000);
      expect(bundle, `${candidate.name} exports its handler as an ES module`).toMatch(/export\s*\{[^}]*\bhandler\b[^}]*\}/);
      for (const other of main.functions.filter((entry) => entry !== candidate)) {
        expect([...entries.keys()], candidate.name).not.toContain(`functions/${other.name}.mjs`);
      }
      // Bundled by esbuild: no node_modules folder, no TypeScript sources shipped.
      expect([...entries.keys()].filter((entry) => entry.startsWith('node_modules/') || entry.endsWith('.ts')), candidate.name).toEqual([]);
    }
    expect(keys.size).toBe(main.functions.length);
  });

  it('keeps every function zip within its budget', async () => {
    const sizes: Record<string, number> = {};
    for (const candidate of main.functions) sizes[candidate.name] = (await stat(join(main.dir, `${candidate.name}.zip`))).size;
    console.log('packaged function sizes (bytes):', sizes);

    for (const [name, size] of Object.entries(sizes)) {
      const budget = ZIP_BUDGET_BYTES[name as FunctionName];
      expect(budget, `${name} has a budget`).toBeDefined();
      expect(size, `${name}.zip`).toBeLessThan(budget);
    }
  });

  it('bundles the API explorer\'s assets into apiExplorer alone: no other function carries Swagger UI', async () => {
    // Swagger UI's bundle and stylesheet, inlined as text, and the page's own script.
    const markers = ['SwaggerUIBundle', '.swagger-ui .opblock', 'This API: the origin this page was loaded from'];
    const explorer = readZip(await readFile(join(main.dir, 'apiExplorer.zip'))).get('functions/apiExplorer.mjs')!.toString('utf8');
    for (const marker of markers) expect(explorer.includes(marker), `apiExplorer carries ${marker}`).toBe(true);
    expect(explorer.length).toBeGreaterThan(1_500_000);
    for (const candidate of main.functions.filter((entry) => entry.name !== 'apiExplorer')) {
      const code = [...readZip(await readFile(join(main.dir, `${candidate.name}.zip`))).values()].map((entry) => entry.toString('utf8')).join('\n');
      for (const marker of markers) expect(code.includes(marker), `${candidate.name} carries ${marker}`).toBe(false);
      expect(code.length, `${candidate.name}: no explorer-sized bundle`).toBeLessThan(1_500_000);
    }
  });

  it("ships AWS credentials from the environment only, not the SDK's default chain (shared/lambdaCredentials.ts)", async () => {
    for (const candidate of main.functions) {
      const code = [...readZip(await readFile(join(main.dir, `${candidate.name}.zip`))).values()].map((entry) => entry.toString('utf8')).join('\n');
      // The SSO provider's profile key: present in every bundle that carries the full chain.
      expect(code, candidate.name).not.toContain('sso_start_url');
    }
  });

  it('leaves the local Alibaba sandbox out of the deployed bundles', async () => {
    for (const candidate of main.functions) {
      const code = [...readZip(await readFile(join(main.dir, `${candidate.name}.zip`))).values()].map((entry) => entry.toString('utf8')).join('\n');
      expect(code, candidate.name).not.toContain('/__sandbox/');
      expect(code, candidate.name).not.toContain('startSandbox');
    }
  });

  describe('HTTP API authorisation', () => {
    it('serves exactly the authorised routes, and the push route only with receiptPush=true, each through payload 2.0 to its function', () => {
      expect([...routes(main).keys()].sort()).toEqual(AUTHORISED_ROUTES.map(([key]) => key).sort());
      const table = routes(alt);
      expect([...table.keys()].sort()).toEqual([...AUTHORISED_ROUTES.map(([key]) => key), PUSH_ROUTE].sort());
      for (const [routeKey, functionName] of AUTHORISED_ROUTES) {
        expect(table.get(routeKey)?.functionName, routeKey).toBe(functionName);
        expect(routes(main).get(routeKey)?.functionName, routeKey).toBe(functionName);
      }
      expect(table.get(PUSH_ROUTE)?.functionName).toBe('pushReceipts');
    });

    it.each(AUTHORISED_ROUTES)('requires AWS_IAM (SigV4) on %s by default', (routeKey) => {
      expect(routes(main).get(routeKey)).toMatchObject({ authorizationType: 'AWS_IAM' });
      expect(routes(main).get(routeKey)?.authorizerId).toBeUndefined();
    });

    it('defines no JWT authorizer by default', () => {
      expect(resourcesOfType(main, 'AWS::ApiGatewayV2::Authorizer')).toEqual([]);
    });

    it.each(AUTHORISED_ROUTES)('requires the JWT authorizer on %s with httpAuth=jwt', (routeKey) => {
      const [[authorizerId]] = resourcesOfType(alt, 'AWS::ApiGatewayV2::Authorizer') as [[string, Json]];
      expect(routes(alt).get(routeKey)).toMatchObject({ authorizationType: 'JWT', authorizerId: { Ref: authorizerId } });
    });

    it.each([
      ['POST /calls', ['calls:write']],
      ['GET /calls/{callId}', ['calls:read']],
      ['POST /calls/{callId}/cancel', ['calls:cancel']],
      ['GET /openapi.json', undefined],
      ['GET /docs', undefined],
      ['POST /call-requests', ['calls:write']],
      ['GET /call-requests/{requestId}', ['calls:read']],
      ['POST /call-requests/{requestId}/cancel', ['calls:cancel']],
    ])('with httpAuth=jwt, requires of a token on %s the scopes %j (docs/security.md#jwt-scopes)', (routeKey, scopes) => {
      expect(routes(alt).get(routeKey)?.scopes).toEqual(scopes);
      expect(routes(main).get(routeKey)?.scopes, 'AWS_IAM routes take no scopes').toBeUndefined();
    });

    it('builds the JWT authorizer from the jwtIssuerUrl and jwtAudience params', () => {
      const authorizers = resourcesOfType(alt, 'AWS::ApiGatewayV2::Authorizer');
      expect(authorizers).toHaveLength(1);
      expect(authorizers[0]![1]).toMatchObject({
        AuthorizerType: 'JWT',
        IdentitySource: ['$request.header.Authorization'],
        JwtConfiguration: { Issuer: ALT_PARAMS.jwtIssuerUrl, Audience: [ALT_PARAMS.jwtAudience] },
      });
    });

    it('leaves the receipt push route (Alibaba cannot sign) as the only route without an authorizer, and none without receiptPush', () => {
      const open = (packaged: Packaged) => [...routes(packaged)].filter(([, route]) => route.authorizationType === undefined || route.authorizationType === 'NONE');
      expect(open(main)).toEqual([]);
      expect(open(alt).map(([routeKey]) => routeKey)).toEqual([PUSH_ROUTE]);
      expect(open(alt)[0]![1].functionName).toBe('pushReceipts');
    });

    it('answers the push route within Alibaba\'s 700 ms wait: a 3 s function timeout', () => {
      expect(fn(main, 'pushReceipts').properties.Timeout).toBe(3);
    });
  });

  describe('the receipt push route, the one anonymous route (docs/security.md#the-receipt-push-route)', () => {
    it('is not deployed without receiptPush=true, and pushReceipts may not run there (reserved concurrency 0)', () => {
      const pushRouteResources = Object.keys(main.template.Resources).filter((logicalId) => /Receipts?Messagetype|PushReceiptsLambdaPermission|HttpApiIntegrationPushReceipts/i.test(logicalId));
      expect(pushRouteResources).toEqual([]);
      expect(main.template.Resources.HttpApiStage!.Properties.RouteSettings).toBeUndefined();
      expect(fn(main, 'pushReceipts').properties.ReservedConcurrentExecutions).toBe(0);
    });

    it('is throttled by API Gateway on its stage (receiptPushRateLimit, receiptPushBurstLimit), the stage created after the route', () => {
      const stage = alt.template.Resources.HttpApiStage!;
      // Params given on the command line arrive as text; CloudFormation reads them as numbers.
      expect(Object.keys(stage.Properties.RouteSettings)).toEqual([PUSH_ROUTE]);
      const { ThrottlingRateLimit: rate, ThrottlingBurstLimit: burst, ...others } = stage.Properties.RouteSettings[PUSH_ROUTE];
      expect([Number(rate), Number(burst), others]).toEqual([Number(ALT_PARAMS.receiptPushRateLimit), Number(ALT_PARAMS.receiptPushBurstLimit), {}]);
      // A stage's route settings may only name an existing route.
      const [routeId] = resourcesOfType(alt, 'AWS::ApiGatewayV2::Route').find(([, route]) => route.RouteKey === PUSH_ROUTE)!;
      expect(asList(stage.DependsOn as string | string[])).toContain(routeId);
    });

    it('runs pushReceipts with a reserved concurrency (receiptPushReservedConcurrency), so a flood cannot take the account\'s concurrency', () => {
      expect(Number(fn(alt, 'pushReceipts').properties.ReservedConcurrentExecutions)).toBe(Number(ALT_PARAMS.receiptPushReservedConcurrency));
    });
  });

  describe('DynamoDB tables', () => {
    it('declares the calls table: pk/sk, TTL on expiresAt, on-demand, encrypted, point-in-time recovery, a NEW_AND_OLD_IMAGES stream', () => {
      const table = resource(main, 'CallsTable');
      expect(table.TableName).toBe(`${SERVICE}-${STAGE}-calls`);
      expect(table.KeySchema).toEqual([
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ]);
      expect(table.AttributeDefinitions).toEqual(
        expect.arrayContaining([
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
        ]),
      );
      expect(table.TimeToLiveSpecification).toEqual({ AttributeName: 'expiresAt', Enabled: true });
      expect(table.BillingMode).toBe('PAY_PER_REQUEST');
      expect(table.StreamSpecification).toEqual({ StreamViewType: 'NEW_AND_OLD_IMAGES' });
    });

    it('declares the idempotency table in Powertools\' layout: key id, TTL on expiration', () => {
      const table = resource(main, 'IdempotencyTable');
      expect(table.TableName).toBe(`${SERVICE}-${STAGE}-idempotency`);
      expect(table.KeySchema).toEqual([{ AttributeName: 'id', KeyType: 'HASH' }]);
      expect(table.TimeToLiveSpecification).toEqual({ AttributeName: 'expiration', Enabled: true });
      expect(table.BillingMode).toBe('PAY_PER_REQUEST');
    });

    it('encrypts both tables and keeps point-in-time recovery; deletion protection is on for prod only', () => {
      for (const [packaged, protectedTables] of [
        [main, false],
        [alt, true],
      ] as const) {
        const tables = resourcesOfType(packaged, 'AWS::DynamoDB::Table');
        expect(tables.map(([logicalId]) => logicalId).sort()).toEqual(['CallsTable', 'IdempotencyTable']);
        for (const [logicalId, table] of tables) {
          expect(table.SSESpecification, logicalId).toMatchObject({ SSEEnabled: true });
          expect(table.PointInTimeRecoverySpecification, logicalId).toMatchObject({ PointInTimeRecoveryEnabled: true });
          expect(table.DeletionProtectionEnabled, logicalId).toBe(protectedTables);
        }
      }
    });
  });

  describe('IAM: one least-privilege role per function', () => {
    const calls = '${CallsTable.Arn}';
    const idempotency = '${IdempotencyTable.Arn}';
    const ssmCredentials = `${ARN_PREFIX}:ssm:${REGION_ACCOUNT}:parameter/${SERVICE}/${STAGE}/alibaba-credentials`;
    const ssmPushToken = `${ARN_PREFIX}:ssm:${REGION_ACCOUNT}:parameter/${SERVICE}/${STAGE}/receipt-push-token`;
    const readCredentials = statement(['ssm:GetParameter'], ssmCredentials);
    const idempotencyAccess = statement(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'], idempotency);
    const logs = (name: FunctionName) => statement(['logs:CreateLogStream', 'logs:PutLogEvents'], `\${${name[0]!.toUpperCase()}${name.slice(1)}LogGroup.Arn}`);
    // docs/call-requests.md#the-engine: schedules in this stack's group only, passing the scheduler's role only.
    const scheduleAttempts = statement(['scheduler:CreateSchedule', 'scheduler:DeleteSchedule'], `${ARN_PREFIX}:scheduler:${REGION_ACCOUNT}:schedule/${SERVICE}-${STAGE}/*`);
    const schedulerRoleArn = `${ARN_PREFIX}:iam::\${AWS::AccountId}:role/${SERVICE}-${STAGE}-us-east-1-scheduler`;
    const passSchedulerRole = statement(['iam:PassRole'], schedulerRoleArn);

    /** Exactly what each function may do (docs/security.md), and nothing else. */
    const EXPECTED: Record<FunctionName, string[]> = {
      placeCall: [logs('placeCall'), statement(['dynamodb:UpdateItem', 'dynamodb:PutItem', 'dynamodb:GetItem'], calls), idempotencyAccess, readCredentials],
      placeCallsFromQueue: [
        logs('placeCallsFromQueue'),
        statement(['dynamodb:UpdateItem', 'dynamodb:PutItem', 'dynamodb:GetItem'], calls),
        idempotencyAccess,
        readCredentials,
        statement(['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:SendMessage'], '${CallRequestsQueue.Arn}'),
        scheduleAttempts,
        passSchedulerRole,
      ],
      placeCallFromEvent: [
        logs('placeCallFromEvent'),
        statement(['dynamodb:UpdateItem', 'dynamodb:PutItem', 'dynamodb:GetItem'], calls),
        idempotencyAccess,
        readCredentials,
        statement(['sqs:SendMessage'], '${PlaceCallEventsDLQ.Arn}', '${CallRequestsQueue.Arn}'),
        scheduleAttempts,
        passSchedulerRole,
      ],
      cancelCall: [logs('cancelCall'), statement(['dynamodb:Query', 'dynamodb:UpdateItem'], calls), readCredentials],
      getCall: [logs('getCall'), statement(['dynamodb:Query'], calls), readCredentials],
      openApi: [logs('openApi')],
      apiExplorer: [logs('apiExplorer')],
      // Receipt writers put items only: a call's status is derived from its receipts, and projected
      // onto the call item by processCallChanges (its one DynamoDB write).
      pollReceipts: [logs('pollReceipts'), statement(['dynamodb:BatchWriteItem'], calls), readCredentials],
      pushReceipts: [logs('pushReceipts'), statement(['dynamodb:BatchWriteItem'], calls), statement(['ssm:GetParameter'], ssmPushToken)],
      processCallChanges: [
        logs('processCallChanges'),
        statement(STREAM_READ_ACTIONS, '${CallsTable.StreamArn}'),
        statement(['dynamodb:UpdateItem', 'dynamodb:GetItem', 'dynamodb:PutItem'], calls),
        statement(['events:PutEvents'], `${ARN_PREFIX}:events:${REGION_ACCOUNT}:event-bus/default`),
        statement(['sqs:SendMessage'], '${ProcessCallChangesDLQ.Arn}'),
        scheduleAttempts,
        passSchedulerRole,
      ],
      createCallRequest: [
        logs('createCallRequest'),
        statement(['dynamodb:PutItem', 'dynamodb:GetItem', 'dynamodb:UpdateItem'], calls),
        idempotencyAccess,
        readCredentials,
        scheduleAttempts,
        passSchedulerRole,
      ],
      getCallRequest: [logs('getCallRequest'), statement(['dynamodb:GetItem'], calls)],
      cancelCallRequest: [logs('cancelCallRequest'), statement(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem'], calls), readCredentials, scheduleAttempts],
      attemptCallRequest: [
        logs('attemptCallRequest'),
        statement(['dynamodb:PutItem', 'dynamodb:GetItem', 'dynamodb:UpdateItem'], calls),
        idempotencyAccess,
        readCredentials,
        scheduleAttempts,
        passSchedulerRole,
      ],
      sweepCallRequests: [
        logs('sweepCallRequests'),
        statement(['dynamodb:Query'], `${calls}/index/due`),
        statement(['dynamodb:GetItem', 'dynamodb:PutItem'], calls),
        readCredentials,
        scheduleAttempts,
        passSchedulerRole,
      ],
    };

    it('gives every function its own role, used by no other function, and generates no shared role', () => {
      const roleIds = FUNCTIONS.map((name) => roleOf(main, name).roleId);
      expect(new Set(roleIds).size).toBe(FUNCTIONS.length);
      // Besides the functions' roles, only the one EventBridge Scheduler assumes to fire attempts.
      expect(resourcesOfType(main, 'AWS::IAM::Role').map(([logicalId]) => logicalId).sort()).toEqual([...roleIds, 'SchedulerRole'].sort());
      expect(main.template.Resources.IamRoleLambdaExecution).toBeUndefined();
      expect(resourcesOfType(main, 'AWS::IAM::Policy')).toEqual([]);
      expect(resourcesOfType(main, 'AWS::IAM::ManagedPolicy')).toEqual([]);
    });

    it('lets only Lambda assume the functions\' roles, with no managed policies attached', () => {
      for (const [logicalId, role] of resourcesOfType(main, 'AWS::IAM::Role').filter(([logicalId]) => logicalId !== 'SchedulerRole')) {
        expect(role.AssumeRolePolicyDocument.Statement, logicalId).toEqual([
          { Effect: 'Allow', Principal: { Service: ['lambda.amazonaws.com'] }, Action: ['sts:AssumeRole'] },
        ]);
        expect(role.ManagedPolicyArns ?? [], logicalId).toEqual([]);
        expect(role.PermissionsBoundary, logicalId).toBeUndefined();
      }
    });

    it.each(FUNCTIONS)('grants %s exactly its statements', (name) => {
      const granted = roleOf(main, name).statements;
      for (const entry of granted) expect(entry.Effect, JSON.stringify(entry)).toBe('Allow');

      expect(granted.map(statementKey).sort()).toEqual(EXPECTED[name].toSorted());
    });

    it('grants nothing on "*", no wildcard action, no NotAction / NotResource', () => {
      // The one wildcard: the schedules of this stack's group, whose names are made per attempt.
      const schedules = (stage: string) => `${ARN_PREFIX}:scheduler:${REGION_ACCOUNT}:schedule/${SERVICE}-${stage}/*`;
      for (const [packaged, stage] of [
        [main, STAGE],
        [alt, 'prod'],
      ] as const) {
        const statements = iamStatements(packaged);
        expect(statements.length).toBeGreaterThan(FUNCTIONS.length);
        for (const entry of statements) {
          expect(entry.Effect).toBe('Allow');
          for (const action of asList(entry.Action as string | string[])) expect(action, JSON.stringify(entry)).not.toMatch(/\*/);
          for (const target of asList(entry.Resource).map(render)) {
            if (target === schedules(stage)) continue;
            expect(target, JSON.stringify(entry)).not.toMatch(/^\*$|:\*$|\/\*$/);
          }
          expect(entry).not.toHaveProperty('NotAction');
          expect(entry).not.toHaveProperty('NotResource');
          // The conditions: the scheduler's role may be passed to Scheduler only, and the publisher's
          // PutEvents is narrowed to its own source (below).
          if (asList(entry.Action as string | string[]).includes('events:PutEvents')) expect(entry.Condition).toEqual({ StringEquals: { 'events:source': EVENT_SOURCE } });
          else if (asList(entry.Action as string | string[]).includes('iam:PassRole')) {
            expect(entry.Action).toEqual(['iam:PassRole']);
            expect(entry.Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } });
          } else expect(entry).not.toHaveProperty('Condition');
        }
      }
    });

    it("lets EventBridge Scheduler, for this account's schedules only, invoke the attempt function and nothing else", () => {
      const role = resource(main, 'SchedulerRole');
      expect(role.AssumeRolePolicyDocument.Statement).toEqual([
        { Effect: 'Allow', Principal: { Service: ['scheduler.amazonaws.com'] }, Action: ['sts:AssumeRole'], Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } } },
      ]);
      const granted = role.Policies.flatMap((policy: Json) => policy.PolicyDocument.Statement).map(statementKey).sort();
      expect(granted).toEqual(
        [
          statement(['lambda:InvokeFunction'], `${ARN_PREFIX}:lambda:${REGION_ACCOUNT}:function:${SERVICE}-${STAGE}-attemptCallRequest`),
          statement(['sqs:SendMessage'], '${CallRequestAttemptsDLQ.Arn}'),
        ].sort(),
      );
      expect(resource(main, 'CallRequestScheduleGroup')).toEqual({ Name: `${SERVICE}-${STAGE}` });
      const attempt = main.functions.find((candidate) => candidate.name === 'attemptCallRequest')!;
      expect(attempt.properties.FunctionName).toBe(`${SERVICE}-${STAGE}-attemptCallRequest`);
    });

    it('grants every DynamoDB action the code sends on the calls table, item-level actions only', async () => {
      const onCallsTable = new Set<string>();
      for (const name of FUNCTIONS) {
        for (const entry of roleOf(main, name).statements) {
          const actions = asList(entry.Action as string[]).filter((action) => action.startsWith('dynamodb:'));
          if (actions.length === 0) continue;
          const targets = asList(entry.Resource).map(render);
          if (targets.includes(calls)) actions.forEach((action) => onCallsTable.add(action));
          if (targets.includes('${CallsTable.StreamArn}')) expect(actions.toSorted(), name).toEqual(STREAM_READ_ACTIONS.toSorted());
          else for (const action of actions) expect(ITEM_LEVEL_DYNAMODB_ACTIONS, `${action} is not an item-level action`).toContain(action);
        }
      }
      const used = await dynamoActionsUsedByTheCode();
      console.log('DynamoDB actions granted on the calls table:', [...onCallsTable].sort().join(', '), '| sent by shared/:', used.join(', '));

      expect(used.length).toBeGreaterThan(0);
      for (const action of used) expect([...onCallsTable], `the code sends ${action}`).toContain(action);
    });

    it('follows the params: the key pair in Secrets Manager (exactly one secret, its random suffix), PutEvents on the chosen bus', () => {
      const credentials = `${ARN_PREFIX}:secretsmanager:${REGION_ACCOUNT}:secret:${ALT_PARAMS.credentialsName}-??????`;
      for (const name of ['placeCall', 'placeCallsFromQueue', 'placeCallFromEvent', 'cancelCall', 'getCall', 'pollReceipts'] as const) {
        const keys = roleOf(alt, name).statements.map(statementKey);
        expect(keys, name).toContain(statement(['secretsmanager:GetSecretValue'], credentials));
        expect(keys.filter((key) => key.startsWith('ssm:')), name).toEqual([]);
      }
      const pushKeys = roleOf(alt, 'pushReceipts').statements.map(statementKey);
      expect(pushKeys).toContain(statement(['ssm:GetParameter'], `${ARN_PREFIX}:ssm:${REGION_ACCOUNT}:parameter/${SERVICE}/${ALT_STAGE}/receipt-push-token`));
      expect(roleOf(alt, 'processCallChanges').statements.map(statementKey)).toContain(
        statement(['events:PutEvents'], `${ARN_PREFIX}:events:${REGION_ACCOUNT}:event-bus/${ALT_PARAMS.eventBusName}`),
      );
    });

    it('lets processCallChanges put events with the source it publishes only (events:source), on either bus (docs/security.md#events)', () => {
      for (const packaged of [main, alt]) {
        const putEvents = roleOf(packaged, 'processCallChanges').statements.filter((entry) => asList(entry.Action as string | string[]).includes('events:PutEvents'));
        expect(putEvents).toHaveLength(1);
        expect(putEvents[0].Condition).toEqual({ StringEquals: { 'events:source': EVENT_SOURCE } });
      }
    });

    it('lets only pushReceipts read the push token, and pushReceipts nothing else secret', () => {
      for (const name of FUNCTIONS) {
        const reads = roleOf(main, name).statements.filter((entry) => asList(entry.Action as string[]).some((action) => /^(ssm|secretsmanager|kms):/.test(action)));
        const targets = reads.flatMap((entry) => asList(entry.Resource).map(render));
        if (name === 'pushReceipts') expect(targets).toEqual([ssmPushToken]);
        else expect(targets.filter((target) => target.includes('receipt-push-token')), name).toEqual([]);
      }
    });
  });

  describe('function environment', () => {
    it('holds references, never secrets: ALIYUN_CREDENTIALS_PARAM on every function, RECEIPT_PUSH_TOKEN_PARAM on pushReceipts only', () => {
      for (const candidate of main.functions) {
        const variables = candidate.properties.Environment?.Variables ?? {};
        expect(Object.keys(variables), candidate.name).not.toContain('ALIYUN_ACCESS_KEY_ID');
        expect(Object.keys(variables), candidate.name).not.toContain('ALIYUN_ACCESS_KEY_SECRET');
        expect(Object.keys(variables), candidate.name).not.toContain('RECEIPT_PUSH_TOKEN');
        // A name that speaks of a secret must be a *_PARAM reference to SSM or Secrets Manager.
        for (const [name, value] of Object.entries(variables)) {
          if (/SECRET|PASSWORD|TOKEN|CREDENTIAL/i.test(name)) {
            expect(name, candidate.name).toMatch(/_PARAM$/);
            expect(value, `${candidate.name} ${name}`).toMatch(/^(ssm:\/|secretsmanager:)[\w/.-]+$/);
          }
        }
        expect(variables.ALIYUN_CREDENTIALS_PARAM, candidate.name).toBe(`ssm:/${SERVICE}/${STAGE}/alibaba-credentials`);
        expect(variables.CALLS_TABLE, candidate.name).toBe(`${SERVICE}-${STAGE}-calls`);
        expect(variables.IDEMPOTENCY_TABLE, candidate.name).toBe(`${SERVICE}-${STAGE}-idempotency`);
        expect(variables.EVENT_BUS_NAME, candidate.name).toBe('default');
        expect(variables.ALIYUN_VOICE_ENDPOINT, candidate.name).toBe('https://dyvmsapi.aliyuncs.com');
        expect(variables.DYNAMODB_ENDPOINT ?? '', candidate.name).toBe('');
        expect(variables.EVENTBRIDGE_ENDPOINT ?? '', candidate.name).toBe('');
        expect(variables.SQS_ENDPOINT ?? '', candidate.name).toBe('');
        expect(variables.SCHEDULER_ENDPOINT ?? '', candidate.name).toBe('');
        expect(variables.RECEIPT_QUEUES, candidate.name).toBe('');
        expect(variables.LOG_LEVEL, candidate.name).toBe('info');
        expect(variables.IDEMPOTENCY_TTL_SECONDS, candidate.name).toBe('86400');
        expect(variables.FLOW_CONTROL_LIMITS, candidate.name).toBe(DEFAULT_FLOW_CONTROL_LIMITS);
        if (candidate.name === 'pushReceipts') expect(variables.RECEIPT_PUSH_TOKEN_PARAM).toBe(`ssm:/${SERVICE}/${STAGE}/receipt-push-token`);
        else expect(variables.RECEIPT_PUSH_TOKEN_PARAM, candidate.name).toBeUndefined();
      }
    });

    it('follows the params: the Secrets Manager reference, the chosen bus, the receipt queues', () => {
      for (const candidate of alt.functions) {
        const variables = candidate.properties.Environment.Variables;
        expect(variables.ALIYUN_CREDENTIALS_PARAM, candidate.name).toBe(`secretsmanager:${ALT_PARAMS.credentialsName}`);
        expect(variables.EVENT_BUS_NAME, candidate.name).toBe(ALT_PARAMS.eventBusName);
        expect(variables.RECEIPT_QUEUES, candidate.name).toBe(ALT_PARAMS.receiptQueues);
        expect(variables.LOG_LEVEL, candidate.name).toBe(ALT_PARAMS.logLevel);
        expect(variables.IDEMPOTENCY_TTL_SECONDS, candidate.name).toBe(ALT_PARAMS.idempotencyTtlSeconds);
      }
    });

    it('sends requests refused for flow control back to CallRequestsQueue: CALL_REQUESTS_QUEUE_URL (its Ref) on the two message functions only (docs/flow-control.md)', () => {
      // Without it a refused message is failed back to its trigger instead, retried and dead-lettered.
      for (const packaged of [main, alt]) {
        expect(resource(packaged, 'CallRequestsQueue')).toBeDefined();
        for (const candidate of packaged.functions) {
          const queueUrl = candidate.properties.Environment.Variables.CALL_REQUESTS_QUEUE_URL;
          if (candidate.name === 'placeCallsFromQueue' || candidate.name === 'placeCallFromEvent') expect(queueUrl, candidate.name).toEqual({ Ref: 'CallRequestsQueue' });
          else expect(queueUrl, candidate.name).toBeUndefined();
        }
      }
    });

    it("points every function that arms attempts at this stack's schedule group, attemptCallRequest and the scheduler role (docs/call-requests.md#the-engine)", () => {
      for (const packaged of [main, alt]) {
        const group: string = resource(packaged, 'CallRequestScheduleGroup').Name;
        const attemptArn = `${ARN_PREFIX}:lambda:${REGION_ACCOUNT}:function:${fn(packaged, 'attemptCallRequest').properties.FunctionName}`;
        const schedulerRoleArn = `${ARN_PREFIX}:iam::\${AWS::AccountId}:role/${resource(packaged, 'SchedulerRole').RoleName}`;
        // What Scheduler may do with the role is what these settings make it do: invoke attemptCallRequest.
        const schedulerMayInvoke = resource(packaged, 'SchedulerRole').Policies.flatMap((policy: Json) => asList(policy.PolicyDocument.Statement)).filter((entry: Json) => asList(entry.Action as string | string[]).includes('lambda:InvokeFunction'));
        expect(schedulerMayInvoke.flatMap((entry: Json) => asList(entry.Resource).map(render))).toEqual([attemptArn]);

        // The functions that create schedules (granted scheduler:CreateSchedule), which the call-request
        // code needs; without the settings the message and stream functions would skip call requests.
        const arming = FUNCTIONS.filter((name) => roleOf(packaged, name).statements.some((entry) => asList(entry.Action as string | string[]).includes('scheduler:CreateSchedule')));
        expect(arming.toSorted()).toEqual(['attemptCallRequest', 'cancelCallRequest', 'createCallRequest', 'placeCallFromEvent', 'placeCallsFromQueue', 'processCallChanges', 'sweepCallRequests']);
        for (const name of arming) {
          const variables = fn(packaged, name).properties.Environment.Variables;
          expect(variables.CALL_REQUEST_SCHEDULE_GROUP, name).toBe(group);
          expect(render(variables.CALL_REQUEST_ATTEMPT_ARN), name).toBe(attemptArn);
          expect(render(variables.CALL_REQUEST_SCHEDULER_ROLE_ARN), name).toBe(schedulerRoleArn);
          expect(variables.CALL_REQUEST_ATTEMPT_DLQ_ARN, name).toEqual({ 'Fn::GetAtt': ['CallRequestAttemptsDLQ', 'Arn'] });
          // ...and its role may create schedules in that group and pass that role.
          const keys = roleOf(packaged, name).statements.map(statementKey);
          expect(keys, name).toContain(statement(['scheduler:CreateSchedule', 'scheduler:DeleteSchedule'], `${ARN_PREFIX}:scheduler:${REGION_ACCOUNT}:schedule/${group}/*`));
          if (name !== 'cancelCallRequest') expect(keys, name).toContain(statement(['iam:PassRole'], schedulerRoleArn));
        }
      }
    });

    it('schedules pollReceipts every minute, switched off by receiptPolling=false (a push-only stage)', () => {
      const schedule = (packaged: Packaged) => {
        // pollReceipts' rule: the one whose target is pollReceipts (sweepCallRequests has its own).
        const rules = resourcesOfType(packaged, 'AWS::Events::Rule').filter(([, rule]) => rule.ScheduleExpression && JSON.stringify(rule.Targets).includes('PollReceiptsLambdaFunction'));
        expect(rules).toHaveLength(1);
        return rules[0]![1];
      };
      expect(schedule(main)).toMatchObject({ ScheduleExpression: 'rate(1 minute)', State: 'ENABLED' });
      expect(schedule(alt)).toMatchObject({ ScheduleExpression: 'rate(1 minute)', State: 'DISABLED' });
    });

    it('bounds the poller\'s V8 heap (NODE_OPTIONS on pollReceipts only), the setting the drain benchmark runs with', () => {
      for (const packaged of [main, alt]) {
        for (const candidate of packaged.functions) {
          const nodeOptions = candidate.properties.Environment?.Variables?.NODE_OPTIONS;
          if (candidate.name === 'pollReceipts') expect(nodeOptions, packaged.dir).toMatch(/^--max-old-space-size=\d+(?: --max-semi-space-size=\d+)?$/);
          else expect(nodeOptions, candidate.name).toBeUndefined();
        }
      }
    });

    it('carries no value that looks like a secret: no key pair, no token, neither the sandbox\'s nor the packaging environment\'s', () => {
      const forbidden = [CANARY_SECRET, CANARY_KEY_ID, CANARY_PUSH_TOKEN, SANDBOX_ACCESS_KEY_ID, SANDBOX_ACCESS_KEY_SECRET, LOCAL_RECEIPT_PUSH_TOKEN];
      for (const packaged of [main, alt]) {
        for (const candidate of packaged.functions) {
          for (const [name, value] of Object.entries(candidate.properties.Environment?.Variables ?? {})) {
            for (const secret of forbidden) expect(String(value).includes(secret), `${candidate.name} ${name}`).toBe(false);
            // An AccessKey id (LTAI..., AKIA...), or a long opaque run like an AccessKey secret (30
            // alphanumerics) or a hex / Base64 token, outside a URL or a reference.
            expect(String(value), `${candidate.name} ${name}`).not.toMatch(/\b(LTAI|AKIA|ASIA)[A-Za-z0-9]{8,}/);
            if (!/^(https?:\/\/|ssm:|secretsmanager:)/.test(String(value))) expect(String(value), `${candidate.name} ${name}`).not.toMatch(/[A-Za-z0-9+/]{30,}/);
          }
        }
      }
    });

    it('does not leak the packaging environment\'s key pair or push token into any packaged file', async () => {
      const files = await readdir(main.dir);
      expect(files.length).toBeGreaterThan(main.functions.length);
      for (const file of files) {
        const content = await readFile(join(main.dir, file));
        const texts = file.endsWith('.zip') ? [...readZip(content).values()].map((entry) => entry.toString('utf8')) : [content.toString('utf8')];
        for (const text of texts) {
          expect(text.includes(CANARY_SECRET), `${file} contains the secret`).toBe(false);
          expect(text.includes(CANARY_KEY_ID), `${file} contains the key id`).toBe(false);
          expect(text.includes(CANARY_PUSH_TOKEN), `${file} contains the push token`).toBe(false);
        }
      }
    });
  });

  describe('call requests from SQS', () => {
    it('declares CallRequestsQueue: SSE-SQS, visibility timeout at least 6x the function timeout, 3 receives then the DLQ', () => {
      const queue = resource(main, 'CallRequestsQueue');
      expect(queue.SqsManagedSseEnabled).toBe(true);
      expect(queue.VisibilityTimeout).toBeGreaterThanOrEqual(6 * fn(main, 'placeCallsFromQueue').properties.Timeout);
      expect(queue.RedrivePolicy).toEqual({ deadLetterTargetArn: { 'Fn::GetAtt': ['CallRequestsDLQ', 'Arn'] }, maxReceiveCount: 3 });
    });

    it('keeps every dead-letter queue 14 days, encrypted', () => {
      for (const logicalId of ['CallRequestsDLQ', 'PlaceCallEventsDLQ', 'ProcessCallChangesDLQ']) {
        const queue = resource(main, logicalId);
        expect(queue.MessageRetentionPeriod, logicalId).toBe(14 * 86_400);
        expect(queue.SqsManagedSseEnabled, logicalId).toBe(true);
      }
    });

    it('triggers placeCallsFromQueue in batches of 10 with partial batch failures and the maximum concurrency param (default 2)', () => {
      const mappings = resourcesOfType(main, 'AWS::Lambda::EventSourceMapping').filter(([, mapping]) => render(mapping.EventSourceArn) === '${CallRequestsQueue.Arn}');
      expect(mappings).toHaveLength(1);
      expect(mappings[0]![1]).toMatchObject({
        FunctionName: { 'Fn::GetAtt': [fn(main, 'placeCallsFromQueue').logicalId, 'Arn'] },
        BatchSize: 10,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        ScalingConfig: { MaximumConcurrency: 2 },
        Enabled: true,
      });
      const altMapping = resourcesOfType(alt, 'AWS::Lambda::EventSourceMapping').find(([, mapping]) => render(mapping.EventSourceArn) === '${CallRequestsQueue.Arn}');
      expect(Number(altMapping![1].ScalingConfig.MaximumConcurrency)).toBe(5);
    });
  });

  describe('call requests from EventBridge', () => {
    function placeCallRule(packaged: Packaged): Json {
      const rules = resourcesOfType(packaged, 'AWS::Events::Rule').filter(([, rule]) => rule.EventPattern);
      expect(rules).toHaveLength(1);
      return rules[0]![1];
    }

    it('matches detail-type "Place Call" from the placeCallEventSource param (default aliyun-voice.requests), put by this account, on the default bus (docs/security.md#events)', () => {
      const rule = placeCallRule(main);
      // Any principal allowed to PutEvents on the default bus could otherwise place calls, another account's included.
      expect(rule.EventPattern).toEqual({ 'source': ['aliyun-voice.requests'], 'detail-type': ['Place Call'], 'account': [{ Ref: 'AWS::AccountId' }] });
      expect(rule.EventBusName).toBeUndefined();
      expect(rule.State).toBe('ENABLED');
      expect(rule.Targets).toHaveLength(1);
      expect(rule.Targets[0].Arn).toEqual({ 'Fn::GetAtt': [fn(main, 'placeCallFromEvent').logicalId, 'Arn'] });
      // The default bus exists in every account: never created (or deleted) by this stack.
      expect(resourcesOfType(main, 'AWS::Events::EventBus')).toEqual([]);
    });

    it('retries twice and sends what still fails to PlaceCallEventsDLQ: Lambda\'s asynchronous retries and the rule target\'s own', () => {
      const rule = placeCallRule(main);
      expect(rule.Targets[0].RetryPolicy).toMatchObject({ MaximumRetryAttempts: 2 });
      expect(rule.Targets[0].DeadLetterConfig).toEqual({ Arn: { 'Fn::GetAtt': ['PlaceCallEventsDLQ', 'Arn'] } });

      const configs = resourcesOfType(main, 'AWS::Lambda::EventInvokeConfig');
      expect(configs).toHaveLength(1);
      expect(configs[0]![1]).toMatchObject({
        FunctionName: { Ref: fn(main, 'placeCallFromEvent').logicalId },
        MaximumRetryAttempts: 2,
        DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': ['PlaceCallEventsDLQ', 'Arn'] } } },
      });
    });

    it('lets EventBridge send to PlaceCallEventsDLQ for this rule only', () => {
      const policies = resourcesOfType(main, 'AWS::SQS::QueuePolicy');
      expect(policies).toHaveLength(1);
      const [, policy] = policies[0]!;
      expect(policy.Queues).toEqual([{ Ref: 'PlaceCallEventsDLQ' }]);
      expect(policy.PolicyDocument.Statement).toHaveLength(1);
      const [entry] = policy.PolicyDocument.Statement;
      expect(entry).toMatchObject({ Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, Action: 'sqs:SendMessage' });
      expect(render(entry.Resource)).toBe('${PlaceCallEventsDLQ.Arn}');
      const ruleName = placeCallRule(main).Name;
      expect(ruleName).toBe(`${SERVICE}-${STAGE}-place-call`);
      expect(asList(entry.Condition.ArnEquals['aws:SourceArn']).map(render).sort()).toEqual(
        [`${ARN_PREFIX}:events:${REGION_ACCOUNT}:rule/${ruleName}`, `${ARN_PREFIX}:events:${REGION_ACCOUNT}:rule/default/${ruleName}`].sort(),
      );
    });

    it('creates and uses a custom bus when eventBusName names one, with the source param', () => {
      const rule = placeCallRule(alt);
      expect(rule.EventPattern).toEqual({ 'source': [ALT_PARAMS.placeCallEventSource], 'detail-type': ['Place Call'], 'account': [{ Ref: 'AWS::AccountId' }] });
      expect(rule.EventBusName).toBe(ALT_PARAMS.eventBusName);
      expect(resourcesOfType(alt, 'AWS::Events::EventBus').map(([, bus]) => bus)).toEqual([{ Name: ALT_PARAMS.eventBusName }]);
    });
  });

  describe('events out: processCallChanges on the calls table\'s stream', () => {
    function streamMapping(): Json {
      const mappings = resourcesOfType(main, 'AWS::Lambda::EventSourceMapping').filter(([, mapping]) => render(mapping.EventSourceArn) === '${CallsTable.StreamArn}');
      expect(mappings).toHaveLength(1);
      return mappings[0]![1];
    }

    it('reads the stream in batches of 100 from LATEST, 10 retries, bisecting, partial batch failures, failures to ProcessCallChangesDLQ', () => {
      expect(streamMapping()).toMatchObject({
        FunctionName: { 'Fn::GetAtt': [fn(main, 'processCallChanges').logicalId, 'Arn'] },
        BatchSize: 100,
        StartingPosition: 'LATEST',
        MaximumRetryAttempts: 10,
        BisectBatchOnFunctionError: true,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': ['ProcessCallChangesDLQ', 'Arn'] } } },
        Enabled: true,
      });
    });

    it('delivers only receipt INSERTs (sk RECEIPT#...), call item and call request INSERT / MODIFY (sk CALL, REQUEST)', () => {
      const patterns = streamMapping().FilterCriteria.Filters.map((filter: { Pattern: string }) => JSON.parse(filter.Pattern));
      expect(patterns).toEqual([
        { eventName: ['INSERT'], dynamodb: { Keys: { sk: { S: [{ prefix: 'RECEIPT#' }] } } } },
        { eventName: ['INSERT', 'MODIFY'], dynamodb: { Keys: { sk: { S: ['CALL'] } } } },
        { eventName: ['INSERT', 'MODIFY'], dynamodb: { Keys: { sk: { S: ['REQUEST'] } } } },
      ]);
    });

    it('schedules the call-request sweep every 5 minutes, one at a time', () => {
      const rules = resourcesOfType(main, 'AWS::Events::Rule').filter(([, rule]) => JSON.stringify(rule.Targets).includes('SweepCallRequestsLambdaFunction'));
      expect(rules.map(([, rule]) => rule.ScheduleExpression)).toEqual(['rate(5 minutes)']);
      expect(main.functions.find((candidate) => candidate.name === 'sweepCallRequests')!.properties.ReservedConcurrentExecutions).toBe(1);
    });

    it('indexes call requests by when they are due: the sparse index the sweeper reads', () => {
      const table = resource(main, 'CallsTable');
      expect(table.GlobalSecondaryIndexes).toEqual([
        { IndexName: 'due', KeySchema: [{ AttributeName: 'dueShard', KeyType: 'HASH' }, { AttributeName: 'dueAt', KeyType: 'RANGE' }], Projection: { ProjectionType: 'ALL' } },
      ]);
      expect(table.AttributeDefinitions).toEqual(expect.arrayContaining([{ AttributeName: 'dueShard', AttributeType: 'S' }, { AttributeName: 'dueAt', AttributeType: 'N' }]));
    });
  });

  describe('alarms', () => {
    function alarm(packaged: Packaged, logicalId: string): Json {
      const properties = resource(packaged, logicalId);
      expect(packaged.template.Resources[logicalId]!.Type).toBe('AWS::CloudWatch::Alarm');
      expect(properties.AlarmActions, logicalId).toEqual([{ Ref: 'AlarmTopic' }]);
      expect(properties.EvaluationPeriods, logicalId).toBe(1);
      expect(properties.Period, logicalId).toBe(300);
      return properties;
    }

    it.each([
      ['CallRequestsDLQAlarm', 'CallRequestsDLQ'],
      ['PlaceCallEventsDLQAlarm', 'PlaceCallEventsDLQ'],
      ['ProcessCallChangesDLQAlarm', 'ProcessCallChangesDLQ'],
      ['CallRequestAttemptsDLQAlarm', 'CallRequestAttemptsDLQ'],
    ])('%s fires on one message in %s', (logicalId, queue) => {
      expect(alarm(main, logicalId)).toMatchObject({
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queue, 'QueueName'] } }],
        Statistic: 'Maximum',
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
      });
    });

    it('fires on a failed pollReceipts invocation (AWS/Lambda Errors) and on the poller\'s own PollErrors', () => {
      expect(alarm(main, 'PollReceiptsErrorsAlarm')).toMatchObject({
        Namespace: 'AWS/Lambda',
        MetricName: 'Errors',
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: fn(main, 'pollReceipts').logicalId } }],
        Statistic: 'Sum',
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
      });
      // shared/metrics.ts emits PollErrors and ReceiptLag without dimensions: the alarms name none.
      const pollErrors = alarm(main, 'PollErrorsAlarm');
      expect(pollErrors).toMatchObject({ Namespace: 'AliyunVoice', MetricName: 'PollErrors', Statistic: 'Sum', Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold' });
      expect(pollErrors.Dimensions).toBeUndefined();
    });

    it('fires when an attempt of a call request could not be scheduled (ScheduleFailures)', () => {
      const failures = alarm(main, 'ScheduleFailuresAlarm');
      expect(failures).toMatchObject({ Namespace: 'AliyunVoice', MetricName: 'ScheduleFailures', Statistic: 'Sum', Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold', TreatMissingData: 'notBreaching' });
      expect(failures.Dimensions).toBeUndefined();
    });

    it('fires when receipts are stored late: ReceiptLag p90 over 5 minutes above receiptLagAlarmMs (default 10 minutes)', () => {
      const lag = alarm(main, 'ReceiptLagAlarm');
      expect(lag).toMatchObject({
        Namespace: 'AliyunVoice',
        MetricName: 'ReceiptLag',
        ExtendedStatistic: 'p90',
        Threshold: 600_000,
        ComparisonOperator: 'GreaterThanThreshold',
        TreatMissingData: 'notBreaching',
      });
      expect(lag.Dimensions).toBeUndefined();
    });

    it('fires when processCallChanges falls 15 minutes behind the stream (IteratorAge)', () => {
      expect(alarm(main, 'ProcessCallChangesIteratorAgeAlarm')).toMatchObject({
        Namespace: 'AWS/Lambda',
        MetricName: 'IteratorAge',
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: fn(main, 'processCallChanges').logicalId } }],
        Statistic: 'Maximum',
        Threshold: 15 * 60_000,
        ComparisonOperator: 'GreaterThanThreshold',
      });
    });

    it('subscribes the alarmEmail param to AlarmTopic only when it is set', () => {
      const subscription = main.template.Resources.AlarmEmailSubscription!;
      expect(subscription.Condition).toBe('HasAlarmEmail');
      expect(subscription.Properties).toMatchObject({ Protocol: 'email', TopicArn: { Ref: 'AlarmTopic' } });
      expect(main.template.Conditions.HasAlarmEmail).toEqual({ 'Fn::Not': [{ 'Fn::Equals': ['', ''] }] });
      expect(alt.template.Conditions.HasAlarmEmail).toEqual({ 'Fn::Not': [{ 'Fn::Equals': [ALT_PARAMS.alarmEmail, ''] }] });
      expect(alt.template.Resources.AlarmEmailSubscription!.Properties.Endpoint).toBe(ALT_PARAMS.alarmEmail);
    });
  });

  describe('operations: the dashboard and the saved Logs Insights queries (ops/)', () => {
    /**
     * The dashboard body as CloudFormation will deploy it: every `${...}` of its Fn::Sub must name the
     * region, a function, a log group or a queue of this template, and is replaced by that name.
     */
    function deployedBody(packaged: Packaged): string {
      const dashboard = resource(packaged, 'OperationsDashboard');
      expect(packaged.template.Resources.OperationsDashboard!.Type).toBe('AWS::CloudWatch::Dashboard');
      const text = dashboard.DashboardBody['Fn::Sub'];
      expect(typeof text, 'DashboardBody is an Fn::Sub of one string').toBe('string');
      return (text as string).replace(/\$\{([^}]+)\}/g, (_whole, reference: string) => {
        if (reference === 'AWS::Region') return 'us-east-1';
        const [logicalId, attribute] = reference.split('.');
        const target = packaged.template.Resources[logicalId!];
        expect(target, `the dashboard names \${${reference}}, which is no resource of the template`).toBeDefined();
        if (attribute !== undefined) {
          expect([target!.Type, attribute], reference).toEqual(['AWS::SQS::Queue', 'QueueName']);
          return target!.Properties.QueueName;
        }
        if (target!.Type === 'AWS::Lambda::Function') return target!.Properties.FunctionName;
        expect(target!.Type, reference).toBe('AWS::Logs::LogGroup');
        return target!.Properties.LogGroupName;
      });
    }

    let body: string;
    let series: DashboardSeries[];
    beforeAll(() => {
      body = deployedBody(main);
      series = dashboardSeries(body);
    });
    const functionName = (name: FunctionName) => fn(main, name).properties.FunctionName as string;
    const logGroupNames = (packaged: Packaged) => resourcesOfType(packaged, 'AWS::Logs::LogGroup').map(([, properties]) => properties.LogGroupName as string);

    it('deploys one dashboard per stage, named aliyun-voice-<stage>, whose body is JSON once substituted', () => {
      expect(resource(main, 'OperationsDashboard').DashboardName).toBe(`${SERVICE}-${STAGE}`);
      expect(resource(alt, 'OperationsDashboard').DashboardName).toBe(`${SERVICE}-${ALT_STAGE}`);
      expect(widgetsOf(deployedBody(alt)).length).toBe(widgetsOf(body).length);
      expect(main.template.Outputs.DashboardName).toMatchObject({ Value: { Ref: 'OperationsDashboard' } });
    });

    it('lays the widgets out on the 24-column grid without overlaps; every chart\'s title says what healthy looks like', () => {
      const widgets = widgetsOf(body);
      const taken = new Set<string>();
      for (const widget of widgets) {
        expect(widget.x + widget.width, JSON.stringify(widget.properties.title ?? widget.properties.markdown)).toBeLessThanOrEqual(24);
        for (let x = widget.x; x < widget.x + widget.width; x++) {
          for (let y = widget.y; y < widget.y + widget.height; y++) {
            expect(taken.has(`${x},${y}`), `overlap at ${x},${y}`).toBe(false);
            taken.add(`${x},${y}`);
          }
        }
        if (widget.type !== 'text') {
          expect(widget.properties.title).toMatch(/ · healthy: \S/);
          expect(widget.properties.region).toBe('us-east-1');
        }
      }
    });

    it('names this bundle\'s metrics exactly as the code writes them: a catalogued metric, its exact dimension set, over every value (SEARCH)', () => {
      const own = series.filter((line) => line.namespace === METRICS_NAMESPACE);
      expect(own.length).toBeGreaterThan(0);
      for (const line of own) {
        expect(Object.keys(METRIC_UNITS), line.widget).toContain(line.metric);
        expect(line.dimensions, `${line.widget}: ${line.metric}`).toEqual([...METRIC_DIMENSIONS[line.metric as MetricName]].sort());
        // A dimensioned metric as a plain line would pin one value and hide the others.
        if (line.dimensions.length > 0) expect(line.search, `${line.widget}: ${line.metric}`).toBe(true);
      }
      expect(series.map((line) => line.namespace).filter((namespace) => namespace !== METRICS_NAMESPACE && !namespace.startsWith('AWS/'))).toEqual([]);
    });

    it('draws every metric the code writes', () => {
      const drawn = new Set(series.filter((line) => line.namespace === METRICS_NAMESPACE).map((line) => line.metric));
      expect(Object.keys(METRIC_UNITS).filter((metric) => !drawn.has(metric))).toEqual([]);
    });

    it('draws each function\'s errors, throttles and p99 duration, processCallChanges\' iterator age and every dead-letter queue\'s depth', () => {
      const lambda = series.filter((line) => line.namespace === 'AWS/Lambda');
      for (const line of lambda) expect(line.dimensions, line.widget).toEqual(['FunctionName']);
      const byMetric = (metric: string, stat: string) => lambda.filter((line) => line.metric === metric && line.stat === stat).map((line) => line.values.FunctionName).sort();
      const everyFunction = main.functions.map((candidate) => candidate.properties.FunctionName as string).sort();
      expect(byMetric('Errors', 'Sum')).toEqual(everyFunction);
      expect(byMetric('Throttles', 'Sum')).toEqual(everyFunction);
      expect(byMetric('Duration', 'p99')).toEqual(everyFunction);
      expect(byMetric('IteratorAge', 'Maximum')).toEqual([functionName('processCallChanges')]);
      expect(lambda.filter((line) => !['Errors', 'Throttles', 'Duration', 'IteratorAge'].includes(line.metric))).toEqual([]);

      const queues = series.filter((line) => line.namespace === 'AWS/SQS');
      const deadLetterQueues = resourcesOfType(main, 'AWS::SQS::Queue')
        .filter(([logicalId]) => logicalId.endsWith('DLQ'))
        .map(([, properties]) => properties.QueueName as string);
      expect(deadLetterQueues.length).toBeGreaterThan(0);
      expect(queues.map((line) => [line.metric, line.stat, line.values.QueueName])).toEqual(
        expect.arrayContaining(deadLetterQueues.map((queue) => ['ApproximateNumberOfMessagesVisible', 'Maximum', queue])),
      );
      expect(queues).toHaveLength(deadLetterQueues.length);
    });

    it('draws the alarms\' thresholds, pollReceipts\' timeout and Alibaba\'s 700 ms push wait as lines', () => {
      expect(lineOf(body, 'Receipt lag', 'ReceiptLagAlarm')).toBe(resource(main, 'ReceiptLagAlarm').Threshold);
      expect(lineOf(body, 'processCallChanges stream iterator age', 'ProcessCallChangesIteratorAgeAlarm')).toBe(resource(main, 'ProcessCallChangesIteratorAgeAlarm').Threshold);
      expect(lineOf(body, 'Poll duration', 'pollReceipts timeout')).toBe(fn(main, 'pollReceipts').properties.Timeout * 1000);
      expect(lineOf(body, 'Push answer time', "Alibaba's wait")).toBe(700);
    });

    it('counts cold starts from the REPORT lines\' @initDuration in every function\'s log group', () => {
      const logWidgets = widgetsOf(body).filter((widget) => widget.type === 'log');
      expect(logWidgets).toHaveLength(1);
      const query = logWidgets[0]!.properties.query as string;
      expect(sourcesOfQuery(query).sort()).toEqual(logGroupNames(main).sort());
      expect(query).toContain('filter @type = "REPORT" and ispresent(@initDuration)');
      for (const field of fieldsOfQuery(query)) expect(INSIGHTS_FIELDS, field).toContain(field);
    });

    it('saves every query of ops/queries.ts under the stage\'s folder, over every function\'s log group', () => {
      for (const [packaged, stage] of [
        [main, STAGE],
        [alt, ALT_STAGE],
      ] as const) {
        const definitions = resourcesOfType(packaged, 'AWS::Logs::QueryDefinition');
        expect(definitions.map(([logicalId]) => logicalId).sort()).toEqual(SAVED_QUERIES.map((saved) => saved.logicalId).sort());
        const groups = resourcesOfType(packaged, 'AWS::Logs::LogGroup').map(([logicalId]) => ({ Ref: logicalId }));
        for (const saved of SAVED_QUERIES) {
          const properties = resource(packaged, saved.logicalId);
          expect(properties.Name).toBe(`${SERVICE}-${stage}/${saved.title}`);
          expect(properties.QueryString).toBe(saved.query);
          expect(properties.LogGroupNames).toEqual(expect.arrayContaining(groups));
          expect(properties.LogGroupNames).toHaveLength(groups.length);
        }
      }
    });

    it('names its own metrics on the alarms exactly as the code writes them', () => {
      const own = resourcesOfType(main, 'AWS::CloudWatch::Alarm').filter(([, properties]) => properties.Namespace === METRICS_NAMESPACE);
      expect(own.length).toBeGreaterThan(0);
      for (const [logicalId, properties] of own) {
        expect(Object.keys(METRIC_UNITS), logicalId).toContain(properties.MetricName);
        const dimensions = ((properties.Dimensions ?? []) as { Name: string }[]).map((dimension) => dimension.Name).sort();
        expect(dimensions, logicalId).toEqual([...METRIC_DIMENSIONS[properties.MetricName as MetricName]].sort());
      }
    });
  });

  it('sets a retention on every function\'s log group: 14 days by default, 90 on prod', () => {
    for (const [packaged, days] of [
      [main, 14],
      [alt, 90],
    ] as const) {
      const groups = resourcesOfType(packaged, 'AWS::Logs::LogGroup');
      expect(groups).toHaveLength(FUNCTIONS.length);
      for (const candidate of packaged.functions) {
        const group = groups.find(([, properties]) => properties.LogGroupName === `/aws/lambda/${candidate.properties.FunctionName}`);
        expect(group, candidate.name).toBeDefined();
        expect(group![1].RetentionInDays, candidate.name).toBe(days);
      }
    }
  });
});
