/**
 * Every signing test vector of docs/alibaba/signatures.md (V1, V3 and MNS), reproduced with our
 * signing module. The expected values are copied verbatim from that page, where they were
 * computed with the official SDKs; nothing here is derived from our own code.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  ACS3_ALGORITHM,
  MNS_VERSION,
  acs3CanonicalRequest,
  acs3Signature,
  acs3SignedHeaderNames,
  canonicalQuery,
  mnsSignature,
  mnsStringToSign,
  parseAcs3Authorization,
  percentEncode,
  rpcTimestamp,
  rpcV1Signature,
  rpcV1StringToSign,
  sha256Hex,
  signMnsRequest,
  signRpcV1,
  signRpcV3,
} from '#shared/signing/index';
import { mnsClient, openApiAuthorization } from './officialSigners.ts';

// Shared inputs of the documented vectors.
const AK = { accessKeyId: 'testid', accessKeySecret: 'testsecret' };
const STS_TOKEN = 'CAISexampleSecurityToken+/=';
const STS = { accessKeyId: 'STS.testid', accessKeySecret: 'testsecret', securityToken: STS_TOKEN };
const NONCE = '1f3b2c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d';
const TIMESTAMP = '2024-01-15T08:30:00Z';
const VERSION = '2017-05-25';
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** The common parameters signRpcV1 adds (docs/alibaba/rpc.md#common-parameters), for the vectors that use the fixed nonce/timestamp. */
function commonV1Params(action: string, accessKeyId: string): Record<string, string> {
  return {
    AccessKeyId: accessKeyId,
    Action: action,
    Format: 'JSON',
    SignatureMethod: 'HMAC-SHA1',
    SignatureNonce: NONCE,
    SignatureVersion: '1.0',
    Timestamp: TIMESTAMP,
    Version: VERSION,
  };
}

describe('percentEncode (docs/alibaba/signatures.md#rpc-signature-v1 "pe")', () => {
  it.each([
    ['*', '%2A'],
    ['~', '~'],
    ['!', '%21'],
    ["'", '%27'],
    ['(', '%28'],
    [')', '%29'],
    ['&', '%26'],
    ['=', '%3D'],
    ['+', '%2B'],
    ['/', '%2F'],
    ['%', '%25'],
    [' ', '%20'],
    ['张三', '%E5%BC%A0%E4%B8%89'],
    ['😀', '%F0%9F%98%80'],
    [':', '%3A'],
  ])('encodes %j as %j', (raw, encoded) => {
    expect(percentEncode(raw)).toBe(encoded);
  });

  it('leaves the RFC 3986 unreserved set A-Z a-z 0-9 - _ . ~ untouched', () => {
    const unreserved = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~';
    expect(percentEncode(unreserved)).toBe(unreserved);
  });

  it('never uses "+" for space and always uses upper-case hex', () => {
    const encoded = percentEncode('a b\u00e9\n');
    expect(encoded).toBe('a%20b%C3%A9%0A');
    expect(encoded).not.toMatch(/%[0-9A-F]?[a-f]/);
  });

  it('encodes every byte of every other printable ASCII character as %XY', () => {
    for (let code = 0x20; code < 0x7f; code++) {
      const ch = String.fromCharCode(code);
      if (/[A-Za-z0-9\-_.~]/.test(ch)) continue;
      expect(percentEncode(ch)).toBe(`%${code.toString(16).toUpperCase().padStart(2, '0')}`);
    }
  });
});

describe('rpcTimestamp (docs/alibaba/rpc.md#common-parameters Timestamp / x-acs-date)', () => {
  it('formats as YYYY-MM-DDThh:mm:ssZ in UTC without milliseconds', () => {
    expect(rpcTimestamp(new Date(Date.UTC(2024, 0, 15, 8, 30, 0, 123)))).toBe('2024-01-15T08:30:00Z');
  });

  it('truncates (does not round) milliseconds, like pop-core', () => {
    expect(rpcTimestamp(new Date('2024-12-31T23:59:59.999Z'))).toBe('2024-12-31T23:59:59Z');
  });

  it('defaults to the current time', () => {
    const before = Math.floor(Date.now() / 1000) * 1000;
    const stamp = rpcTimestamp();
    const after = Date.now();
    expect(stamp).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    const parsed = Date.parse(stamp);
    expect(parsed).toBeGreaterThanOrEqual(before);
    expect(parsed).toBeLessThanOrEqual(after);
  });
});

