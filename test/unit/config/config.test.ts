/**
 * Configuration (docs/configuration.md): defaults, and a loud ConfigError naming the variable for
 * every bad value; credentials from the environment or from SSM / Secrets Manager with a 5-minute cache.
 */
import { describe, expect, it } from 'vitest';
import { assertReceiptQueuesConfigured, parseConfig, type SecretSource as CredentialsSource, type RemoteSecretSource as RemoteCredentialsSource } from '#shared/config';
import { createCredentialsProvider, parseCredentialsDocument } from '#shared/secrets/alibabaCredentials';
import { SECRET_CACHE_MS as CREDENTIALS_CACHE_MS, SECRET_RETRY_AFTER_FAILURE_MS } from '#shared/secrets/cache';
import { ConfigError } from '#shared/errors';
import { SANDBOX_ACCESS_KEY_ID, SANDBOX_ACCESS_KEY_SECRET } from '#shared/localDefaults';
import type { AlibabaCredentials } from '#shared/signing/index';

/** The only variable without a default. */
const MINIMAL_ENV = { CALLS_TABLE: 'aliyun-voice-dev-calls' };

/** The ConfigError `act` throws; fails the test if it throws anything else or nothing. */
function configErrorOf(act: () => unknown): ConfigError {
  try {
    act();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  return expect.fail('expected a ConfigError');
}

describe('parseConfig defaults (only CALLS_TABLE set)', () => {
  const config = parseConfig(MINIMAL_ENV);

  it.each([
    ['voiceEndpoint', 'https://dyvmsapi.aliyuncs.com'],
    ['dybaseEndpoint', 'https://dybaseapi.aliyuncs.com'],
    ['mnsEndpoint', 'https://1943695596114318.mns.cn-hangzhou.aliyuncs.com'],
  ] as const)('%s is the docs/alibaba/rpc.md#endpoints endpoint %s', (field, expected) => {
    expect(config[field]).toBe(expected);
  });

  it('signs with V1 (HMAC-SHA1)', () => {
    expect(config.signatureVersion).toBe('v1');
  });

  it('reads credentials from the environment', () => {
    expect(config.credentialsSource).toEqual({ kind: 'env' });
  });

  it('drains the three Voice Service receipt queues (docs/alibaba/receipts.md#message-types)', () => {
    expect([...config.receiptQueues.keys()].sort()).toEqual(['VoiceCallReport', 'VoiceRecordReport', 'VoiceReport']);
    for (const [type, queue] of config.receiptQueues) expect(queue).toMatch(new RegExp(`^Alicom-Queue-\\d+-${type}$`));
  });

  it('keeps items 30 days', () => {
    expect(config.receiptTtlDays).toBe(30);
  });

  it('has no DynamoDB endpoint override', () => {
    expect(config.dynamodbEndpoint).toBeUndefined();
  });

  it('uses the given table', () => {
    expect(config.callsTable).toBe('aliyun-voice-dev-calls');
  });

  it("guards placements with Alibaba's own windows (docs/flow-control.md#settings)", () => {
    expect(config.flowControlWindows).toEqual([
      { count: 1, seconds: 60, label: '1/60' },
      { count: 5, seconds: 3600, label: '5/3600' },
      { count: 20, seconds: 86400, label: '20/86400' },
    ]);
  });

  it('treats empty and blank variables as unset', () => {
    const blank = parseConfig({
      ...MINIMAL_ENV,
      ALIYUN_VOICE_ENDPOINT: '',
      ALIYUN_SIGNATURE_VERSION: '  ',
      RECEIPT_QUEUES: '',
      RECEIPT_TTL_DAYS: ' ',
      DYNAMODB_ENDPOINT: '',
      ALIYUN_CREDENTIALS_PARAM: '',
      FLOW_CONTROL_LIMITS: ' ',
    });
    expect(blank).toEqual(config);
  });
});

describe('parseConfig accepts valid settings', () => {
  it.each([
    ['ALIYUN_VOICE_ENDPOINT', 'voiceEndpoint', 'http://127.0.0.1:8090', 'http://127.0.0.1:8090'],
    ['ALIYUN_VOICE_ENDPOINT', 'voiceEndpoint', 'https://dyvmsapi.aliyuncs.com/', 'https://dyvmsapi.aliyuncs.com'],
    ['ALIYUN_DYBASE_ENDPOINT', 'dybaseEndpoint', 'http://localhost:8090', 'http://localhost:8090'],
    ['ALIYUN_MNS_ENDPOINT', 'mnsEndpoint', 'http://127.0.0.1:8091/', 'http://127.0.0.1:8091'],
    ['DYNAMODB_ENDPOINT', 'dynamodbEndpoint', 'http://127.0.0.1:8000', 'http://127.0.0.1:8000'],
    ['ALIYUN_SIGNATURE_VERSION', 'signatureVersion', 'v3', 'v3'],
    ['ALIYUN_SIGNATURE_VERSION', 'signatureVersion', 'v1', 'v1'],
    ['RECEIPT_TTL_DAYS', 'receiptTtlDays', '1', 1],
    ['RECEIPT_TTL_DAYS', 'receiptTtlDays', '90', 90],
    ['CALLS_TABLE', 'callsTable', ' calls ', 'calls'],
    ['FLOW_CONTROL_LIMITS', 'flowControlWindows', 'off', undefined],
    ['FLOW_CONTROL_LIMITS', 'flowControlWindows', ' Off ', undefined],
    ['FLOW_CONTROL_LIMITS', 'flowControlWindows', '10/3600, 2/60', [{ count: 2, seconds: 60, label: '2/60' }, { count: 10, seconds: 3600, label: '10/3600' }]],
  ] as const)('%s=%j gives %s %j', (variable, field, value, expected) => {
    expect(parseConfig({ ...MINIMAL_ENV, [variable]: value })[field]).toEqual(expected);
  });

  it.each([
    ['env', { kind: 'env' }],
    ['ssm:/aliyun-voice/dev/credentials', { kind: 'ssm', name: '/aliyun-voice/dev/credentials' }],
    [
      'secretsmanager:arn:aws:secretsmanager:us-east-1:123456789012:secret:aliyun-AbCdEf',
      { kind: 'secretsmanager', secretId: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:aliyun-AbCdEf' },
    ],
    ['secretsmanager:aliyun-voice/dev', { kind: 'secretsmanager', secretId: 'aliyun-voice/dev' }],
  ] satisfies [string, CredentialsSource][])('ALIYUN_CREDENTIALS_PARAM=%s', (value, expected) => {
    expect(parseConfig({ ...MINIMAL_ENV, ALIYUN_CREDENTIALS_PARAM: value }).credentialsSource).toEqual(expected);
  });

  it('reads RECEIPT_QUEUES as MessageType=QueueName pairs, spaces trimmed', () => {
    const config = parseConfig({
      ...MINIMAL_ENV,
      RECEIPT_QUEUES: ' VoiceReport = Alicom-Queue-1234567890-VoiceReport , VoiceCallReport=Alicom-Queue-1234567890-VoiceCallReport',
    });
    expect(Object.fromEntries(config.receiptQueues)).toEqual({
      VoiceReport: 'Alicom-Queue-1234567890-VoiceReport',
      VoiceCallReport: 'Alicom-Queue-1234567890-VoiceCallReport',
    });
  });

  it('does not read process.env when given an env (pure)', () => {
    expect(() => parseConfig({})).toThrow(ConfigError);
  });
});

describe('parseConfig refuses bad values with a ConfigError naming the variable', () => {
  it.each([
    ['ALIYUN_VOICE_ENDPOINT', 'not a url'],
    ['ALIYUN_VOICE_ENDPOINT', 'dyvmsapi.aliyuncs.com'],
    ['ALIYUN_VOICE_ENDPOINT', 'ftp://dyvmsapi.aliyuncs.com'],
    ['ALIYUN_VOICE_ENDPOINT', 'https://dyvmsapi.aliyuncs.com/v1'],
    ['ALIYUN_VOICE_ENDPOINT', 'https://dyvmsapi.aliyuncs.com/?Action=x'],
    ['ALIYUN_VOICE_ENDPOINT', 'https://dyvmsapi.aliyuncs.com/#x'],
    ['ALIYUN_DYBASE_ENDPOINT', 'https://dybaseapi.aliyuncs.com/api'],
    ['ALIYUN_DYBASE_ENDPOINT', '://nohost'],
    ['ALIYUN_MNS_ENDPOINT', 'https://1943695596114318.mns.cn-hangzhou.aliyuncs.com/queues'],
    ['ALIYUN_MNS_ENDPOINT', 'mailto:ops@example.com'],
    ['DYNAMODB_ENDPOINT', 'localhost:8000/'],
    ['DYNAMODB_ENDPOINT', 'http://127.0.0.1:8000/shell'],
    ['ALIYUN_SIGNATURE_VERSION', 'v2'],
    ['ALIYUN_SIGNATURE_VERSION', '1.0'],
    ['ALIYUN_SIGNATURE_VERSION', 'ACS3-HMAC-SHA256'],
    ['ALIYUN_CREDENTIALS_PARAM', 'ssm:'],
    ['ALIYUN_CREDENTIALS_PARAM', 'secretsmanager:'],
    ['ALIYUN_CREDENTIALS_PARAM', 'vault:secret/aliyun'],
    ['ALIYUN_CREDENTIALS_PARAM', '/aliyun-voice/dev/credentials'],
    ['ALIYUN_CREDENTIALS_PARAM', ':x'],
    ['ALIYUN_CREDENTIALS_PARAM', 'SSM:/x'],
    ['RECEIPT_QUEUES', 'VoiceReport'],
    ['RECEIPT_QUEUES', 'VoiceReport='],
    ['RECEIPT_QUEUES', '=Alicom-Queue-1-VoiceReport'],
    ['RECEIPT_QUEUES', 'VoiceReport=a=b'],
    ['RECEIPT_QUEUES', 'VoiceReport:Alicom-Queue-1-VoiceReport'],
    ['RECEIPT_QUEUES', 'VoiceReport=Alicom Queue'],
    ['RECEIPT_QUEUES', 'VoiceReport=Alicom_Queue'],
    ['RECEIPT_QUEUES', 'VoiceReport=q1;VoiceCallReport=q2'],
    ['RECEIPT_QUEUES', 'VoiceReport=q1,VoiceReport=q2'],
    ['RECEIPT_TTL_DAYS', '0'],
    ['RECEIPT_TTL_DAYS', '-1'],
    ['RECEIPT_TTL_DAYS', 'abc'],
    ['RECEIPT_TTL_DAYS', '1.5'],
    ['RECEIPT_TTL_DAYS', '1e2'],
    ['RECEIPT_TTL_DAYS', '30d'],
    ['RECEIPT_TTL_DAYS', '3651'],
    ['FLOW_CONTROL_LIMITS', '1/0'],
    ['FLOW_CONTROL_LIMITS', '0/60'],
    ['FLOW_CONTROL_LIMITS', 'abc'],
    ['FLOW_CONTROL_LIMITS', 'on'],
    ['FLOW_CONTROL_LIMITS', '1/60,'],
    ['FLOW_CONTROL_LIMITS', ','],
    ['FLOW_CONTROL_LIMITS', '1/60,,5/3600'],
    ['FLOW_CONTROL_LIMITS', 'off,1/60'],
    ['FLOW_CONTROL_LIMITS', '1/60,2/60'],
    ['FLOW_CONTROL_LIMITS', '1 / 60'],
    ['FLOW_CONTROL_LIMITS', '1/1m'],
  ])('%s=%j', (variable, value) => {
    // act
    const error = configErrorOf(() => parseConfig({ ...MINIMAL_ENV, [variable]: value }));
    // assert
    expect(error.variable).toBe(variable);
    expect(error.message.startsWith(`${variable}: `)).toBe(true);
    expect(error.name).toBe('ConfigError');
  });

  it('says why a duplicated message type is refused', () => {
    const error = configErrorOf(() => parseConfig({ ...MINIMAL_ENV, RECEIPT_QUEUES: 'VoiceReport=q1,VoiceReport=q2' }));
    expect(error.message).toMatch(/VoiceReport.*twice/);
  });

  it('says what an endpoint with a path should look like', () => {
    const error = configErrorOf(() => parseConfig({ ...MINIMAL_ENV, ALIYUN_VOICE_ENDPOINT: 'https://dyvmsapi.aliyuncs.com/v1' }));
    expect(error.message).toMatch(/without path/);
  });

  it('says what FLOW_CONTROL_LIMITS expects and which window is wrong', () => {
    const error = configErrorOf(() => parseConfig({ ...MINIMAL_ENV, FLOW_CONTROL_LIMITS: '1/60,5/0' }));
    expect(error.message).toMatch(/^FLOW_CONTROL_LIMITS: expected "off" or <count>\/<seconds> windows .*got "5\/0"$/);
  });

  it('names the accepted range for RECEIPT_TTL_DAYS', () => {
    expect(configErrorOf(() => parseConfig({ ...MINIMAL_ENV, RECEIPT_TTL_DAYS: '0' })).message).toMatch(/whole number from 1/);
  });

  it.each([
    ['missing', {}],
    ['empty', { CALLS_TABLE: '' }],
    ['blank', { CALLS_TABLE: '   ' }],
  ])('refuses a %s CALLS_TABLE as required', (_name, env) => {
    const error = configErrorOf(() => parseConfig(env));
    expect(error.variable).toBe('CALLS_TABLE');
    expect(error.message).toBe('CALLS_TABLE: is required');
  });
});

describe('createCredentialsProvider, source "env"', () => {
  const env = { kind: 'env' } as const;
  const neverRead = () => expect.fail('the environment source must not read SSM or Secrets Manager');

  it('answers the ALIYUN_ACCESS_KEY_ID / ALIYUN_ACCESS_KEY_SECRET pair', async () => {
    const provider = createCredentialsProvider(
      env,
      { ALIYUN_ACCESS_KEY_ID: 'LTAI5tExampleId', ALIYUN_ACCESS_KEY_SECRET: 'example-secret' },
      Date.now,
      neverRead,
    );
    await expect(provider()).resolves.toEqual({ accessKeyId: 'LTAI5tExampleId', accessKeySecret: 'example-secret' });
  });

  it('answers the sandbox pair when both are unset (local runs and tests)', async () => {
    const provider = createCredentialsProvider(env, {}, Date.now, neverRead);
    await expect(provider()).resolves.toEqual({ accessKeyId: SANDBOX_ACCESS_KEY_ID, accessKeySecret: SANDBOX_ACCESS_KEY_SECRET });
  });

  it('treats blank values as unset', async () => {
    const provider = createCredentialsProvider(env, { ALIYUN_ACCESS_KEY_ID: ' ', ALIYUN_ACCESS_KEY_SECRET: '' }, Date.now, neverRead);
    await expect(provider()).resolves.toEqual({ accessKeyId: SANDBOX_ACCESS_KEY_ID, accessKeySecret: SANDBOX_ACCESS_KEY_SECRET });
  });

  it.each([
    ['only the id is set', { ALIYUN_ACCESS_KEY_ID: 'LTAI5tExampleId' }, 'ALIYUN_ACCESS_KEY_SECRET'],
    ['only the secret is set', { ALIYUN_ACCESS_KEY_SECRET: 'example-secret' }, 'ALIYUN_ACCESS_KEY_ID'],
    ['the secret is blank', { ALIYUN_ACCESS_KEY_ID: 'LTAI5tExampleId', ALIYUN_ACCESS_KEY_SECRET: '  ' }, 'ALIYUN_ACCESS_KEY_SECRET'],
  ])('fails at creation (cold start) when %s, naming the missing variable', (_name, values, missing) => {
    const error = configErrorOf(() => createCredentialsProvider(env, values, Date.now, neverRead));
    expect(error.variable).toBe(missing);
    expect(error.message).not.toContain('example-secret');
  });
});

/** A fake remote store: counts reads, answers what the test queues up. */
function fakeRemote() {
  const reads: RemoteCredentialsSource[] = [];
  const answers: (() => Promise<AlibabaCredentials>)[] = [];
  return {
    reads,
    answerWith(...next: (() => Promise<AlibabaCredentials>)[]) {
      answers.push(...next);
    },
    read: (source: RemoteCredentialsSource) => {
      reads.push(source);
      const answer = answers.shift();
      if (!answer) return Promise.reject(new Error('unexpected read'));
      // The store holds the key pair as a JSON document (parseCredentialsDocument).
      return answer().then((credentials) => JSON.stringify(credentials));
    },
  };
}

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const FIRST = { accessKeyId: 'LTAI5tFirst', accessKeySecret: 'first-secret' };
const ROTATED = { accessKeyId: 'LTAI5tRotated', accessKeySecret: 'rotated-secret' };

describe.each([
  { kind: 'ssm', name: '/aliyun-voice/dev/credentials' },
  { kind: 'secretsmanager', secretId: 'aliyun-voice/dev' },
] satisfies RemoteCredentialsSource[])('createCredentialsProvider, remote source $kind', (source) => {
  it('caches for 5 minutes', () => {
    expect(CREDENTIALS_CACHE_MS).toBe(5 * 60_000);
  });

  it('reads once, with the configured source, then answers from the cache for 5 minutes', async () => {
    // arrange
    let clock = 1_000_000;
    const remote = fakeRemote();
    remote.answerWith(async () => FIRST);
    const provider = createCredentialsProvider(source, {}, () => clock, remote.read);
    // act
    const first = await provider();
    clock += 5 * 60_000 - 1;
    const later = await provider();
    // assert
    expect(first).toEqual(FIRST);
    expect(later).toEqual(FIRST);
    expect(remote.reads).toEqual([source]);
  });

  it('reads again once the 5 minutes are over, picking up a rotated key', async () => {
    let clock = 1_000_000;
    const remote = fakeRemote();
    remote.answerWith(
      async () => FIRST,
      async () => ROTATED,
    );
    const provider = createCredentialsProvider(source, {}, () => clock, remote.read);
    await provider();
    clock += 5 * 60_000;
    await expect(provider()).resolves.toEqual(ROTATED);
    expect(remote.reads).toHaveLength(2);
  });

  it('lets concurrent callers share one read', async () => {
    // arrange
    const remote = fakeRemote();
    const pending = deferred<AlibabaCredentials>();
    remote.answerWith(() => pending.promise);
    const provider = createCredentialsProvider(source, {}, () => 0, remote.read);
    // act
    const callers = [provider(), provider(), provider()];
    pending.resolve(FIRST);
    // assert
    await expect(Promise.all(callers)).resolves.toEqual([FIRST, FIRST, FIRST]);
    expect(remote.reads).toHaveLength(1);
  });

  it(`remembers a failed read for ${SECRET_RETRY_AFTER_FAILURE_MS / 1000} s (the same error, no read), then reads again`, async () => {
    let clock = 1_000_000;
    const remote = fakeRemote();
    remote.answerWith(
      () => Promise.reject(new Error('AccessDeniedException')),
      async () => FIRST,
    );
    const provider = createCredentialsProvider(source, {}, () => clock, remote.read);
    await expect(provider()).rejects.toThrow('AccessDeniedException');
    clock += SECRET_RETRY_AFTER_FAILURE_MS - 1;
    await expect(provider()).rejects.toThrow('AccessDeniedException');
    expect(remote.reads).toHaveLength(1);
    clock += 1;
    await expect(provider()).resolves.toEqual(FIRST);
    expect(remote.reads).toHaveLength(2);
  });

  it('gives every concurrent caller of a failed read the failure, then reads again once the failure is no longer remembered', async () => {
    const remote = fakeRemote();
    const pending = deferred<AlibabaCredentials>();
    remote.answerWith(
      () => pending.promise,
      async () => FIRST,
    );
    let clock = 1_000_000;
    const provider = createCredentialsProvider(source, {}, () => clock, remote.read);
    const callers = [provider(), provider()];
    pending.reject(new Error('ThrottlingException'));
    const outcomes = await Promise.allSettled(callers);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['rejected', 'rejected']);
    clock += SECRET_RETRY_AFTER_FAILURE_MS;
    await expect(provider()).resolves.toEqual(FIRST);
    expect(remote.reads).toHaveLength(2);
  });

  it('does not read at creation, only when asked', () => {
    const remote = fakeRemote();
    createCredentialsProvider(source, {}, () => 0, remote.read);
    expect(remote.reads).toEqual([]);
  });
});

describe('parseCredentialsDocument (the SSM / Secrets Manager value)', () => {
  it('reads {"accessKeyId","accessKeySecret"}', () => {
    expect(parseCredentialsDocument('{"accessKeyId":"LTAI5tExampleId","accessKeySecret":"example-secret"}', 'SSM parameter /x')).toEqual({
      accessKeyId: 'LTAI5tExampleId',
      accessKeySecret: 'example-secret',
    });
  });

  it('ignores extra fields (for example a rotation date)', () => {
    expect(
      parseCredentialsDocument('{"accessKeyId":"LTAI5tExampleId","accessKeySecret":"example-secret","rotatedAt":"2024-01-01"}', 'secret s'),
    ).toEqual({ accessKeyId: 'LTAI5tExampleId', accessKeySecret: 'example-secret' });
  });

  const LEAKY_ID = 'LTAI5tLeakyIdValue';
  const LEAKY_SECRET = 'Zm9vYmFyLeakySecretValue';

  it.each([
    ['truncated JSON', `{"accessKeyId":"${LEAKY_ID}","accessKeySecret":"${LEAKY_SECRET}"`],
    ['plain text', `${LEAKY_ID}:${LEAKY_SECRET}`],
    ['single quotes', `{'accessKeyId':'${LEAKY_ID}','accessKeySecret':'${LEAKY_SECRET}'}`],
    ['the secret missing', `{"accessKeyId":"${LEAKY_ID}"}`],
    ['the id missing', `{"accessKeySecret":"${LEAKY_SECRET}"}`],
    ['an empty id', `{"accessKeyId":"","accessKeySecret":"${LEAKY_SECRET}"}`],
    ['a numeric secret', `{"accessKeyId":"${LEAKY_ID}","accessKeySecret":12345678}`],
    ['snake_case names', `{"access_key_id":"${LEAKY_ID}","access_key_secret":"${LEAKY_SECRET}"}`],
    ['a JSON string', JSON.stringify(`${LEAKY_ID}/${LEAKY_SECRET}`)],
    ['JSON null', 'null'],
    ['a JSON array', `["${LEAKY_ID}","${LEAKY_SECRET}"]`],
    ['an empty value', ''],
    ['no value at all', undefined],
  ])('refuses %s without echoing the value', (_name, value) => {
    // act
    const error = configErrorOf(() => parseCredentialsDocument(value, 'SSM parameter /aliyun-voice/dev/credentials'));
    // assert
    expect(error.variable).toBe('ALIYUN_CREDENTIALS_PARAM');
    expect(error.message).toContain('SSM parameter /aliyun-voice/dev/credentials');
    expect(error.message).not.toContain(LEAKY_ID);
    expect(error.message).not.toContain(LEAKY_SECRET);
    expect(error.message).not.toContain('12345678');
    expect(error.cause).toBeUndefined();
  });
});

describe('local-only endpoints in a deployed function', () => {
  // As serverless.yml deploys every function: the key pair's reference set.
  const DEPLOYED = { ...MINIMAL_ENV, AWS_LAMBDA_FUNCTION_NAME: 'aliyun-voice-prod-placeCall', ALIYUN_CREDENTIALS_PARAM: 'ssm:/aliyun-voice/prod/alibaba-credentials' };

  it.each(['DYNAMODB_ENDPOINT', 'EVENTBRIDGE_ENDPOINT'])('refuse %s in Lambda (deployed from a shell that had it set)', (name) => {
    const error = configErrorOf(() => parseConfig({ ...DEPLOYED, [name]: 'http://127.0.0.1:8000' }));
    expect(error.variable).toBe(name);
    expect(error.message).toContain('local runs only');
  });

  it('accept them under serverless-offline (IS_OFFLINE) and outside Lambda (tests, scripts)', () => {
    const local = { DYNAMODB_ENDPOINT: 'http://127.0.0.1:8000', EVENTBRIDGE_ENDPOINT: 'http://127.0.0.1:4010' };
    expect(parseConfig({ ...DEPLOYED, ...local, IS_OFFLINE: 'true' }).dynamodbEndpoint).toBe('http://127.0.0.1:8000');
    expect(parseConfig({ ...MINIMAL_ENV, ...local }).eventBridgeEndpoint).toBe('http://127.0.0.1:4010');
  });

  it('accept a deployed function with neither set (serverless.yml leaves them empty)', () => {
    expect(parseConfig({ ...DEPLOYED, DYNAMODB_ENDPOINT: '', EVENTBRIDGE_ENDPOINT: '' }).dynamodbEndpoint).toBeUndefined();
  });

  it.each(['ALIYUN_VOICE_ENDPOINT', 'ALIYUN_DYBASE_ENDPOINT', 'ALIYUN_MNS_ENDPOINT'])('refuse an http:// %s in Lambda: Alibaba is reached over HTTPS only (docs/security.md#local-only-settings)', (name) => {
    const error = configErrorOf(() => parseConfig({ ...DEPLOYED, [name]: 'http://127.0.0.1:8090' }));

    expect(error.variable).toBe(name);
    expect(error.message).toBe(`${name}: must be an https URL in a deployed function (http is for the local sandbox), got "http://127.0.0.1:8090"`);
  });

  it.each([
    ['"env"', { ALIYUN_CREDENTIALS_PARAM: 'env' }],
    ['unset', { ALIYUN_CREDENTIALS_PARAM: '' }],
  ])('refuse the key pair from the environment (ALIYUN_CREDENTIALS_PARAM %s) in Lambda: it falls back to the sandbox key pair bundled in the zip', (_name, setting) => {
    const error = configErrorOf(() => parseConfig({ ...DEPLOYED, ...setting }));

    expect(error.variable).toBe('ALIYUN_CREDENTIALS_PARAM');
    expect(error.message).toBe('ALIYUN_CREDENTIALS_PARAM: must be "ssm:<parameter name>" or "secretsmanager:<secret id>" in a deployed function; "env" is for local runs (without ALIYUN_ACCESS_KEY_* it is the sandbox key pair)');
  });

  it('refuse the push token from the environment (RECEIPT_PUSH_TOKEN_PARAM=env) in Lambda: a secret would sit in the function\'s configuration', () => {
    const error = configErrorOf(() => parseConfig({ ...DEPLOYED, RECEIPT_PUSH_TOKEN_PARAM: 'env' }));

    expect(error.variable).toBe('RECEIPT_PUSH_TOKEN_PARAM');
  });

  it('accept http:// endpoints and the environment\'s secrets under serverless-offline (IS_OFFLINE) and outside Lambda', () => {
    const local = { ALIYUN_VOICE_ENDPOINT: 'http://127.0.0.1:8090', ALIYUN_CREDENTIALS_PARAM: 'env', RECEIPT_PUSH_TOKEN_PARAM: 'env' };
    expect(parseConfig({ ...DEPLOYED, ...local, IS_OFFLINE: 'true' }).voiceEndpoint).toBe('http://127.0.0.1:8090');
    expect(parseConfig({ ...MINIMAL_ENV, ...local }).credentialsSource).toEqual({ kind: 'env' });
  });
});

describe('assertReceiptQueuesConfigured (the receipt poller at cold start)', () => {
  const base = { CALLS_TABLE: 'calls' };

  it('refuses to poll Alibaba\'s MNS endpoint with stand-in queue names, naming RECEIPT_QUEUES', () => {
    const error = (() => {
      try {
        assertReceiptQueuesConfigured(parseConfig(base));
        return undefined;
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variable).toBe('RECEIPT_QUEUES');
  });

  it.each([
    ['RECEIPT_QUEUES is set', { ...base, RECEIPT_QUEUES: 'VoiceReport=Alicom-Queue-1234567890-VoiceReport' }],
    ['the MNS endpoint is another one (the sandbox)', { ...base, ALIYUN_MNS_ENDPOINT: 'http://127.0.0.1:8091' }],
  ])('accepts the configuration when %s', (_name, env) => {
    expect(() => assertReceiptQueuesConfigured(parseConfig(env))).not.toThrow();
  });
});
