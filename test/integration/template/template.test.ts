/**
 * The deployable artefact: `serverless package --stage test` run offline (design.md "Commands"), and
 * assertions on the CloudFormation template and the function zips it produces. No CloudFormation
 * linter works offline here, so the template's security-relevant shape is checked directly.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readZip } from './zip.ts';

const execFileAsync = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const STAGE = 'test';
const SERVICE = 'aliyun-voice';
const ZIP_BUDGET_BYTES = 1024 * 1024;

/** Put in the packaging environment to prove that credentials never reach the artefact. */
const CANARY_SECRET = `canary-secret-${randomUUID()}`;
const CANARY_KEY_ID = `LTAIcanary${randomUUID().replaceAll('-', '').slice(0, 12)}`;

type Json = any;
interface PackagedFunction {
  logicalId: string;
  /** The serverless.yml name, for example `placeCall`. */
  name: string;
  properties: Json;
}

let packageDir: string;
let template: { Resources: Record<string, { Type: string; Properties: Json; DependsOn?: unknown }> };
let functions: PackagedFunction[];

beforeAll(async () => {
  packageDir = await mkdtemp(join(tmpdir(), 'aliyun-voice-package-'));
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    // The test run's own settings (sandbox keys, DynamoDB Local) must not shape the template.
    if (!/^(ALIYUN_|DYNAMODB_|CALLS_TABLE$|RECEIPT_)/.test(name)) env[name] = value;
  }
  env.ALIYUN_ACCESS_KEY_ID = CANARY_KEY_ID;
  env.ALIYUN_ACCESS_KEY_SECRET = CANARY_SECRET;
  env.SLS_TELEMETRY_DISABLED = '1';
  env.SLS_NOTIFICATIONS_MODE = 'off';

  await execFileAsync(
    process.execPath,
    ['node_modules/osls/bin/serverless.js', 'package', '--stage', STAGE, '--package', packageDir],
    { cwd: ROOT, env, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 },
  );

  template = JSON.parse(await readFile(join(packageDir, 'cloudformation-template-update-stack.json'), 'utf8'));
  functions = Object.entries(template.Resources)
    .filter(([, resource]) => resource.Type === 'AWS::Lambda::Function')
    .map(([logicalId, resource]) => ({
      logicalId,
      name: String(resource.Properties.FunctionName).replace(`${SERVICE}-${STAGE}-`, ''),
      properties: resource.Properties,
    }));
}, 180_000);

afterAll(async () => {
  if (packageDir) await rm(packageDir, { recursive: true, force: true });
});

function resourcesOfType(type: string): Array<[string, Json]> {
  return Object.entries(template.Resources)
    .filter(([, resource]) => resource.Type === type)
    .map(([logicalId, resource]) => [logicalId, resource.Properties]);
}