describe('RPC signature V1 (docs/alibaba/signatures.md#rpc-signature-v1)', () => {
  describe('the classic Alibaba doc example (ECS DescribeRegions)', () => {
    it('reproduces the documented signature CT9X0VtwR86fNWSnsc6v8YGOjuE=', () => {
      const params = {
        AccessKeyId: 'testid',
        Action: 'DescribeRegions',
        Format: 'XML',
        SignatureMethod: 'HMAC-SHA1',
        SignatureNonce: '3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf',
        SignatureVersion: '1.0',
        TimeStamp: '2016-02-23T12:46:24Z',
        Version: '2014-05-26',
      };
      expect(rpcV1Signature('GET', params, 'testsecret')).toBe('CT9X0VtwR86fNWSnsc6v8YGOjuE=');
    });
  });

  describe('Vector A: SingleCallByTts (secret testsecret)', () => {
    const actionParams = {
      CalledNumber: '13800138000',
      CalledShowNumber: '057100000000',
      OutId: 'order-001',
      PlayTimes: '2',
      RegionId: 'cn-hangzhou',
      Speed: '0',
      TtsCode: 'TTS_123456789',
      TtsParam: '{"code":"1234","name":"张三 *~!"}',
      Volume: '100',
    };
    const allParams = { ...actionParams, ...commonV1Params('SingleCallByTts', 'testid') };
    const expectedCanonical =
      'AccessKeyId=testid&Action=SingleCallByTts&CalledNumber=13800138000&CalledShowNumber=057100000000&Format=JSON&OutId=order-001&PlayTimes=2&RegionId=cn-hangzhou&SignatureMethod=HMAC-SHA1&SignatureNonce=1f3b2c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d&SignatureVersion=1.0&Speed=0&Timestamp=2024-01-15T08%3A30%3A00Z&TtsCode=TTS_123456789&TtsParam=%7B%22code%22%3A%221234%22%2C%22name%22%3A%22%E5%BC%A0%E4%B8%89%20%2A~%21%22%7D&Version=2017-05-25&Volume=100';
    const expectedGetStringToSign =
      'GET&%2F&AccessKeyId%3Dtestid%26Action%3DSingleCallByTts%26CalledNumber%3D13800138000%26CalledShowNumber%3D057100000000%26Format%3DJSON%26OutId%3Dorder-001%26PlayTimes%3D2%26RegionId%3Dcn-hangzhou%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D1f3b2c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d%26SignatureVersion%3D1.0%26Speed%3D0%26Timestamp%3D2024-01-15T08%253A30%253A00Z%26TtsCode%3DTTS_123456789%26TtsParam%3D%257B%2522code%2522%253A%25221234%2522%252C%2522name%2522%253A%2522%25E5%25BC%25A0%25E4%25B8%2589%2520%252A~%2521%2522%257D%26Version%3D2017-05-25%26Volume%3D100';

    it('builds the exact canonicalized query (sorted names, pe(name)=pe(value))', () => {
      expect(canonicalQuery(allParams)).toBe(expectedCanonical);
    });

    it('builds the exact GET StringToSign (canonical query encoded a second time)', () => {
      expect(rpcV1StringToSign('GET', allParams)).toBe(expectedGetStringToSign);
    });

    it('starts the POST StringToSign with POST&%2F&AccessKeyId%3Dtestid%26', () => {
      expect(rpcV1StringToSign('POST', allParams)).toBe(`POST${expectedGetStringToSign.slice('GET'.length)}`);
      expect(rpcV1StringToSign('POST', allParams).startsWith('POST&%2F&AccessKeyId%3Dtestid%26')).toBe(true);
    });

    it('signs GET as BJrK083ACWg7AGnRv9Sh6WDsfms= and POST as LLZElbeCmdr9Sxz1q0sc+yMdJs0=', () => {
      expect(rpcV1Signature('GET', allParams, 'testsecret')).toBe('BJrK083ACWg7AGnRv9Sh6WDsfms=');
      expect(rpcV1Signature('POST', allParams, 'testsecret')).toBe('LLZElbeCmdr9Sxz1q0sc+yMdJs0=');
    });

    it('signRpcV1 GET returns the query ending in &Volume=100&Signature=BJrK083ACWg7AGnRv9Sh6WDsfms%3D', () => {
      const query = signRpcV1({
        method: 'GET',
        action: 'SingleCallByTts',
        version: VERSION,
        params: actionParams,
        credentials: AK,
        nonce: NONCE,
        timestamp: TIMESTAMP,
      });
      expect(query).toBe(`${expectedCanonical}&Signature=BJrK083ACWg7AGnRv9Sh6WDsfms%3D`);
      expect(query.endsWith('&Volume=100&Signature=BJrK083ACWg7AGnRv9Sh6WDsfms%3D')).toBe(true);
    });

    it('signRpcV1 POST returns the canonical query followed by &Signature=LLZElbeCmdr9Sxz1q0sc%2ByMdJs0%3D', () => {
      const body = signRpcV1({
        method: 'POST',
        action: 'SingleCallByTts',
        version: VERSION,
        params: actionParams,
        credentials: AK,
        nonce: NONCE,
        timestamp: TIMESTAMP,
      });
      expect(body).toBe(`${expectedCanonical}&Signature=LLZElbeCmdr9Sxz1q0sc%2ByMdJs0%3D`);
    });
  });

  describe('Vector B: IvrCall with flattened MenuKeyMap, POST', () => {
    it('produces the documented body and signature QiJIYXVcFfXQAza0tivgFP67qOc=', () => {
      const params = {
        RegionId: 'cn-hangzhou',
        CalledNumber: '13800138000',
        CalledShowNumber: '057100000000',
        StartCode: 'TTS_10001',
        StartTtsParams: '{"name":"Li"}',
        PlayTimes: '3',
        Timeout: '3000',
        ByeCode: 'TTS_10002',
        OutId: 'ivr-1',
        'MenuKeyMap.1.Key': '1',
        'MenuKeyMap.1.Code': 'TTS_20001',
        'MenuKeyMap.1.TtsParams': '{"x":"1"}',
        'MenuKeyMap.2.Key': '2',
        'MenuKeyMap.2.Code': 'a1b2c3.wav',
      };
      const expectedCanonical =
        'AccessKeyId=testid&Action=IvrCall&ByeCode=TTS_10002&CalledNumber=13800138000&CalledShowNumber=057100000000&Format=JSON&MenuKeyMap.1.Code=TTS_20001&MenuKeyMap.1.Key=1&MenuKeyMap.1.TtsParams=%7B%22x%22%3A%221%22%7D&MenuKeyMap.2.Code=a1b2c3.wav&MenuKeyMap.2.Key=2&OutId=ivr-1&PlayTimes=3&RegionId=cn-hangzhou&SignatureMethod=HMAC-SHA1&SignatureNonce=1f3b2c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d&SignatureVersion=1.0&StartCode=TTS_10001&StartTtsParams=%7B%22name%22%3A%22Li%22%7D&Timeout=3000&Timestamp=2024-01-15T08%3A30%3A00Z&Version=2017-05-25';
      expect(canonicalQuery({ ...params, ...commonV1Params('IvrCall', 'testid') })).toBe(expectedCanonical);
      expect(rpcV1Signature('POST', { ...params, ...commonV1Params('IvrCall', 'testid') }, 'testsecret')).toBe(
        'QiJIYXVcFfXQAza0tivgFP67qOc=',
      );
      const body = signRpcV1({
        method: 'POST',
        action: 'IvrCall',
        version: VERSION,
        params,
        credentials: AK,
        nonce: NONCE,
        timestamp: TIMESTAMP,
      });
      expect(body).toBe(`${expectedCanonical}&Signature=${percentEncode('QiJIYXVcFfXQAza0tivgFP67qOc=')}`);
      expect(body.endsWith('&Signature=QiJIYXVcFfXQAza0tivgFP67qOc%3D')).toBe(true);
    });
  });

  describe('Vector C: QueryTokenForMnsQueue with STS credentials, POST', () => {
    it('adds SecurityToken as an ordinary signed parameter and signs 6d24tADvyyeUm7hQsDzq7tt+b7k=', () => {
      const body = signRpcV1({
        method: 'POST',
        action: 'QueryTokenForMnsQueue',
        version: VERSION,
        params: {
          RegionId: 'cn-hangzhou',
          MessageType: 'VoiceReport',
          QueueName: 'Alicom-Queue-1234567890-VoiceReport',
        },
        credentials: STS,
        nonce: NONCE,
        timestamp: TIMESTAMP,
      });
      const expectedCanonical =
        'AccessKeyId=STS.testid&Action=QueryTokenForMnsQueue&Format=JSON&MessageType=VoiceReport&QueueName=Alicom-Queue-1234567890-VoiceReport&RegionId=cn-hangzhou&SecurityToken=CAISexampleSecurityToken%2B%2F%3D&SignatureMethod=HMAC-SHA1&SignatureNonce=1f3b2c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d&SignatureVersion=1.0&Timestamp=2024-01-15T08%3A30%3A00Z&Version=2017-05-25';
      expect(body).toContain('&SecurityToken=CAISexampleSecurityToken%2B%2F%3D&');
      expect(body).toBe(`${expectedCanonical}&Signature=6d24tADvyyeUm7hQsDzq7tt%2Bb7k%3D`);
    });

    it('does not send SecurityToken for plain AK credentials', () => {
      const body = signRpcV1({
        method: 'POST',
        action: 'QueryTokenForMnsQueue',
        version: VERSION,
        params: {},
        credentials: AK,
        nonce: NONCE,
        timestamp: TIMESTAMP,
      });
      expect(body).not.toContain('SecurityToken');
    });
  });

  it('signRpcV1 draws a fresh UUID SignatureNonce on every call when none is given (docs/alibaba/rpc.md#common-parameters)', () => {
    const nonces = Array.from({ length: 5 }, () => {
      const text = signRpcV1({ method: 'POST', action: 'CancelCall', version: VERSION, params: {}, credentials: AK });
      const nonce = new URLSearchParams(text).get('SignatureNonce');
      expect(nonce).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(new URLSearchParams(text).get('Timestamp')).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
      return nonce;
    });
    expect(new Set(nonces).size).toBe(nonces.length);
  });
});

