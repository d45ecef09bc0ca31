/**
 * The shortcuts the signing module takes for speed, each checked against the plain computation it
 * replaces (and, where one exists, the official signer):
 * - percentEncode's table for short texts and encodeURIComponent for long ones (docs/alibaba/signatures.md#rpc-signature-v1 "pe"),
 * - signRpcV1 merging its sorted common parameters into the sorted action parameters (docs/alibaba/signatures.md#rpc-signature-v1),
 * - signRpcV3 writing CanonicalHeaders in a fixed order (docs/alibaba/signatures.md#rpc-signature-v3 step 3),
 * - signMnsRequest writing its StringToSign directly (docs/alibaba/signatures.md#mns-signature),
 * - the per-second Timestamp / x-acs-date / Date texts and the per-secret HMAC keys,
 * - sha256Hex's one-shot hash.
 */
import { createHash, createHmac } from 'node:crypto';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  acs3CanonicalRequest,
  acs3Signature,
  acs3SignedHeaderNames,
  canonicalQuery,
  mnsSignature,
  mnsStringToSign,
  percentEncode,
  rpcTimestamp,
  rpcV1Signature,
  rpcV1StringToSign,
  sha256Hex,
  signMnsRequest,
  signRpcV1,
  signRpcV3,
  type AlibabaCredentials,
} from '#shared/signing/index';
import { OpenApiUtil, openApiAuthorization, openApiPayloadHash } from './officialSigners.ts';

const RUNS = 300;

/** Characters the encoding rules call out (docs/alibaba/signatures.md#rpc-signature-v1): the JS fix-ups, separators, space, `%`, CJK and emoji. */
const specialChar = fc.constantFrom(
  ...['*', '~', '!', "'", '(', ')', '&', '=', '+', '/', '%', ' ', ':', '"'],
  ...['张', '😀', 'a', 'Z', '0', '-'],
);

/** Texts on both sides of percentEncode's short/long switch (64 code units), up to a long TtsParam. */
const text = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 300 }),
  // 'binary' = any code point except lone surrogates (see the lone-surrogate test below).
  fc.string({ unit: 'binary', minLength: 40, maxLength: 200 }),
  fc.string({ unit: specialChar, minLength: 50, maxLength: 120 }),
  fc.string({ unit: 'grapheme-ascii', minLength: 60, maxLength: 70 }),
  fc.stringMatching(/^[A-Za-z0-9._~-]{0,200}$/),
);

const secret = fc.oneof(fc.stringMatching(/^[A-Za-z0-9]{30}$/), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 80 }));
const accessKeyId = fc.stringMatching(/^(STS\.)?[A-Za-z0-9]{8,24}$/);
const securityToken = fc.option(fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 60 }), { nil: undefined });
const timestamp = fc
  .date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2099-12-31T23:59:59Z'), noInvalidDate: true })
  .map((d) => rpcTimestamp(d));

function credentials(id: string, key: string, token: string | undefined): AlibabaCredentials {
  return { accessKeyId: id, accessKeySecret: key, ...(token !== undefined ? { securityToken: token } : {}) };
}

describe('percentEncode (docs/alibaba/signatures.md#rpc-signature-v1) on short and long texts', () => {
  it('equals the official encoding for any text, on either side of the 64-character switch', () => {
    fc.assert(
      fc.property(text, (value) => {
        expect(percentEncode(value)).toBe(OpenApiUtil.getEncodeParam(value));
      }),
      { numRuns: RUNS },
    );
  });

  it.each([63, 64, 65])('equals the official encoding for %i characters mixing every kind of run', (length) => {
    const value = `a张*😀 ~b(%'!)${'x:'.repeat(40)}`.slice(0, length);
    expect(value.length).toBe(length);
    expect(percentEncode(value)).toBe(OpenApiUtil.getEncodeParam(value));
  });

  it.each([
    ['short', 'a\uD800b'],
    ['short, low half', '\uDC00'],
    ['long', `${'x'.repeat(100)}\uD800`],
  ])('throws URIError on a lone surrogate (%s), as the official encoding does', (_, value) => {
    expect(() => OpenApiUtil.getEncodeParam(value)).toThrow(URIError);
    expect(() => percentEncode(value)).toThrow(URIError);
  });
});

