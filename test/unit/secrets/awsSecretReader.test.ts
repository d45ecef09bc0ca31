/**
 * shared/secrets/awsSecretReader.ts speaks SSM GetParameter and Secrets Manager GetSecretValue itself. These tests
 * drive it and the official AWS SDK clients against the same local endpoint and hold the two to the
 * same wire: equivalent requests, signatures that verify (recomputed by the server from what
 * arrived), the same reading of real answer shapes and of AWS's JSON errors.
 */
import { createHash } from 'node:crypto';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { RemoteSecretSource as SecretSource } from '#shared/config';
import { createCredentialsProvider } from '#shared/secrets/alibabaCredentials';
import { regionalEndpoint } from '#shared/awsJson';
import { createAwsSecretReader } from '#shared/secrets/awsSecretReader';
import { SecretReadError } from '#shared/errors';
import {
  ACCESS_KEY_ID,
  FakeAws,
  REGION,
  SECRET_ACCESS_KEY,
  SESSION_TOKEN,
  verifySigV4,
  type Answer,
  type ReceivedRequest,
} from './fakeAws.ts';

const FROZEN_NOW = new Date('2024-01-15T08:30:00.000Z');
const STATIC_CREDENTIALS = { accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET_ACCESS_KEY };
const PARAMETER_NAME = '/aliyun-voice/dev/credentials';
const SECRET_ID = 'aliyun-voice/dev';
const SECRET_VALUE = '{"accessKeyId":"LTAI5tExampleId","accessKeySecret":"leaky-secret-value"}';

/** AWS's documented GetParameter answer, with our value. */
const SSM_ANSWER: Answer = {
  status: 200,
  json: {
    Parameter: {
      ARN: `arn:aws:ssm:${REGION}:111122223333:parameter${PARAMETER_NAME}`,
      DataType: 'text',
      LastModifiedDate: 1_582_657_288.8,
      Name: PARAMETER_NAME,
      Type: 'SecureString',
      Value: SECRET_VALUE,
      Version: 3,
    },
  },
};

/** AWS's documented GetSecretValue answer, with our value. */
const SECRETS_MANAGER_ANSWER: Answer = {
  status: 200,
  json: {
    ARN: `arn:aws:secretsmanager:${REGION}:123456789012:secret:${SECRET_ID}-a1b2c3`,
    Name: SECRET_ID,
    VersionId: 'a1b2c3d4-5678-90ab-cdef-EXAMPLE11111',
    SecretString: SECRET_VALUE,
    VersionStages: ['AWSCURRENT'],
    CreatedDate: 1_523_477_145.713,
  },
};

interface Variant {
  name: string;
  source: SecretSource;
  service: 'ssm' | 'secretsmanager';
  target: string;
  body: Record<string, unknown>;
  answer: Answer;
  /** The same read through the official client. */
  official: (endpoint: string, credentials: typeof STATIC_CREDENTIALS & { sessionToken?: string }) => Promise<string | undefined>;
}

const VARIANTS: Variant[] = [
  {
    name: 'SSM GetParameter',
    source: { kind: 'ssm', name: PARAMETER_NAME },
    service: 'ssm',
    target: 'AmazonSSM.GetParameter',
    body: { Name: PARAMETER_NAME, WithDecryption: true },
    answer: SSM_ANSWER,
    official: async (endpoint, credentials) => {
      const client = new SSMClient({ endpoint, region: REGION, credentials, maxAttempts: 1 });
      const output = await client.send(new GetParameterCommand({ Name: PARAMETER_NAME, WithDecryption: true }));
      client.destroy();
      return output.Parameter?.Value;
    },
  },
  {
    name: 'Secrets Manager GetSecretValue',
    source: { kind: 'secretsmanager', secretId: SECRET_ID },
    service: 'secretsmanager',
    target: 'secretsmanager.GetSecretValue',
    body: { SecretId: SECRET_ID },
    answer: SECRETS_MANAGER_ANSWER,
    official: async (endpoint, credentials) => {
      const client = new SecretsManagerClient({ endpoint, region: REGION, credentials, maxAttempts: 1 });
      const output = await client.send(new GetSecretValueCommand({ SecretId: SECRET_ID }));
      client.destroy();
      return output.SecretString;
    },
  },
];