describe('RPC signature V3, ACS3-HMAC-SHA256 (docs/alibaba/signatures.md#rpc-signature-v3)', () => {
  // Vector A's action params, without RegionId.
  const query = {
    CalledNumber: '13800138000',
    CalledShowNumber: '057100000000',
    OutId: 'order-001',
    PlayTimes: '2',
    Speed: '0',
    TtsCode: 'TTS_123456789',
    TtsParam: '{"code":"1234","name":"张三 *~!"}',
    Volume: '100',
  };
  const V3_NONCE = '3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf';
  const baseHeaders = {
    host: 'dyvmsapi.aliyuncs.com',
    'x-acs-action': 'SingleCallByTts',
    'x-acs-version': VERSION,
    'x-acs-date': TIMESTAMP,
    'x-acs-signature-nonce': V3_NONCE,
    'x-acs-content-sha256': EMPTY_SHA256,
  };
  const expectedCanonicalRequest = [
    'POST',
    '/',
    'CalledNumber=13800138000&CalledShowNumber=057100000000&OutId=order-001&PlayTimes=2&Speed=0&TtsCode=TTS_123456789&TtsParam=%7B%22code%22%3A%221234%22%2C%22name%22%3A%22%E5%BC%A0%E4%B8%89%20%2A~%21%22%7D&Volume=100',
    'host:dyvmsapi.aliyuncs.com',
    'x-acs-action:SingleCallByTts',
    'x-acs-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    'x-acs-date:2024-01-15T08:30:00Z',
    'x-acs-signature-nonce:3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf',
    'x-acs-version:2017-05-25',
    '',
    'host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version',
    'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  ].join('\n');

  it('hashes an empty body to the documented x-acs-content-sha256', () => {
    expect(sha256Hex('')).toBe(EMPTY_SHA256);
  });

  describe('the main vector (computed with OpenApiUtil.getAuthorization)', () => {
    it('builds the exact CanonicalRequest, with a blank line before SignedHeaders', () => {
      const signedHeaders = acs3SignedHeaderNames(baseHeaders);
      expect(signedHeaders).toEqual([
        'host',
        'x-acs-action',
        'x-acs-content-sha256',
        'x-acs-date',
        'x-acs-signature-nonce',
        'x-acs-version',
      ]);
      const canonical = acs3CanonicalRequest({
        method: 'POST',
        path: '/',
        query,
        headers: baseHeaders,
        signedHeaders,
        hashedPayload: EMPTY_SHA256,
      });
      expect(canonical).toBe(expectedCanonicalRequest);
    });

    it('hashes the CanonicalRequest to the StringToSign digest d46efb7e…31be', () => {
      expect(`${ACS3_ALGORITHM}\n${sha256Hex(expectedCanonicalRequest)}`).toBe(
        'ACS3-HMAC-SHA256\nd46efb7e2cdb16bd5801e1ad5567dc02e8669ff453245522a3c65177a58c31be',
      );
    });

    it('signs with the bare secret (no "&") to a9ab494b…48fa', () => {
      expect(acs3Signature(expectedCanonicalRequest, 'testsecret')).toBe(
        'a9ab494bf3d5597110d20a2ef67903127632f7814759c27f57859382d24648fa',
      );
    });

    it('signRpcV3 emits exactly the documented headers and Authorization', () => {
      const headers = signRpcV3({
        method: 'POST',
        host: 'dyvmsapi.aliyuncs.com',
        action: 'SingleCallByTts',
        version: VERSION,
        query,
        credentials: AK,
        nonce: V3_NONCE,
        date: TIMESTAMP,
      });
      expect(headers).toEqual({
        ...baseHeaders,
        authorization:
          'ACS3-HMAC-SHA256 Credential=testid,SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=a9ab494bf3d5597110d20a2ef67903127632f7814759c27f57859382d24648fa',
      });
      expect(parseAcs3Authorization(headers.authorization!)).toEqual({
        accessKeyId: 'testid',
        signedHeaders: ['host', 'x-acs-action', 'x-acs-content-sha256', 'x-acs-date', 'x-acs-signature-nonce', 'x-acs-version'],
        signature: 'a9ab494bf3d5597110d20a2ef67903127632f7814759c27f57859382d24648fa',
      });
    });
  });

  describe('the secondary vectors (openapi-client 0.4.15 callApi, with x-acs-credentials-provider signed)', () => {
    function signWith(headers: Record<string, string>): { signedHeaders: string[]; signature: string } {
      const signedHeaders = acs3SignedHeaderNames(headers);
      const canonical = acs3CanonicalRequest({
        method: 'POST',
        path: '/',
        query,
        headers,
        signedHeaders,
        hashedPayload: EMPTY_SHA256,
      });
      return { signedHeaders, signature: acs3Signature(canonical, 'testsecret') };
    }

    it('AK with x-acs-credentials-provider: static_ak signs 4a3bb9ea…8f79', () => {
      const { signedHeaders, signature } = signWith({
        ...baseHeaders,
        accept: 'application/json', // unsigned, as the SDK sends it
        'x-acs-credentials-provider': 'static_ak',
      });
      expect(signedHeaders.join(';')).toBe(
        'host;x-acs-action;x-acs-content-sha256;x-acs-credentials-provider;x-acs-date;x-acs-signature-nonce;x-acs-version',
      );
      expect(signature).toBe('4a3bb9ea7b369862a2f2273789a60dc0fc528c0e4ee2aead6649494289248f79');
    });

    it('STS with x-acs-accesskey-id, x-acs-security-token and provider static_sts signs 27f4f64a…f655', () => {
      const { signedHeaders, signature } = signWith({
        ...baseHeaders,
        'x-acs-accesskey-id': 'STS.testid',
        'x-acs-security-token': STS_TOKEN,
        'x-acs-credentials-provider': 'static_sts',
      });
      expect(signedHeaders.join(';')).toBe(
        'host;x-acs-accesskey-id;x-acs-action;x-acs-content-sha256;x-acs-credentials-provider;x-acs-date;x-acs-security-token;x-acs-signature-nonce;x-acs-version',
      );
      expect(signature).toBe('27f4f64a793434c2d1bb2f28ef364d69337212b17ee3c69508cdf6f92deff655');
    });

    it('signRpcV3 with STS credentials adds and signs x-acs-accesskey-id and x-acs-security-token', () => {
      const headers = signRpcV3({
        method: 'POST',
        host: 'dyvmsapi.aliyuncs.com',
        action: 'SingleCallByTts',
        version: VERSION,
        query,
        credentials: STS,
        nonce: V3_NONCE,
        date: TIMESTAMP,
      });
      expect(headers['x-acs-accesskey-id']).toBe('STS.testid');
      expect(headers['x-acs-security-token']).toBe(STS_TOKEN);
      const auth = parseAcs3Authorization(headers.authorization!);
      expect(auth?.accessKeyId).toBe('STS.testid');
      // We deliberately do not send the SDK's telemetry header (docs/alibaba/signatures.md#rpc-signature-v3), so the signed set is the
      // secondary STS vector's minus x-acs-credentials-provider.
      expect(auth?.signedHeaders.join(';')).toBe(
        'host;x-acs-accesskey-id;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-security-token;x-acs-signature-nonce;x-acs-version',
      );
      // The spec has no vector for exactly this header set; the official signer is the oracle.
      const { authorization, ...sent } = headers;
      expect(authorization).toBe(
        openApiAuthorization({ method: 'POST', pathname: '/', query, headers: sent }, EMPTY_SHA256, 'STS.testid', 'testsecret'),
      );
      // Adding the provider header back must land exactly on the documented secondary STS vector.
      const withProvider = { ...sent, 'x-acs-credentials-provider': 'static_sts' };
      const signedHeaders = acs3SignedHeaderNames(withProvider);
      expect(
        acs3Signature(
          acs3CanonicalRequest({ method: 'POST', path: '/', query, headers: withProvider, signedHeaders, hashedPayload: EMPTY_SHA256 }),
          'testsecret',
        ),
      ).toBe('27f4f64a793434c2d1bb2f28ef364d69337212b17ee3c69508cdf6f92deff655');
    });
  });

  it('signRpcV3 signs content-type and hashes the body when parameters travel as a form body', () => {
    const body = 'CalledNumber=13800138000&OutId=order-001';
    const headers = signRpcV3({
      method: 'POST',
      host: 'dyvmsapi.aliyuncs.com',
      action: 'SingleCallByTts',
      version: VERSION,
      body,
      contentType: 'application/x-www-form-urlencoded',
      credentials: AK,
      nonce: V3_NONCE,
      date: TIMESTAMP,
    });
    expect(headers['x-acs-content-sha256']).toBe(createHash('sha256').update(body).digest('hex'));
    expect(headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(parseAcs3Authorization(headers.authorization!)?.signedHeaders).toContain('content-type');
  });

  it('signRpcV3 draws a fresh x-acs-signature-nonce on every call when none is given', () => {
    const nonces = Array.from({ length: 5 }, () => {
      const headers = signRpcV3({ method: 'POST', host: 'dyvmsapi.aliyuncs.com', action: 'CancelCall', version: VERSION, credentials: AK });
      expect(headers['x-acs-date']).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
      return headers['x-acs-signature-nonce'];
    });
    expect(nonces.every((n) => typeof n === 'string' && n.length >= 16)).toBe(true);
    expect(new Set(nonces).size).toBe(nonces.length);
  });
});

describe('MNS signature (docs/alibaba/signatures.md#mns-signature)', () => {
  const QUEUE_MESSAGES = '/queues/Alicom-Queue-1234567890-VoiceReport/messages';
  const RECEIVE = `${QUEUE_MESSAGES}?numOfMessages=16&waitseconds=30`;
  const DATE = 'Mon, 15 Jan 2024 08:30:00 GMT';
  const DATE_OBJ = new Date('2024-01-15T08:30:00Z');

  it('uses MNS API version 2015-06-06', () => {
    expect(MNS_VERSION).toBe('2015-06-06');
  });

  it('doc example: GET /MyQueue signs to uwx3yeWoILzgmvesW0BQSgfM7b8=', () => {
    const date = 'Thu, 09 Jul 2015 03:01:34 GMT';
    const stringToSign = mnsStringToSign({
      method: 'GET',
      date,
      headers: { date, 'x-mns-version': '2015-06-06' },
      resource: '/MyQueue',
    });
    expect(stringToSign).toBe('GET\n\n\nThu, 09 Jul 2015 03:01:34 GMT\nx-mns-version:2015-06-06\n/MyQueue');
    expect(mnsSignature(stringToSign, 'TestAccessSecret')).toBe('uwx3yeWoILzgmvesW0BQSgfM7b8=');
    // The docs print the masked form.
    expect(mnsSignature(stringToSign, 'TestAccessSecret').slice(0, 24)).toBe('uwx3yeWoILzgmvesW0BQSgfM');
  });

  describe('minimal BatchReceive (STS.testid / testsecret)', () => {
    it('builds the documented StringToSign, with the query as sent, and signs VQxOkvXZNxsYM5iUoUijd0eAWEU=', () => {
      const stringToSign = mnsStringToSign({
        method: 'GET',
        date: DATE,
        headers: { date: DATE, 'x-mns-version': '2015-06-06', 'security-token': STS_TOKEN },
        resource: RECEIVE,
      });
      expect(stringToSign).toBe(
        'GET\n\n\nMon, 15 Jan 2024 08:30:00 GMT\nx-mns-version:2015-06-06\n/queues/Alicom-Queue-1234567890-VoiceReport/messages?numOfMessages=16&waitseconds=30',
      );
      expect(mnsSignature(stringToSign, 'testsecret')).toBe('VQxOkvXZNxsYM5iUoUijd0eAWEU=');
    });

    it('signMnsRequest returns date, x-mns-version, authorization and the unsigned security-token', () => {
      const headers = signMnsRequest({ method: 'GET', resource: RECEIVE, credentials: STS, date: DATE_OBJ });
      // Strict: no content-type or content-md5 key at all, not even an undefined one.
      expect(headers).toStrictEqual({
        date: DATE,
        'x-mns-version': '2015-06-06',
        authorization: 'MNS STS.testid:VQxOkvXZNxsYM5iUoUijd0eAWEU=',
        'security-token': STS_TOKEN,
      });
    });

    it('does not sign security-token: the same request without a token has the same authorization', () => {
      const withToken = signMnsRequest({ method: 'GET', resource: RECEIVE, credentials: STS, date: DATE_OBJ });
      const withoutToken = signMnsRequest({
        method: 'GET',
        resource: RECEIVE,
        credentials: { accessKeyId: 'STS.testid', accessKeySecret: 'testsecret' },
        date: DATE_OBJ,
      });
      expect(Object.keys(withoutToken).sort()).toEqual(['authorization', 'date', 'x-mns-version']);
      expect(withoutToken.authorization).toBe(withToken.authorization);
    });

    it('sends content-type, content-md5 and security-token only when there is one to send', () => {
      const noToken = { accessKeyId: 'testid', accessKeySecret: 'testsecret' };
      const bare = signMnsRequest({ method: 'GET', resource: RECEIVE, credentials: noToken, date: DATE_OBJ });
      expect(Object.keys(bare).sort()).toEqual(['authorization', 'date', 'x-mns-version']);
      const empty = signMnsRequest({ method: 'GET', resource: RECEIVE, contentType: '', contentMd5: '', credentials: { ...noToken, securityToken: '' }, date: DATE_OBJ });
      expect(empty).toStrictEqual(bare);
      const full = signMnsRequest({ method: 'POST', resource: RECEIVE, contentType: 'text/xml', contentMd5: 'bWQ1', credentials: STS, date: DATE_OBJ });
      expect(Object.keys(full).sort()).toEqual(['authorization', 'content-md5', 'content-type', 'date', 'security-token', 'x-mns-version']);
      expect(full).toMatchObject({ 'content-type': 'text/xml', 'content-md5': 'bWQ1', 'security-token': STS_TOKEN });
    });
  });

  it('@alicloud/mns variant with x-mns-date signs VILuQY6HqhR5os0H/vIhEe/3bAM=', () => {
    const stringToSign = mnsStringToSign({
      method: 'GET',
      date: DATE,
      headers: { date: DATE, 'x-mns-version': '2015-06-06', 'x-mns-date': DATE, host: 'x' },
      resource: RECEIVE,
    });
    expect(stringToSign).toBe(
      'GET\n\n\nMon, 15 Jan 2024 08:30:00 GMT\nx-mns-date:Mon, 15 Jan 2024 08:30:00 GMT\nx-mns-version:2015-06-06\n/queues/Alicom-Queue-1234567890-VoiceReport/messages?numOfMessages=16&waitseconds=30',
    );
    expect(mnsSignature(stringToSign, 'testsecret')).toBe('VILuQY6HqhR5os0H/vIhEe/3bAM=');
  });

  describe('BatchDelete', () => {
    const body =
      '<?xml version="1.0" encoding="UTF-8"?><ReceiptHandles xmlns="http://mns.aliyuncs.com/doc/v1/"><ReceiptHandle>1-ODU4OTkzNDU5My0xNDM1MTk3NjAwLTItNg==</ReceiptHandle><ReceiptHandle>1-ODU4OTkzNDU5NC0xNDM1MTk3NjAwLTItNg==</ReceiptHandle></ReceiptHandles>';

    it('minimal (text/xml, no Content-MD5, no x-mns-date) signs ovgsA/yDRNjbRTJK1JDVdjrKU34=', () => {
      const stringToSign = mnsStringToSign({
        method: 'DELETE',
        contentType: 'text/xml',
        date: DATE,
        headers: { date: DATE, 'x-mns-version': '2015-06-06', 'content-type': 'text/xml' },
        resource: QUEUE_MESSAGES,
      });
      expect(stringToSign).toBe(
        'DELETE\n\ntext/xml\nMon, 15 Jan 2024 08:30:00 GMT\nx-mns-version:2015-06-06\n/queues/Alicom-Queue-1234567890-VoiceReport/messages',
      );
      expect(mnsSignature(stringToSign, 'testsecret')).toBe('ovgsA/yDRNjbRTJK1JDVdjrKU34=');

      const headers = signMnsRequest({
        method: 'DELETE',
        resource: QUEUE_MESSAGES,
        contentType: 'text/xml',
        credentials: STS,
        date: DATE_OBJ,
      });
      expect(headers).toStrictEqual({
        date: DATE,
        'x-mns-version': '2015-06-06',
        'content-type': 'text/xml',
        authorization: 'MNS STS.testid:ovgsA/yDRNjbRTJK1JDVdjrKU34=',
        'security-token': STS_TOKEN,
      });
    });

    it('as emitted by @alicloud/mns (Content-MD5 = Base64 of the hex MD5, plus x-mns-date) signs R46TydJv8+yET8ne89t9UT3AV80=', () => {
      expect(Buffer.byteLength(body, 'utf8')).toBe(249);
      const md5Hex = createHash('md5').update(body, 'utf8').digest('hex');
      expect(md5Hex).toBe('75d15ea0e1056a393935e2bb49836868');
      const contentMd5 = Buffer.from(md5Hex, 'utf8').toString('base64');
      expect(contentMd5).toBe('NzVkMTVlYTBlMTA1NmEzOTM5MzVlMmJiNDk4MzY4Njg=');

      const stringToSign = mnsStringToSign({
        method: 'DELETE',
        contentMd5,
        contentType: 'text/xml',
        date: DATE,
        headers: { date: DATE, 'x-mns-date': DATE, 'x-mns-version': '2015-06-06' },
        resource: QUEUE_MESSAGES,
      });
      expect(stringToSign).toBe(
        'DELETE\nNzVkMTVlYTBlMTA1NmEzOTM5MzVlMmJiNDk4MzY4Njg=\ntext/xml\nMon, 15 Jan 2024 08:30:00 GMT\nx-mns-date:Mon, 15 Jan 2024 08:30:00 GMT\nx-mns-version:2015-06-06\n/queues/Alicom-Queue-1234567890-VoiceReport/messages',
      );
      expect(mnsSignature(stringToSign, 'testsecret')).toBe('R46TydJv8+yET8ne89t9UT3AV80=');

      // signMnsRequest signs a caller-supplied Content-MD5 too (docs/alibaba/mns.md#headers: "If sent it is signed").
      const headers = signMnsRequest({
        method: 'DELETE',
        resource: QUEUE_MESSAGES,
        contentType: 'text/xml',
        contentMd5,
        credentials: STS,
        date: DATE_OBJ,
      });
      expect(headers['content-md5']).toBe(contentMd5);
      // No spec vector for Content-MD5 without x-mns-date: the official client's sign() is the oracle.
      const official = mnsClient('STS.testid', 'testsecret').sign('DELETE', headers, QUEUE_MESSAGES);
      expect(headers.authorization).toBe(`MNS STS.testid:${official}`);
      expect(official).not.toBe('ovgsA/yDRNjbRTJK1JDVdjrKU34=');
    });
  });

  it('lower-cases and sorts x-mns-* headers and ignores every other header', () => {
    const stringToSign = mnsStringToSign({
      method: 'PUT',
      date: DATE,
      headers: {
        'X-MNS-Version': '2015-06-06',
        'x-mns-b': '2',
        'x-mns-a': '1',
        'security-token': STS_TOKEN,
        host: 'h',
        'x-acs-date': 'z',
      },
      resource: '/r',
    });
    expect(stringToSign).toBe(`PUT\n\n\n${DATE}\nx-mns-a:1\nx-mns-b:2\nx-mns-version:2015-06-06\n/r`);
  });
});
