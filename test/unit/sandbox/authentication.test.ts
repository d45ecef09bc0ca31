/**
 * The gateway checks of docs/alibaba/rpc.md#common-parameters, docs/alibaba/signatures.md and docs/alibaba/errors.md#gateway-codes: signatures (V1 and V3), timestamps, nonces, keys,
 * STS tokens, versions and actions, each answered with Alibaba's code and HTTP status.
 */
import { describe, expect, it } from 'vitest';
import { rpcTimestamp, sha256Hex } from '#shared/signing/index';
import { startSandbox } from '#sandbox/server';
import {
  CALL_ID_PATTERN,
  callV1,
  callV3,
  commonV1Params,
  expectAlibabaError,
  sendV1Text,
  signV1Params,
  useSandbox,
} from './helpers.ts';

const KEY = { accessKeyId: 'LTAIauthTests', accessKeySecret: 'auth-tests-secret' };
const STS_KEY = { accessKeyId: 'STS.authTests', accessKeySecret: 'sts-auth-secret', securityToken: 'CAISauthToken+/=' };
const TTS = { CalledNumber: '13800138000', TtsCode: 'TTS_123456789', TtsParam: '{"code":"1234"}' };
const MINUTE = 60_000;

const sandbox = useSandbox({ keys: [KEY, STS_KEY], flowControl: false });

describe.each(['GET', 'POST'] as const)('signature V1 over %s', (method) => {
  it('accepts a correctly signed request', async () => {
    const answer = await callV1(sandbox, { action: 'SingleCallByTts', params: TTS, method, credentials: KEY });

    expect(answer.status).toBe(200);
    expect(answer.body.CallId).toMatch(CALL_ID_PATTERN);
  });

  it('refuses a wrong secret with SignatureDoesNotMatch and the server string to sign', async () => {
    const answer = await callV1(sandbox, {
      action: 'SingleCallByTts',
      params: TTS,
      method,
      credentials: { ...KEY, accessKeySecret: 'not-the-secret' },
    });

    expectAlibabaError(answer, 'SignatureDoesNotMatch', 400);
    expect(answer.body.Message).toMatch(
      new RegExp(`^Specified signature is not matched with our calculation\\. server string to sign is:${method}&%2F&AccessKeyId%3D`),
    );
  });
});