/** The parts of a request that decide what AWS does with it. */
function essentials(request: ReceivedRequest) {
  return {
    method: request.method,
    path: request.path,
    target: request.headers['x-amz-target'],
    contentType: request.headers['content-type'],
    payloadHash: request.headers['x-amz-content-sha256'],
    body: JSON.parse(request.body) as unknown,
  };
}

const aws = new FakeAws();

beforeAll(async () => {
  await aws.start();
});

afterAll(async () => {
  await aws.stop();
});

beforeEach(() => {
  aws.reset();
  // Both clients sign at the same instant; timers stay real so sockets and timeouts work.
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(FROZEN_NOW);
});

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllEnvs();
});

describe.each(VARIANTS)('$name against the official client', (variant) => {
  const reader = () => createAwsSecretReader({ region: REGION, endpoint: aws.endpoint, credentials: STATIC_CREDENTIALS });

  it('sends the same request: method, path, X-Amz-Target, content-type and JSON body', async () => {
    // arrange
    aws.answer(variant.answer, variant.answer);
    // act
    const ours = await reader()(variant.source);
    const theirs = await variant.official(aws.endpoint, STATIC_CREDENTIALS);
    // assert
    expect(ours).toBe(SECRET_VALUE);
    expect(theirs).toBe(SECRET_VALUE);
    const [ourRequest, officialRequest] = aws.received;
    expect(essentials(ourRequest!)).toEqual({
      method: 'POST',
      path: '/',
      target: variant.target,
      contentType: 'application/x-amz-json-1.1',
      payloadHash: createHash('sha256').update(JSON.stringify(variant.body)).digest('hex'),
      body: variant.body,
    });
    expect(essentials(officialRequest!)).toEqual(essentials(ourRequest!));
    expect(ourRequest!.headers['x-amz-date']).toBe('20240115T083000Z');
    expect(officialRequest!.headers['x-amz-date']).toBe(ourRequest!.headers['x-amz-date']);
  });

  it('signs so that the server verifies both signatures, with the same key, scope and core headers', async () => {
    aws.answer(variant.answer, variant.answer);
    await reader()(variant.source);
    await variant.official(aws.endpoint, STATIC_CREDENTIALS);
    const expected = { service: variant.service, region: REGION, port: aws.port };

    const ours = await verifySigV4(aws.received[0]!, expected);
    const theirs = await verifySigV4(aws.received[1]!, expected);

    expect(ours.accessKeyId).toBe(ACCESS_KEY_ID);
    expect(ours.scope).toEqual({ date: '20240115', region: REGION, service: variant.service });
    expect(theirs.scope).toEqual(ours.scope);
    // What decides the action and its target is signed by both.
    for (const signed of [ours.signedHeaders, theirs.signedHeaders]) {
      expect(signed).toEqual(expect.arrayContaining(['content-type', 'host', 'x-amz-date', 'x-amz-target']));
    }
  });

  it('signs the session token of temporary (Lambda role) credentials like the official client', async () => {
    aws.answer(variant.answer, variant.answer);
    const temporary = { ...STATIC_CREDENTIALS, sessionToken: SESSION_TOKEN };
    await createAwsSecretReader({ region: REGION, endpoint: aws.endpoint, credentials: temporary })(variant.source);
    await variant.official(aws.endpoint, temporary);
    const expected = { service: variant.service, region: REGION, port: aws.port };

    for (const request of aws.received) {
      expect(request.headers['x-amz-security-token']).toBe(SESSION_TOKEN);
      expect((await verifySigV4(request, expected)).signedHeaders).toContain('x-amz-security-token');
    }
  });

  it('reads its credentials and region from the environment (the Lambda role) by default', async () => {
    // arrange: the SDK's default chain reads AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN.
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIAENVIRONMENTKEY01');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'environment-secret-key');
    vi.stubEnv('AWS_SESSION_TOKEN', SESSION_TOKEN);
    aws.answer(variant.answer);
    const endpointVariable = variant.service === 'ssm' ? 'AWS_ENDPOINT_URL_SSM' : 'AWS_ENDPOINT_URL_SECRETS_MANAGER';
    // act
    const value = await createAwsSecretReader({ env: { AWS_REGION: 'eu-central-1', [endpointVariable]: aws.endpoint } })(variant.source);
    // assert
    expect(value).toBe(SECRET_VALUE);
    const verified = await verifySigV4(aws.received[0]!, {
      service: variant.service,
      region: 'eu-central-1',
      port: aws.port,
      secretAccessKey: 'environment-secret-key',
    });
    expect(verified.accessKeyId).toBe('AKIAENVIRONMENTKEY01');
  });
});

