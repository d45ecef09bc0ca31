/**
 * The client's SigV4 signatures, checked by an independent verifier (test/support/sigv4Verifier.ts:
 * AWS's algorithm on node:crypto, no code shared with @smithy/signature-v4). The verifier is first
 * held to AWS's published SigV4 test suite, then it verifies every request the client signs.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type AwsCredentials } from '../../../client/src/index.ts';
import { restoreEnvironment, saveEnvironment } from '../../support/environment.ts';
import { signatureFor, verifySigV4, type ReceivedRequest, type VerifierSettings } from '../../support/sigv4Verifier.ts';
import { startScriptedServer, type RecordedRequest, type ScriptedServer } from './scriptedServer.ts';

/** AWS's SigV4 test suite: its example key pair, date, region and the generic service name. */
const SUITE = {
  accessKeyId: 'AKIDEXAMPLE',
  secret: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
  amzDate: '20150830T123600Z',
  region: 'us-east-1',
  service: 'service',
};
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

describe('the verifier, against AWS\'s SigV4 test suite', () => {
  it.each([
    ['get-vanilla', 'GET', '/', {}, '', '5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31'],
    ['get-vanilla-query-order-key-case', 'GET', '/?Param2=value2&Param1=value1', {}, '', 'b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500'],
    ['get-utf8', 'GET', '/ሴ', {}, '', '8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85'],
    ['post-vanilla', 'POST', '/', {}, '', '5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b'],
    [
      'post-x-www-form-urlencoded',
      'POST',
      '/',
      { 'content-type': 'application/x-www-form-urlencoded' },
      'Param1=value1',
      'ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a',
    ],
  ])('%s', (_name, method, target, extraHeaders: Record<string, string>, body, signature) => {
    const headers = new Map<string, string[]>([
      ['host', ['example.amazonaws.com']],
      ['x-amz-date', [SUITE.amzDate]],
      ...Object.entries(extraHeaders).map(([name, value]): [string, string[]] => [name, [value]]),
    ]);
    const signedHeaders = [...headers.keys()].sort();
    const payloadHash = body === '' ? EMPTY_SHA256 : '9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e';
    const computed = signatureFor({ method, target, headers, signedHeaders, payloadHash, ...SUITE, singleEncodedPath: false });
    expect(computed.signature).toBe(signature);

    // The same request, whole, through verifySigV4.
    const authorization = `AWS4-HMAC-SHA256 Credential=${SUITE.accessKeyId}/20150830/${SUITE.region}/${SUITE.service}/aws4_request, SignedHeaders=${signedHeaders.join(';')}, Signature=${signature}`;
    const request: ReceivedRequest = { method, target, headers: { ...Object.fromEntries([...headers].map(([name, [value]]) => [name, value!])), authorization }, body };
    const settings: VerifierSettings = { service: SUITE.service, region: SUITE.region, secretOf: (id) => (id === SUITE.accessKeyId ? SUITE.secret : undefined) };
    expect(verifySigV4(request, settings)).toMatchObject({ valid: true, accessKeyId: SUITE.accessKeyId });
    // ... and it can fail: another body, header value or path is another signature.
    expect(verifySigV4({ ...request, body: `${body}x` }, settings).valid).toBe(false);
    expect(verifySigV4({ ...request, headers: { ...request.headers, host: 'example.amazonaws.com.evil' } }, settings).valid).toBe(false);
    expect(verifySigV4({ ...request, target: `${target}x` }, settings).valid).toBe(false);
    expect(verifySigV4(request, { ...settings, secretOf: () => 'another secret' }).valid).toBe(false);
  });
});

const CREDENTIALS: AwsCredentials = { accessKeyId: 'AKIACLIENTTEST000001', secretAccessKey: 'client-test-secret/0123456789abcdefghij' };
const REGION = 'eu-west-1';
const PLACED = { callId: '116012354148^102813781234', type: 'tts', outId: 'o', requestId: 'r', status: 'placed', createdAt: '2026-11-24T15:41:00.390Z' };

let server: ScriptedServer;

beforeAll(async () => {
  server = await startScriptedServer({ status: 202, body: PLACED });
});

afterEach(() => {
  server.requests.length = 0;
  server.script();
});

afterAll(() => server.close());

/** Verifies a recorded request as API Gateway would for execute-api in REGION. */
function verify(request: RecordedRequest, secrets: Record<string, string> = { [CREDENTIALS.accessKeyId]: CREDENTIALS.secretAccessKey }) {
  return verifySigV4(
    { method: request.method, target: request.target, headers: request.headers, body: request.body },
    { service: 'execute-api', region: REGION, secretOf: (id) => secrets[id] },
  );
}