/** An intrinsic-function value rendered as text: Fn::Join joined, Ref as `${Name}`. */
function render(value: Json): string {
  if (typeof value === 'string') return value;
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

/** Every IAM statement of every role and policy in the template. */
function iamStatements(): Json[] {
  const statements: Json[] = [];
  for (const [, role] of resourcesOfType('AWS::IAM::Role')) {
    for (const policy of role.Policies ?? []) statements.push(...asList(policy.PolicyDocument.Statement));
  }
  for (const [, policy] of resourcesOfType('AWS::IAM::Policy')) statements.push(...asList(policy.PolicyDocument.Statement));
  return statements;
}

/** Reading and writing items; no Scan, no table or backup administration, no streams. */
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

/**
 * Commands authorised as another action: a transaction is checked against each item action it
 * contains (AWS DynamoDB IAM reference), and the bundle's transactions only update.
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

describe('serverless package --stage test (offline)', () => {
  it('packages the three HTTP functions, every function on runtime nodejs22.x', () => {
    expect(functions.map((fn) => fn.name)).toEqual(expect.arrayContaining(['placeCall', 'cancelCall', 'getCall']));
    for (const fn of functions) expect(fn.properties.Runtime, fn.name).toBe('nodejs22.x');
  });

  it('packages each function individually: its own zip, holding its own bundled handler only', async () => {
    const files = await readdir(packageDir);
    const keys = new Set<string>();
    for (const fn of functions) {
      const zipName = basename(fn.properties.Code.S3Key as string);
      keys.add(zipName);
      expect(zipName, fn.name).toBe(`${fn.name}.zip`);
      expect(files, fn.name).toContain(zipName);
      expect(fn.properties.Handler).toBe(`functions/${fn.name}.handler`);

      const entries = readZip(await readFile(join(packageDir, zipName)));
      expect([...entries.keys()], fn.name).toContain(`functions/${fn.name}.js`);
      const bundle = entries.get(`functions/${fn.name}.js`)!.toString('utf8');
      expect(bundle.length, `${fn.name}: a bundle, not a stub`).toBeGreaterThan(10_000);
      expect(bundle, fn.name).toMatch(/\bhandler\b/);
      for (const other of functions.filter((candidate) => candidate !== fn)) {
        expect([...entries.keys()], fn.name).not.toContain(`functions/${other.name}.js`);
      }
      // Bundled by esbuild: no node_modules folder, no TypeScript sources shipped.
      expect([...entries.keys()].filter((entry) => entry.startsWith('node_modules/') || entry.endsWith('.ts')), fn.name).toEqual([]);
    }
    expect(keys.size).toBe(functions.length);
  });

  it('keeps every function zip under 1 MB', async () => {
    const sizes: Record<string, number> = {};
    for (const fn of functions) sizes[`${fn.name}.zip`] = (await stat(join(packageDir, `${fn.name}.zip`))).size;
    console.log('packaged function sizes (bytes):', sizes);

    for (const [zip, size] of Object.entries(sizes)) expect(size, zip).toBeLessThan(ZIP_BUDGET_BYTES);
  });

  it('leaves the local Alibaba sandbox out of the deployed bundles', async () => {
    for (const fn of functions) {
      const code = [...readZip(await readFile(join(packageDir, `${fn.name}.zip`))).values()].map((entry) => entry.toString('utf8')).join('\n');
      expect(code, fn.name).not.toContain('/__sandbox/');
      expect(code, fn.name).not.toContain('startSandbox');
    }
  });

  it.each([
    ['POST /calls', 'placeCall'],
    ['POST /calls/{callId}/cancel', 'cancelCall'],
    ['GET /calls/{callId}', 'getCall'],
    ['GET /openapi.json', 'openApi'],
  ])('routes %s to %s through an HTTP API (payload 2.0) that requires AWS_IAM authorization', (routeKey, functionName) => {
    const routes = resourcesOfType('AWS::ApiGatewayV2::Route').filter(([, route]) => route.RouteKey === routeKey);
    expect(routes, routeKey).toHaveLength(1);
    const [, route] = routes[0]!;
    expect(route.AuthorizationType).toBe('AWS_IAM');

    const integrationId = render(route.Target).replace(/^integrations\/\$\{(.+)\}$/, '$1');
    const integration = template.Resources[integrationId];
    expect(integration?.Type, `integration ${integrationId}`).toBe('AWS::ApiGatewayV2::Integration');
    expect(integration!.Properties.PayloadFormatVersion).toBe('2.0');
    const target = functions.find((fn) => fn.logicalId === integration!.Properties.IntegrationUri['Fn::GetAtt'][0]);
    expect(target?.name).toBe(functionName);
  });

  it('requires AWS_IAM authorization on every route', () => {
    const routes = resourcesOfType('AWS::ApiGatewayV2::Route');
    expect(routes.length).toBeGreaterThanOrEqual(3);
    for (const [logicalId, route] of routes) expect(route.AuthorizationType, logicalId).toBe('AWS_IAM');
  });

  it('declares the calls table with pk/sk keys, TTL on expiresAt, on-demand billing, encryption and point-in-time recovery', () => {
    const tables = resourcesOfType('AWS::DynamoDB::Table');
    expect(tables).toHaveLength(1);
    const [, table] = tables[0]!;
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
    expect(table.SSESpecification).toMatchObject({ SSEEnabled: true });
    expect(table.PointInTimeRecoverySpecification).toMatchObject({ PointInTimeRecoveryEnabled: true });
  });

  describe('IAM', () => {
    it('grants nothing on "*" and no service-wide wildcard action', () => {
      const statements = iamStatements();
      expect(statements.length).toBeGreaterThan(0);
      for (const statement of statements) {
        expect(statement.Effect).toBe('Allow');
        for (const action of asList(statement.Action as string | string[])) {
          expect(action, JSON.stringify(statement)).not.toMatch(/^\*$|:\*$/);
        }
        for (const resource of asList(statement.Resource)) {
          expect(render(resource), JSON.stringify(statement)).not.toBe('*');
        }
        expect(statement).not.toHaveProperty('NotAction');
        expect(statement).not.toHaveProperty('NotResource');
      }
    });

    it('grants the DynamoDB actions the code sends, item-level ones only, on the calls table only', async () => {
      const dynamo = iamStatements().filter((statement) => asList(statement.Action as string | string[]).some((action) => action.startsWith('dynamodb:')));
      expect(dynamo).toHaveLength(1);
      const granted = asList(dynamo[0].Action as string[]);
      const used = await dynamoActionsUsedByTheCode();
      console.log('DynamoDB actions granted:', granted.join(', '), '| sent by shared/:', used.join(', '));

      expect(used.length).toBeGreaterThan(0);
      for (const action of used) expect(granted, `the code sends ${action}`).toContain(action);
      for (const action of granted) expect(ITEM_LEVEL_DYNAMODB_ACTIONS, `${action} is not an item-level action`).toContain(action);
      expect(asList(dynamo[0].Resource)).toEqual([{ 'Fn::GetAtt': ['CallsTable', 'Arn'] }]);
    });

    it('lets the functions read the Alibaba credentials only under this stage\'s SSM and Secrets Manager prefix', () => {
      const statements = iamStatements();
      const ssm = statements.filter((statement) => asList(statement.Action as string[]).some((action) => action.startsWith('ssm:')));
      const secrets = statements.filter((statement) => asList(statement.Action as string[]).some((action) => action.startsWith('secretsmanager:')));

      expect(ssm).toHaveLength(1);
      expect(asList(ssm[0].Action)).toEqual(['ssm:GetParameter']);
      const ssmResources = asList(ssm[0].Resource).map(render);
      expect(ssmResources).toHaveLength(1);
      expect(ssmResources[0]).toMatch(new RegExp(`^arn:\\$\\{AWS::Partition\\}:ssm:\\$\\{AWS::Region\\}:\\$\\{AWS::AccountId\\}:parameter/${SERVICE}/${STAGE}/\\*$`));

      expect(secrets).toHaveLength(1);
      expect(asList(secrets[0].Action)).toEqual(['secretsmanager:GetSecretValue']);
      const secretResources = asList(secrets[0].Resource).map(render);
      expect(secretResources).toHaveLength(1);
      expect(secretResources[0]).toMatch(
        new RegExp(`^arn:\\$\\{AWS::Partition\\}:secretsmanager:\\$\\{AWS::Region\\}:\\$\\{AWS::AccountId\\}:secret:${SERVICE}/${STAGE}/\\*$`),
      );
    });

    it('grants nothing beyond DynamoDB, the credentials and the functions\' own log groups', () => {
      for (const statement of iamStatements()) {
        const actions = asList(statement.Action as string[]);
        const services = new Set(actions.map((action) => action.split(':')[0]));
        if (services.has('logs')) {
          expect([...services]).toEqual(['logs']);
          for (const resource of asList(statement.Resource)) expect(render(resource)).toContain(`:log-group:/aws/lambda/${SERVICE}-${STAGE}`);
        } else {
          expect([...services].every((service) => ['dynamodb', 'ssm', 'secretsmanager'].includes(service!)), actions.join(',')).toBe(true);
        }
      }
    });
  });

  describe('function environment', () => {
    it('holds no credentials: ALIYUN_CREDENTIALS_PARAM is an ssm: reference under the stage prefix the role may read', () => {
      for (const fn of functions) {
        const variables = fn.properties.Environment?.Variables ?? {};
        expect(Object.keys(variables), fn.name).not.toContain('ALIYUN_ACCESS_KEY_ID');
        expect(Object.keys(variables), fn.name).not.toContain('ALIYUN_ACCESS_KEY_SECRET');
        for (const name of Object.keys(variables)) expect(name, fn.name).not.toMatch(/SECRET|PASSWORD|TOKEN/i);
        expect(variables.ALIYUN_CREDENTIALS_PARAM, fn.name).toBe(`ssm:/${SERVICE}/${STAGE}/alibaba-credentials`);
        expect(variables.CALLS_TABLE, fn.name).toBe(`${SERVICE}-${STAGE}-calls`);
        expect(variables.ALIYUN_VOICE_ENDPOINT, fn.name).toBe('https://dyvmsapi.aliyuncs.com');
        expect(variables.DYNAMODB_ENDPOINT ?? '', fn.name).toBe('');
      }
    });

    it('does not leak the packaging environment\'s ALIYUN_ACCESS_KEY_ID / ALIYUN_ACCESS_KEY_SECRET into any packaged file', async () => {
      const files = await readdir(packageDir);
      expect(files.length).toBeGreaterThan(functions.length);
      for (const file of files) {
        const content = await readFile(join(packageDir, file));
        const texts = file.endsWith('.zip') ? [...readZip(content).values()].map((entry) => entry.toString('utf8')) : [content.toString('utf8')];
        for (const text of texts) {
          expect(text.includes(CANARY_SECRET), `${file} contains the secret`).toBe(false);
          expect(text.includes(CANARY_KEY_ID), `${file} contains the key id`).toBe(false);
        }
      }
    });
  });
});