describe('the verifier itself', () => {
  it('refuses a request changed after signing, a wrong secret key and a wrong service', async () => {
    // arrange
    aws.answer(SSM_ANSWER);
    await createAwsSecretReader({ region: REGION, endpoint: aws.endpoint, credentials: STATIC_CREDENTIALS })(VARIANTS[0]!.source);
    const request = aws.received[0]!;
    const expected = { service: 'ssm', region: REGION, port: aws.port };
    // act / assert
    await expect(verifySigV4(request, expected)).resolves.toBeDefined();
    await expect(verifySigV4({ ...request, body: request.body.replace('credentials', 'credentialz') }, expected)).rejects.toThrow(
      'x-amz-content-sha256 does not match the body',
    );
    const altered = request.body.replace('credentials', 'credentialz');
    const alteredHash = createHash('sha256').update(altered).digest('hex');
    await expect(
      verifySigV4({ ...request, body: altered, headers: { ...request.headers, 'x-amz-content-sha256': alteredHash } }, expected),
    ).rejects.toThrow('signature does not verify');
    const { 'x-amz-content-sha256': _hash, ...withoutHash } = request.headers;
    await expect(verifySigV4({ ...request, headers: withoutHash }, expected)).rejects.toThrow('signed header x-amz-content-sha256 was not received');
    await expect(
      verifySigV4({ ...request, headers: { ...request.headers, 'x-amz-target': 'AmazonSSM.PutParameter' } }, expected),
    ).rejects.toThrow('signature does not verify');
    await expect(verifySigV4(request, { ...expected, secretAccessKey: 'another-key' })).rejects.toThrow('signature does not verify');
    await expect(verifySigV4(request, { ...expected, service: 'secretsmanager' })).rejects.toThrow(/service ssm/);
  });
});