describe('signRpcV1 (docs/alibaba/signatures.md#rpc-signature-v1) equals signing the merged parameter map', () => {
  const COMMON = [
    ...['AccessKeyId', 'Action', 'Format', 'SecurityToken', 'SignatureMethod'],
    ...['SignatureNonce', 'SignatureVersion', 'Timestamp', 'Version'],
  ];
  /** Names that sort before, between and after the common ones, and the common names themselves. */
  const name = fc.oneof(
    fc.constantFrom(...COMMON, 'A', 'Ab', 'B', 'CalledNumber', 'Formatx', 'SignatureA', 'TtsParam', 'Vz', 'a', 'zz', '', '_', '~'),
    fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 10 }),
  );
  const params = fc
    .dictionary(name.filter((n) => n !== '__proto__'), text, { maxKeys: 14 })
    .map((p) => ({ ...p }));

  it('with the common parameters replacing action parameters of the same name', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<'GET' | 'POST'>('GET', 'POST'),
        params,
        accessKeyId,
        secret,
        securityToken,
        fc.uuid(),
        timestamp,
        (method, actionParams, id, key, token, nonce, ts) => {
          // Arrange: the parameter map as signRpcV1 documents it (docs/alibaba/rpc.md#common-parameters common parameters win).
          const merged: Record<string, string> = {
            ...actionParams,
            Action: 'SingleCallByTts',
            Version: '2017-05-25',
            Format: 'JSON',
            AccessKeyId: id,
            SignatureMethod: 'HMAC-SHA1',
            SignatureVersion: '1.0',
            SignatureNonce: nonce,
            Timestamp: ts,
          };
          if (token) merged.SecurityToken = token;
          const expected = `${canonicalQuery(merged)}&Signature=${percentEncode(rpcV1Signature(method, merged, key))}`;

          // Act
          const signed = signRpcV1({
            method,
            action: 'SingleCallByTts',
            version: '2017-05-25',
            params: actionParams,
            credentials: credentials(id, key, token),
            nonce,
            timestamp: ts,
          });

          // Assert
          expect(signed).toBe(expected);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('rpcV1StringToSign encodes the canonical query a second time exactly as pe() does', () => {
    fc.assert(
      fc.property(params, (p) => {
        expect(rpcV1StringToSign('POST', p)).toBe(`POST&%2F&${OpenApiUtil.getEncodeParam(canonicalQuery(p))}`);
      }),
      { numRuns: RUNS },
    );
  });
});