describe('the client\'s SigV4 (auth: \'sigv4\')', () => {
  it('signs every operation for execute-api: path with ^, query, body and the Idempotency-Key all covered', async () => {
    const voice = createClient({ baseUrl: server.url, auth: 'sigv4', region: REGION, credentials: CREDENTIALS });
    await voice.placeCall({ type: 'tts', calledNumber: '13800138000', ttsCode: 'TTS_123456789' }, { idempotencyKey: 'order-1 (retry safe)' });
    await voice.getCall('116012354148^102813781234', { live: 'true', queryDate: '1764000000000' });
    await voice.cancelCall('116012354148^102813781234');
    expect(server.requests.map((request) => request.target)).toEqual([
      '/calls',
      '/calls/116012354148%5E102813781234?live=true&queryDate=1764000000000',
      '/calls/116012354148%5E102813781234/cancel',
    ]);
    for (const request of server.requests) {
      const verdict = verify(request);
      expect(verdict, `${request.method} ${request.target}`).toMatchObject({ valid: true, accessKeyId: CREDENTIALS.accessKeyId });
    }
    const placement = verify(server.requests[0]!);
    expect(placement.valid && placement.signedHeaders).toEqual(expect.arrayContaining(['host', 'x-amz-date', 'content-type', 'idempotency-key']));
  });

  it('signs each retry afresh, and a session token with it', async () => {
    server.script({ status: 503, headers: { 'content-type': 'application/problem+json' }, body: { type: 't', title: 't', status: 503, detail: 'd', code: 'STORE_UNAVAILABLE' } });
    const credentials = { ...CREDENTIALS, sessionToken: 'session-token-from-sts' };
    let asked = 0;
    const voice = createClient({
      baseUrl: server.url,
      auth: 'sigv4',
      region: REGION,
      credentials: async () => {
        asked++;
        return credentials;
      },
      retry: { baseDelayMs: 5, maxDelayMs: 10 },
    });
    await voice.placeCall({ type: 'tts', calledNumber: '13800138000', ttsCode: 'TTS_123456789' });
    expect(server.requests).toHaveLength(2);
    for (const request of server.requests) {
      expect(verify(request)).toMatchObject({ valid: true, sessionToken: 'session-token-from-sts' });
      expect(request.headers['x-amz-security-token']).toBe('session-token-from-sts');
    }
    expect(asked).toBeGreaterThanOrEqual(1);
  });

  it('takes credentials from the default AWS chain when given none (here: the environment)', async () => {
    const saved = saveEnvironment(['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_REGION']);
    try {
      delete process.env.AWS_SESSION_TOKEN;
      delete process.env.AWS_PROFILE;
      process.env.AWS_ACCESS_KEY_ID = 'AKIAFROMENVIRONMENT1';
      process.env.AWS_SECRET_ACCESS_KEY = 'secret-from-the-environment';
      process.env.AWS_REGION = REGION;
      await createClient({ baseUrl: server.url, auth: 'sigv4' }).getCall('1^2');
    } finally {
      restoreEnvironment(saved);
    }
    expect(verify(server.requests[0]!, { AKIAFROMENVIRONMENT1: 'secret-from-the-environment' })).toMatchObject({ valid: true, accessKeyId: 'AKIAFROMENVIRONMENT1' });
  });

  it('hands back a failure to get credentials as it is, sending nothing', async () => {
    const voice = createClient({
      baseUrl: server.url,
      auth: 'sigv4',
      region: REGION,
      credentials: async () => {
        throw new Error('Could not load credentials from any providers');
      },
    });
    await expect(voice.getCall('1^2')).rejects.toThrow('Could not load credentials from any providers');
    expect(server.requests).toHaveLength(0);
  });

  it('signs for the region an execute-api URL names', async () => {
    const sent: Array<{ url: URL; init: RequestInit }> = [];
    const voice = createClient({
      baseUrl: 'https://a1b2c3d4e5.execute-api.ap-southeast-1.amazonaws.com',
      auth: 'sigv4',
      credentials: CREDENTIALS,
      // Nothing leaves the machine: the request is verified where fetch would send it.
      fetch: async (input, init) => {
        sent.push({ url: new URL(String(input)), init: init! });
        return new Response(JSON.stringify(PLACED), { status: 202, headers: { 'content-type': 'application/json' } });
      },
    });
    await voice.placeCall({ type: 'tts', calledNumber: '13800138000', ttsCode: 'TTS_123456789' });
    const [{ url, init }] = sent as [{ url: URL; init: RequestInit }];
    const verdict = verifySigV4(
      { method: init.method!, target: `${url.pathname}${url.search}`, headers: { ...(init.headers as Record<string, string>), host: url.host }, body: String(init.body) },
      { service: 'execute-api', region: 'ap-southeast-1', secretOf: (id) => (id === CREDENTIALS.accessKeyId ? CREDENTIALS.secretAccessKey : undefined) },
    );
    expect(verdict).toMatchObject({ valid: true });
  });
});