describe('AWS errors and unusable answers', () => {
  const reader = (attemptTimeoutMs?: number) =>
    createAwsSecretReader({ region: REGION, endpoint: aws.endpoint, credentials: STATIC_CREDENTIALS, ...(attemptTimeoutMs ? { attemptTimeoutMs } : {}) });

  /** Our error and the official client's error name for the same answer. */
  async function bothFail(variant: Variant, answer: Answer) {
    aws.answer(answer, answer);
    const ours = await reader()(variant.source).catch((error: unknown) => error);
    const theirs = await variant.official(aws.endpoint, STATIC_CREDENTIALS).catch((error: unknown) => error);
    return { ours: ours as SecretReadError, theirs: theirs as Error };
  }

  it.each([
    ['ParameterNotFound without a message', VARIANTS[0]!, { status: 400, json: { __type: 'ParameterNotFound' } }, 'ParameterNotFound'],
    [
      'AccessDeniedException with a message',
      VARIANTS[0]!,
      {
        status: 400,
        json: {
          __type: 'AccessDeniedException',
          Message: `User: arn:aws:sts::111122223333:assumed-role/fn/fn is not authorized to perform: ssm:GetParameter on resource: arn:aws:ssm:${REGION}:111122223333:parameter${PARAMETER_NAME}`,
        },
      },
      'AccessDeniedException',
    ],
    [
      'ResourceNotFoundException with a namespaced type',
      VARIANTS[1]!,
      { status: 400, json: { __type: 'com.amazonaws.secretsmanager#ResourceNotFoundException', message: "Secrets Manager can't find the specified secret." } },
      'ResourceNotFoundException',
    ],
    [
      'AccessDeniedException named only by x-amzn-errortype',
      VARIANTS[1]!,
      { status: 400, text: '{}', headers: { 'x-amzn-errortype': 'AccessDeniedException:http://internal.amazon.com/coral/com.amazon.coral.service/' } },
      'AccessDeniedException',
    ],
  ] satisfies [string, Variant, Answer, string][])('%s: a SecretReadError naming the source and the type the official client names', async (_name, variant, answer, code) => {
    const { ours, theirs } = await bothFail(variant, answer);

    expect(ours).toBeInstanceOf(SecretReadError);
    expect(ours.code).toBe(code);
    expect(theirs.name).toBe(code);
    expect(ours.details.httpStatus).toBe(400);
    expect(ours.message).toContain(variant.source.kind === 'ssm' ? `SSM parameter ${PARAMETER_NAME}` : `secret ${SECRET_ID}`);
    expect(ours.message).toContain(code);
    // A client error is not retried.
    expect(aws.received).toHaveLength(2);
  });

  it('refuses a binary-only secret as holding no text, without echoing anything of it', async () => {
    const binary = Buffer.from(SECRET_VALUE).toString('base64');
    aws.answer({ status: 200, json: { ARN: 'arn', Name: SECRET_ID, SecretBinary: binary, VersionId: 'v1', VersionStages: ['AWSCURRENT'], CreatedDate: 1 } });

    const error = (await reader()(VARIANTS[1]!.source).catch((caught: unknown) => caught)) as SecretReadError;

    expect(error).toBeInstanceOf(SecretReadError);
    expect(error.code).toBe('NoTextValue');
    expect(error.message).toBe(`secret ${SECRET_ID}: holds no text value`);
  });

  it('retries a 5xx or throttled answer once, then reads the value', async () => {
    aws.answer({ status: 400, json: { __type: 'ThrottlingException', message: 'Rate exceeded' } }, SSM_ANSWER);
    await expect(reader()(VARIANTS[0]!.source)).resolves.toBe(SECRET_VALUE);
    aws.reset();
    aws.answer({ status: 503, text: '<html>Service Unavailable</html>' }, SSM_ANSWER);
    await expect(reader()(VARIANTS[0]!.source)).resolves.toBe(SECRET_VALUE);
    expect(aws.received).toHaveLength(2);
  });

  it('gives up after two failed attempts with the last error', async () => {
    aws.answer({ status: 500, json: { __type: 'InternalServerError' } }, { status: 500, json: { __type: 'InternalServerError' } });
    const error = (await reader()(VARIANTS[0]!.source).catch((caught: unknown) => caught)) as SecretReadError;
    expect(error.code).toBe('InternalServerError');
    expect(aws.received).toHaveLength(2);
  });

  it('abandons an attempt that does not answer within its timeout (RequestTimeout)', async () => {
    aws.answer({ hang: true }, { hang: true });
    const startedAt = performance.now();
    const error = (await reader(150)(VARIANTS[0]!.source).catch((caught: unknown) => caught)) as SecretReadError;
    expect(error).toBeInstanceOf(SecretReadError);
    expect(error.code).toBe('RequestTimeout');
    expect(aws.received).toHaveLength(2);
    expect(performance.now() - startedAt).toBeLessThan(2_000);
  });

  it('names a refused connection by its network code', async () => {
    const closed = new FakeAws();
    await closed.start();
    const endpoint = closed.endpoint;
    await closed.stop();
    const error = (await createAwsSecretReader({ region: REGION, endpoint, credentials: STATIC_CREDENTIALS })(VARIANTS[0]!.source).catch(
      (caught: unknown) => caught,
    )) as SecretReadError;
    expect(error.code).toBe('ECONNREFUSED');
  });

  it('does not follow a redirect: the signed request and its session token go nowhere else (docs/security.md#credentials-and-secrets)', async () => {
    const elsewhere = new FakeAws();
    await elsewhere.start();
    try {
      elsewhere.answer(SSM_ANSWER, SSM_ANSWER);
      aws.answer({ status: 307, text: '', headers: { location: `${elsewhere.endpoint}/` } });

      const error = (await createAwsSecretReader({ region: REGION, endpoint: aws.endpoint, credentials: { ...STATIC_CREDENTIALS, sessionToken: SESSION_TOKEN } })(
        VARIANTS[0]!.source,
      ).catch((caught: unknown) => caught)) as SecretReadError;

      expect(error).toBeInstanceOf(SecretReadError);
      expect(error.code).toBe('HTTP_307');
      expect(elsewhere.received).toEqual([]);
      expect(aws.received).toHaveLength(1);
    } finally {
      await elsewhere.stop();
    }
  });

  it('fails without a request when no region is known', async () => {
    const error = (await createAwsSecretReader({ env: {}, credentials: STATIC_CREDENTIALS })(VARIANTS[0]!.source).catch(
      (caught: unknown) => caught,
    )) as SecretReadError;
    expect(error.code).toBe('MissingRegion');
    expect(aws.received).toEqual([]);
  });
});