describe('signRpcV3 (docs/alibaba/signatures.md#rpc-signature-v3) equals the general canonical request and the official signer', () => {
  /** Values with leading/trailing whitespace, which CanonicalHeaders trims (docs/alibaba/signatures.md#rpc-signature-v3 step 3). */
  const padded = (inner: fc.Arbitrary<string>) =>
    fc.tuple(fc.constantFrom('', ' ', '\t', ' \u00a0'), inner, fc.constantFrom('', ' ', '\t ')).map(([a, v, b]) => `${a}${v}${b}`);
  const word = fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 30 });
  const query = fc.dictionary(fc.stringMatching(/^[A-Za-z0-9._~-]{1,12}$/), text, { maxKeys: 8 }).map((q) => ({ ...q }));

  it('for every combination of body, content type and STS token, with padded header values', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<'GET' | 'POST'>('GET', 'POST'),
        padded(fc.stringMatching(/^[a-z0-9-]{1,20}\.aliyuncs\.com$/)),
        padded(word),
        padded(word),
        fc.option(query, { nil: undefined }),
        fc.option(text, { nil: undefined }),
        fc.option(padded(word), { nil: undefined }),
        accessKeyId,
        secret,
        fc.option(padded(word), { nil: undefined }),
        padded(fc.uuid()),
        padded(timestamp),
        (method, host, action, version, q, body, contentType, id, key, token, nonce, date) => {
          // Act
          const headers = signRpcV3({
            method,
            host,
            action,
            version,
            ...(q !== undefined ? { query: q } : {}),
            ...(body !== undefined ? { body } : {}),
            ...(contentType !== undefined ? { contentType } : {}),
            credentials: credentials(id, key, token),
            nonce,
            date,
          });
          const { authorization, ...sent } = headers;

          // Assert: the headers sent, the body hash, and the Authorization both ways.
          const expectedSent: Record<string, string> = {
            host,
            'x-acs-action': action,
            'x-acs-version': version,
            'x-acs-date': date,
            'x-acs-signature-nonce': nonce,
            'x-acs-content-sha256': openApiPayloadHash(body ?? ''),
          };
          if (contentType) expectedSent['content-type'] = contentType;
          if (token) {
            expectedSent['x-acs-accesskey-id'] = id;
            expectedSent['x-acs-security-token'] = token;
          }
          expect(sent).toEqual(expectedSent);
          const signedHeaders = acs3SignedHeaderNames(sent);
          const canonical = acs3CanonicalRequest({
            method,
            path: '/',
            query: q ?? {},
            headers: sent,
            signedHeaders,
            hashedPayload: sent['x-acs-content-sha256']!,
          });
          expect(authorization).toBe(
            `ACS3-HMAC-SHA256 Credential=${id},SignedHeaders=${signedHeaders.join(';')},Signature=${acs3Signature(canonical, key)}`,
          );
          expect(authorization).toBe(
            openApiAuthorization({ method, pathname: '/', query: q ?? {}, headers: sent }, sent['x-acs-content-sha256']!, id, key),
          );
        },
      ),
      { numRuns: RUNS },
    );
  });
});

describe('signMnsRequest (docs/alibaba/signatures.md#mns-signature) equals the general StringToSign', () => {
  it('for any method, resource, content type, Content-MD5 and date', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<'GET' | 'POST' | 'PUT' | 'DELETE'>('GET', 'POST', 'PUT', 'DELETE'),
        fc.string({ unit: 'grapheme', maxLength: 120 }).map((rest) => `/queues/${rest}`),
        fc.option(fc.string({ unit: 'grapheme', maxLength: 30 }), { nil: undefined }),
        fc.option(fc.base64String({ minLength: 4, maxLength: 48 }), { nil: undefined }),
        fc.date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('2099-12-31T23:59:59Z'), noInvalidDate: true }),
        accessKeyId,
        secret,
        securityToken,
        (method, resource, contentType, contentMd5, date, id, key, token) => {
          const headers = signMnsRequest({
            method,
            resource,
            ...(contentType !== undefined ? { contentType } : {}),
            ...(contentMd5 !== undefined ? { contentMd5 } : {}),
            credentials: credentials(id, key, token),
            date,
          });
          const { authorization, ...sent } = headers;
          const stringToSign = mnsStringToSign({ method, contentMd5, contentType, date: date.toUTCString(), headers: sent, resource });
          expect(authorization).toBe(`MNS ${id}:${mnsSignature(stringToSign, key)}`);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('mnsStringToSign keeps two spellings of one x-mns-* name in their order (stable sort)', () => {
    const stringToSign = mnsStringToSign({
      method: 'GET',
      date: 'd',
      headers: { 'x-mns-b': '3', 'X-MNS-A': '1', 'x-mns-a': '2', host: 'h' },
      resource: '/r',
    });
    expect(stringToSign).toBe('GET\n\n\nd\nx-mns-a:1\nx-mns-a:2\nx-mns-b:3\n/r');
  });
});

