/**
 * Edges of the signers that the spec vectors (vectors.test.ts) and the generated requests
 * (fastPaths.test.ts, official-parity.test.ts) reach rarely or never: the first code unit past
 * ASCII, values a caller left undefined, padded credentials, several x-mns-* headers in any order,
 * and Authorization headers that are not well formed.
 */
import { describe, expect, it } from 'vitest';
import {
  acs3CanonicalRequest,
  acs3Signature,
  canonicalQuery,
  mnsStringToSign,
  parseAcs3Authorization,
  percentEncode,
  signRpcV1,
  signRpcV3,
} from '#shared/signing/index';
import { OpenApiUtil } from './officialSigners.ts';

describe('percentEncode at the edge of ASCII', () => {
  it.each([
    ['U+007F alone', '\u007f', '%7F'],
    ['U+0080 alone', '\u0080', '%C2%80'],
    ['U+0080 after unreserved characters', 'ab\u0080', 'ab%C2%80'],
    ['U+0080 after a reserved character', '*\u0080', '%2A%C2%80'],
    ['U+0080 ending a run of unreserved characters', '*ab\u0080c', '%2Aab%C2%80c'],
    ['U+0080 twice', '\u0080\u0080*', '%C2%80%C2%80%2A'],
    ['U+0081 then a reserved character', '\u0081*', '%C2%81%2A'],
  ])('%s', (_label, value, encoded) => {
    expect(percentEncode(value)).toBe(encoded);
    expect(OpenApiUtil.getEncodeParam(value)).toBe(encoded);
  });
});

describe('values a caller left undefined are signed as empty', () => {
  it('canonicalQuery and signRpcV1 read an undefined value as ""', () => {
    const params = { A: undefined, B: 'b' } as unknown as Record<string, string>;
    expect(canonicalQuery(params)).toBe('A=&B=b');
    const credentials = { accessKeyId: 'testid', accessKeySecret: 'testsecret' };
    const request = { method: 'POST', action: 'CancelCall', version: '2017-05-25', credentials, nonce: 'n', timestamp: '2024-01-15T08:30:00Z' } as const;
    const withUndefined = signRpcV1({ ...request, params: { ...params, Z: undefined } as unknown as Record<string, string> });
    expect(withUndefined).toBe(signRpcV1({ ...request, params: { A: '', B: 'b', Z: '' } }));
    expect(withUndefined).toMatch(/^A=&AccessKeyId=testid&Action=CancelCall&B=b&.*&Z=&Signature=/);
  });

  it('acs3CanonicalRequest signs a listed header that was not sent with an empty value', () => {
    const canonical = acs3CanonicalRequest({ method: 'GET', path: '/', query: {}, headers: { host: 'h' }, signedHeaders: ['host', 'x-acs-date'], hashedPayload: 'p' });
    expect(canonical).toBe('GET\n/\n\nhost:h\nx-acs-date:\n\nhost;x-acs-date\np');
  });
});

describe('signRpcV3 with padded credentials', () => {
  it('signs the trimmed value of each header, as the general canonical request does', () => {
    const credentials = { accessKeyId: ' STS.testid ', accessKeySecret: 'testsecret', securityToken: ' token ' };
    const headers = signRpcV3({ method: 'POST', host: 'dyvmsapi.aliyuncs.com', action: 'CancelCall', version: '2017-05-25', credentials, nonce: 'n', date: '2024-01-15T08:30:00Z' });
    const { authorization, ...sent } = headers;
    const signedHeaders = authorization!.match(/SignedHeaders=([^,]+)/)![1]!.split(';');
    const canonical = acs3CanonicalRequest({ method: 'POST', path: '/', query: {}, headers: sent, signedHeaders, hashedPayload: sent['x-acs-content-sha256']! });
    expect(authorization).toBe(`ACS3-HMAC-SHA256 Credential= STS.testid ,SignedHeaders=${signedHeaders.join(';')},Signature=${acs3Signature(canonical, 'testsecret')}`);
    expect(canonical).toContain('\nx-acs-accesskey-id:STS.testid\n');
  });
});

describe('mnsStringToSign with several x-mns-* headers', () => {
  it.each([
    [['x-mns-c', 'x-mns-a', 'x-mns-d', 'x-mns-b']],
    [['x-mns-a', 'x-mns-b', 'x-mns-c', 'x-mns-d']],
    [['x-mns-d', 'x-mns-c', 'x-mns-b', 'x-mns-a']],
    [['x-mns-b', 'x-mns-d', 'x-mns-a', 'x-mns-c']],
  ])('sorts them by name whatever order they come in: %j', (names) => {
    const headers = Object.fromEntries(names.map((name) => [name, name.slice(-1)]));
    expect(mnsStringToSign({ method: 'GET', date: 'd', headers, resource: '/r' })).toBe('GET\n\n\nd\nx-mns-a:a\nx-mns-b:b\nx-mns-c:c\nx-mns-d:d\n/r');
  });
});

describe('parseAcs3Authorization', () => {
  it('reads the three fields, in any order, trimming the space around names and values', () => {
    expect(parseAcs3Authorization('ACS3-HMAC-SHA256 Credential=id,SignedHeaders=host;x-acs-date,Signature=abc')).toEqual({
      accessKeyId: 'id',
      signedHeaders: ['host', 'x-acs-date'],
      signature: 'abc',
    });
    expect(parseAcs3Authorization('ACS3-HMAC-SHA256  Signature = abc , Credential= id ,SignedHeaders=host')).toEqual({
      accessKeyId: 'id',
      signedHeaders: ['host'],
      signature: 'abc',
    });
  });

  it('ignores parts without a name, and keeps an "=" inside a value', () => {
    expect(parseAcs3Authorization('ACS3-HMAC-SHA256 =x,Credential=id,SignedHeaders=host,Signature=a=b,junk')).toEqual({
      accessKeyId: 'id',
      signedHeaders: ['host'],
      signature: 'a=b',
    });
  });

  it.each([
    ['another algorithm', 'ACS3-HMAC-SM3 Credential=id,SignedHeaders=host,Signature=abc'],
    ['no space after the algorithm', 'ACS3-HMAC-SHA256Credential=id,SignedHeaders=host,Signature=abc'],
    ['no Credential', 'ACS3-HMAC-SHA256 SignedHeaders=host,Signature=abc'],
    ['no SignedHeaders', 'ACS3-HMAC-SHA256 Credential=id,Signature=abc'],
    ['no Signature', 'ACS3-HMAC-SHA256 Credential=id,SignedHeaders=host'],
    ['an empty Signature', 'ACS3-HMAC-SHA256 Credential=id,SignedHeaders=host,Signature='],
    ['a field named with an "=" first', 'ACS3-HMAC-SHA256 Credential=id,SignedHeaders=host,=Signature=abc'],
  ])('is undefined with %s', (_label, value) => {
    expect(parseAcs3Authorization(value)).toBeUndefined();
  });
});