describe('through the Alibaba credentials provider', () => {
  it('reads the key pair document from SSM and never puts the secret in an error', async () => {
    aws.answer(SSM_ANSWER);
    const read = createAwsSecretReader({ region: REGION, endpoint: aws.endpoint, credentials: STATIC_CREDENTIALS });
    const provider = createCredentialsProvider({ kind: 'ssm', name: PARAMETER_NAME }, {}, Date.now, read);

    await expect(provider()).resolves.toEqual({ accessKeyId: 'LTAI5tExampleId', accessKeySecret: 'leaky-secret-value' });
  });

  it('reports a malformed document by its source, without the value', async () => {
    aws.answer({ status: 200, json: { Parameter: { Name: PARAMETER_NAME, Type: 'SecureString', Value: 'LTAI5tExampleId:leaky-secret-value', Version: 1 } } });
    const read = createAwsSecretReader({ region: REGION, endpoint: aws.endpoint, credentials: STATIC_CREDENTIALS });
    const provider = createCredentialsProvider({ kind: 'ssm', name: PARAMETER_NAME }, {}, Date.now, read);

    const error = (await provider().catch((caught: unknown) => caught)) as Error;

    expect(error.message).toContain(`SSM parameter ${PARAMETER_NAME}`);
    expect(error.message).not.toContain('leaky-secret-value');
  });
});

describe('regionalEndpoint', () => {
  it.each([
    ['ssm', 'eu-west-1', 'https://ssm.eu-west-1.amazonaws.com'],
    ['secretsmanager', 'us-gov-west-1', 'https://secretsmanager.us-gov-west-1.amazonaws.com'],
    ['ssm', 'cn-north-1', 'https://ssm.cn-north-1.amazonaws.com.cn'],
    ['secretsmanager', 'cn-northwest-1', 'https://secretsmanager.cn-northwest-1.amazonaws.com.cn'],
    ['ssm', 'eusc-de-east-1', 'https://ssm.eusc-de-east-1.amazonaws.eu'],
    ['ssm', 'us-iso-east-1', 'https://ssm.us-iso-east-1.c2s.ic.gov'],
    ['ssm', 'us-isob-east-1', 'https://ssm.us-isob-east-1.sc2s.sgov.gov'],
  ])('%s in %s is %s', (service, region, expected) => {
    expect(regionalEndpoint(service, region)).toBe(expected);
  });
});