describe('signature V1 details', () => {
  it('refuses a signature computed for another HTTP method', async () => {
    const params = { ...commonV1Params('SingleCallByTts', KEY.accessKeyId), ...TTS };

    const answer = await sendV1Text(sandbox, 'POST', signV1Params('GET', params, KEY.accessKeySecret));

    expectAlibabaError(answer, 'SignatureDoesNotMatch', 400);
  });

  it('refuses a parameter changed after signing', async () => {
    const params = { ...commonV1Params('SingleCallByTts', KEY.accessKeyId), ...TTS };
    const signed = signV1Params('POST', params, KEY.accessKeySecret).replace('CalledNumber=13800138000', 'CalledNumber=13800138001');

    expectAlibabaError(await sendV1Text(sandbox, 'POST', signed), 'SignatureDoesNotMatch', 400);
  });

  it('merges POST query and form parameters before verifying', async () => {
    const params = { ...commonV1Params('SingleCallByTts', KEY.accessKeyId), ...TTS };
    const signed = signV1Params('POST', params, KEY.accessKeySecret);
    const [first, ...rest] = signed.split('&');

    const response = await fetch(`${sandbox.url}/?${first}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: rest.join('&'),
    });

    expect(response.status).toBe(200);
    expect(((await response.json()) as { CallId: string }).CallId).toMatch(CALL_ID_PATTERN);
  });

  it('answers MissingSignature when neither Signature nor Authorization is sent', async () => {
    const params = { ...commonV1Params('SingleCallByTts', KEY.accessKeyId), ...TTS };

    const answer = await sendV1Text(sandbox, 'POST', new URLSearchParams(params).toString());

    expectAlibabaError(answer, 'MissingSignature', 400);
  });

  it.each(['Action', 'Version', 'AccessKeyId', 'SignatureNonce', 'Timestamp'])('answers Missing%s when that common parameter is absent', async (name) => {
    const params: Record<string, string> = { ...commonV1Params('SingleCallByTts', KEY.accessKeyId), ...TTS };
    delete params[name];

    const answer = await sendV1Text(sandbox, 'POST', signV1Params('POST', params, KEY.accessKeySecret));

    expectAlibabaError(answer, `Missing${name}`, 400);
    expect(answer.body.Message).toBe(`${name} is mandatory for this action.`);
  });

  it('refuses another signature method with IncompleteSignature', async () => {
    const params = { ...commonV1Params('SingleCallByTts', KEY.accessKeyId), SignatureMethod: 'HMAC-SHA256', ...TTS };

    const answer = await sendV1Text(sandbox, 'POST', signV1Params('POST', params, KEY.accessKeySecret));

    expectAlibabaError(answer, 'IncompleteSignature', 400);
  });

  it("answers XML when Format is absent, Alibaba's default (docs/alibaba/rpc.md#common-parameters)", async () => {
    const params: Record<string, string> = { ...commonV1Params('SingleCallByTts', KEY.accessKeyId), ...TTS };
    delete params.Format;

    const answer = await sendV1Text(sandbox, 'POST', signV1Params('POST', params, KEY.accessKeySecret));

    expect(answer.status).toBe(200);
    expect(answer.contentType).toBe('text/xml;charset=utf-8');
    expect(answer.text).toMatch(/<SingleCallByTtsResponse><RequestId>[0-9A-F-]{36}<\/RequestId><Code>OK<\/Code><Message>OK<\/Message><CallId>\d{12}\^\d{12}<\/CallId><\/SingleCallByTtsResponse>$/);
  });

  it('answers errors in XML for Format=XML', async () => {
    const params = { ...commonV1Params('SingleCallByTts', KEY.accessKeyId), Format: 'XML', ...TTS };

    const answer = await sendV1Text(sandbox, 'POST', signV1Params('POST', params, 'wrong-secret'));

    expect(answer.status).toBe(400);
    expect(answer.text).toContain('<Error><RequestId>');
    expect(answer.text).toContain('<Code>SignatureDoesNotMatch</Code>');
  });
});

describe('signature V3 (ACS3-HMAC-SHA256)', () => {
  it('accepts parameters in the query', async () => {
    const answer = await callV3(sandbox, { action: 'SingleCallByTts', query: TTS, credentials: KEY });

    expect(answer.status).toBe(200);
    expect(answer.body.CallId).toMatch(CALL_ID_PATTERN);
  });

  it('accepts parameters in a signed form body', async () => {
    const answer = await callV3(sandbox, { action: 'SingleCallByTts', form: TTS, credentials: KEY });

    expect(answer.body.CallId).toMatch(CALL_ID_PATTERN);
    expect(sandbox.control.requests()[0]!.params).toEqual(TTS);
  });

  it('accepts GET', async () => {
    const answer = await callV3(sandbox, { action: 'SingleCallByTts', method: 'GET', query: TTS, credentials: KEY });

    expect(answer.body.CallId).toMatch(CALL_ID_PATTERN);
  });

  it('refuses a wrong secret with SignatureDoesNotMatch', async () => {
    const answer = await callV3(sandbox, {
      action: 'SingleCallByTts',
      query: TTS,
      credentials: { ...KEY, accessKeySecret: 'not-the-secret' },
    });

    expectAlibabaError(answer, 'SignatureDoesNotMatch', 400);
    expect(answer.body.Message).toMatch(/server string to sign is:ACS3-HMAC-SHA256\n[0-9a-f]{64}/);
  });

  it('refuses a body whose hash is not x-acs-content-sha256', async () => {
    const answer = await callV3(sandbox, {
      action: 'SingleCallByTts',
      form: TTS,
      credentials: KEY,
      tamper: (request) => {
        request.body = request.body!.replace('13800138000', '13800138001');
      },
    });

    expectAlibabaError(answer, 'SignatureDoesNotMatch', 400);
    expect(answer.body.Message).toContain(sha256Hex(new URLSearchParams({ ...TTS, CalledNumber: '13800138001' }).toString().replace(/\+/g, '%20')));
  });

  it('refuses an x-acs-* header that is not signed', async () => {
    const answer = await callV3(sandbox, {
      action: 'SingleCallByTts',
      query: TTS,
      credentials: KEY,
      tamper: (request) => {
        request.headers['x-acs-extra'] = 'unsigned';
      },
    });

    expectAlibabaError(answer, 'IncompleteSignature', 400);
    expect(answer.body.Message).toContain('x-acs-extra');
  });

  it('refuses a malformed Authorization header', async () => {
    const answer = await callV3(sandbox, {
      action: 'SingleCallByTts',
      query: TTS,
      credentials: KEY,
      tamper: (request) => {
        request.headers.authorization = 'ACS3-HMAC-SHA256 Credential=LTAIauthTests';
      },
    });

    expectAlibabaError(answer, 'IncompleteSignature', 400);
  });

  it('answers MissingTimestamp without x-acs-date', async () => {
    const answer = await callV3(sandbox, {
      action: 'SingleCallByTts',
      query: TTS,
      credentials: KEY,
      tamper: (request) => {
        delete request.headers['x-acs-date'];
      },
    });

    expectAlibabaError(answer, 'MissingTimestamp', 400);
  });
});

describe('timestamps (docs/alibaba/rpc.md#common-parameters: within 15 minutes)', () => {
  it('refuses a stale V1 Timestamp with InvalidTimeStamp.Expired', async () => {
    const answer = await callV1(sandbox, {
      action: 'SingleCallByTts',
      params: TTS,
      credentials: KEY,
      timestamp: rpcTimestamp(new Date(Date.now() - 16 * MINUTE)),
    });

    expectAlibabaError(answer, 'InvalidTimeStamp.Expired', 400);
  });

  it('refuses a V3 x-acs-date from the future', async () => {
    const answer = await callV3(sandbox, {
      action: 'SingleCallByTts',
      query: TTS,
      credentials: KEY,
      date: rpcTimestamp(new Date(Date.now() + 16 * MINUTE)),
    });

    expectAlibabaError(answer, 'InvalidTimeStamp.Expired', 400);
  });

  it('accepts 14 minutes of skew', async () => {
    const answer = await callV1(sandbox, {
      action: 'SingleCallByTts',
      params: TTS,
      credentials: KEY,
      timestamp: rpcTimestamp(new Date(Date.now() - 14 * MINUTE)),
    });

    expect(answer.status).toBe(200);
  });

  it.each(['2024-01-15 08:30:00', '2024-01-15T08:30:00+08:00', '1705307400'])(
    'refuses the unparsable Timestamp %s with InvalidTimeStamp.Format',
    async (timestamp) => {
      const answer = await callV1(sandbox, { action: 'SingleCallByTts', params: TTS, credentials: KEY, timestamp });

      expectAlibabaError(answer, 'InvalidTimeStamp.Format', 400);
    },
  );
});

describe('nonces (docs/alibaba/rpc.md#common-parameters: unique within 15 minutes)', () => {
  it('refuses a reused V1 SignatureNonce with SignatureNonceUsed', async () => {
    const nonce = crypto.randomUUID();
    const first = await callV1(sandbox, { action: 'SingleCallByTts', params: TTS, credentials: KEY, nonce });

    const second = await callV1(sandbox, { action: 'SingleCallByTts', params: TTS, credentials: KEY, nonce });

    expect(first.status).toBe(200);
    expectAlibabaError(second, 'SignatureNonceUsed', 400);
  });

  it('refuses a reused V3 x-acs-signature-nonce', async () => {
    const nonce = crypto.randomUUID();
    await callV3(sandbox, { action: 'SingleCallByTts', query: TTS, credentials: KEY, nonce });

    const second = await callV3(sandbox, { action: 'SingleCallByTts', query: TTS, credentials: KEY, nonce });

    expectAlibabaError(second, 'SignatureNonceUsed', 400);
  });

  it('does not let a badly signed request use up a nonce', async () => {
    const nonce = crypto.randomUUID();
    await callV1(sandbox, { action: 'SingleCallByTts', params: TTS, credentials: { ...KEY, accessKeySecret: 'forged' }, nonce });

    const genuine = await callV1(sandbox, { action: 'SingleCallByTts', params: TTS, credentials: KEY, nonce });

    expect(genuine.status).toBe(200);
  });

  it('forgets a nonce after 15 minutes', async () => {
    let clock = Date.parse('2030-01-01T00:00:00Z');
    const clocked = await startSandbox({ port: 0, keys: [KEY], flowControl: false, now: () => clock });
    try {
      const nonce = crypto.randomUUID();
      const at = (): string => rpcTimestamp(new Date(clock));
      await callV1(clocked, { action: 'SingleCallByTts', params: TTS, credentials: KEY, nonce, timestamp: at() });
      clock += 10 * MINUTE;
      const within = await callV1(clocked, { action: 'SingleCallByTts', params: TTS, credentials: KEY, nonce, timestamp: at() });
      clock += 6 * MINUTE;

      const after = await callV1(clocked, { action: 'SingleCallByTts', params: TTS, credentials: KEY, nonce, timestamp: at() });

      expectAlibabaError(within, 'SignatureNonceUsed', 400);
      expect(after.status).toBe(200);
    } finally {
      await clocked.close();
    }
  });
});

describe('keys, STS tokens, versions and actions', () => {
  it('answers InvalidAccessKeyId.NotFound (404) for an unknown key', async () => {
    const answer = await callV1(sandbox, {
      action: 'SingleCallByTts',
      params: TTS,
      credentials: { accessKeyId: 'LTAIunknown', accessKeySecret: 'x' },
    });

    expectAlibabaError(answer, 'InvalidAccessKeyId.NotFound', 404);
  });

  it('answers InvalidAccessKeyId.NotFound for an unknown V3 Credential', async () => {
    const answer = await callV3(sandbox, {
      action: 'SingleCallByTts',
      query: TTS,
      credentials: { accessKeyId: 'LTAIunknown', accessKeySecret: 'x' },
    });

    expectAlibabaError(answer, 'InvalidAccessKeyId.NotFound', 404);
  });

  it.each([
    ['V1 without a token', 'v1', undefined],
    ['V1 with another token', 'v1', 'CAISsomeoneElse'],
    ['V3 without a token', 'v3', undefined],
    ['V3 with another token', 'v3', 'CAISsomeoneElse'],
  ] as const)('refuses an STS key %s', async (_label, style, securityToken) => {
    const credentials = { accessKeyId: STS_KEY.accessKeyId, accessKeySecret: STS_KEY.accessKeySecret, securityToken };
    const answer =
      style === 'v1'
        ? await callV1(sandbox, { action: 'SingleCallByTts', params: TTS, credentials })
        : await callV3(sandbox, { action: 'SingleCallByTts', query: TTS, credentials });

    expectAlibabaError(answer, 'InvalidSecurityToken.Mismatch', 400);
  });

  it('refuses a security token sent with a long-term key', async () => {
    const answer = await callV1(sandbox, {
      action: 'SingleCallByTts',
      params: TTS,
      credentials: { ...KEY, securityToken: 'CAISunexpected' },
    });

    expectAlibabaError(answer, 'InvalidSecurityToken.Mismatch', 400);
  });

  it('accepts an STS key with its token', async () => {
    const answer = await callV3(sandbox, { action: 'SingleCallByTts', query: TTS, credentials: STS_KEY });

    expect(answer.body.CallId).toMatch(CALL_ID_PATTERN);
  });

  it('answers InvalidVersion for another API version', async () => {
    const answer = await callV1(sandbox, { action: 'SingleCallByTts', params: TTS, credentials: KEY, version: '2016-05-25' });

    expectAlibabaError(answer, 'InvalidVersion', 400);
  });

  it('answers InvalidAction.NotFound (404) for an unknown action', async () => {
    const answer = await callV1(sandbox, { action: 'SingleCallByFax', params: TTS, credentials: KEY });

    expectAlibabaError(answer, 'InvalidAction.NotFound', 404);
    expect(answer.body.HostId).toBe('dyvmsapi.aliyuncs.com');
    expect(answer.body.Recommend).toBe(
      'https://error-center.aliyun.com/status/search?Keyword=InvalidAction.NotFound&source=PopGw',
    );
  });

  it('answers UnsupportedHTTPMethod for PUT', async () => {
    const response = await fetch(`${sandbox.url}/?Format=JSON`, { method: 'PUT', body: 'x' });

    expect(response.status).toBe(400);
    expect(((await response.json()) as { Code: string }).Code).toBe('UnsupportedHTTPMethod');
  });

  it('does not record requests that fail authentication', async () => {
    await callV1(sandbox, { action: 'SingleCallByTts', params: TTS, credentials: { ...KEY, accessKeySecret: 'forged' } });

    expect(sandbox.control.requests()).toEqual([]);
  });
});