describe('the current time, formatted once per second', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('is what formatting the current Date gives, across seconds, within a second and after a clock step back', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const key = { accessKeyId: 'testid', accessKeySecret: 'testsecret' };
    const times = [
      '2024-01-15T08:30:00.000Z',
      '2024-01-15T08:30:00.999Z',
      '2024-01-15T08:30:01.000Z',
      '2024-01-15T08:29:59.500Z', // the clock stepped back
      '2024-01-15T08:30:01.001Z',
      '2099-12-31T23:59:59.999Z',
      '1999-12-31T23:59:59.999Z',
    ];
    for (const iso of times) {
      // Arrange
      const now = new Date(iso);
      vi.setSystemTime(now);

      // Act
      const request = { method: 'POST', action: 'CancelCall', version: '2017-05-25', credentials: key } as const;
      const v1 = new URLSearchParams(signRpcV1({ ...request, params: {} }));
      const v3 = signRpcV3({ ...request, host: 'dyvmsapi.aliyuncs.com' });
      const mns = signMnsRequest({ method: 'GET', resource: '/queues/q/messages', credentials: key });

      // Assert
      expect(v1.get('Timestamp'), iso).toBe(rpcTimestamp(now));
      expect(v3['x-acs-date'], iso).toBe(rpcTimestamp(now));
      expect(mns.date, iso).toBe(now.toUTCString());
    }
  });

  it('in random order of random instants', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    fc.assert(
      fc.property(
        fc.array(fc.date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('2099-12-31T23:59:59Z'), noInvalidDate: true }), {
          minLength: 1,
          maxLength: 10,
        }),
        (instants) => {
          for (const now of instants) {
            vi.setSystemTime(now);
            const key = { accessKeyId: 'a', accessKeySecret: 'b' };
            const headers = signMnsRequest({ method: 'GET', resource: '/q', credentials: key });
            expect(headers.date).toBe(now.toUTCString());
            const query = new URLSearchParams(signRpcV1({ method: 'GET', action: 'A', version: 'v', params: {}, credentials: key }));
            expect(query.get('Timestamp')).toBe(rpcTimestamp(now));
          }
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('HMAC keys kept per secret', () => {
  it('sign exactly as createHmac with the secret text, while secrets come and go', () => {
    // More secrets than the key cache holds, revisited out of order; empty, non-ASCII and longer
    // than the 64-byte HMAC block (which HMAC hashes first) included.
    const secrets = ['testsecret', '', '密钥-秘密', 'k'.repeat(100), 'a', 'b', 'c', 'testsecret', 'c', '', 'k'.repeat(100), 'z'];
    const params = { Action: 'CancelCall', CallId: '116012354148^10281378', Format: 'JSON' };
    const stringToSign = rpcV1StringToSign('POST', params);
    const mnsText = 'GET\n\n\nMon, 15 Jan 2024 08:30:00 GMT\nx-mns-version:2015-06-06\n/queues/q/messages';
    for (const key of [...secrets, ...[...secrets].reverse()]) {
      expect(rpcV1Signature('POST', params, key), key).toBe(createHmac('sha1', `${key}&`).update(stringToSign, 'utf8').digest('base64'));
      expect(mnsSignature(mnsText, key), key).toBe(createHmac('sha1', key).update(mnsText, 'utf8').digest('base64'));
      expect(acs3Signature('canonical', key), key).toBe(
        createHmac('sha256', key).update(`ACS3-HMAC-SHA256\n${createHash('sha256').update('canonical').digest('hex')}`).digest('hex'),
      );
    }
  });
});

describe('sha256Hex', () => {
  it('equals createHash for any text (as UTF-8) and any bytes', () => {
    fc.assert(
      fc.property(fc.oneof(text, fc.uint8Array({ maxLength: 300 })), (data) => {
        expect(sha256Hex(data)).toBe(createHash('sha256').update(data).digest('hex'));
      }),
      { numRuns: RUNS },
    );
  });
});
