import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { MAX_BODY_CHARS, decodeMessageBody } from '#shared/receipts/decode';
import { voiceReport } from '../../support/receiptBodies.ts';

const base64 = (text: string | Buffer) => Buffer.from(text).toString('base64');

// docs/alibaba/receipts.md#receipt-fields illustrative VoiceReport body.
const VOICE_REPORT = voiceReport('116012354148^102813781234');

describe('decodeMessageBody: what Alibaba sends (docs/alibaba/receipts.md#body-encoding)', () => {
  it('decodes a Base64 UTF-8 JSON object into one receipt', () => {
    expect(decodeMessageBody(base64(JSON.stringify(VOICE_REPORT)))).toEqual({ ok: true, receipts: [VOICE_REPORT], encoding: 'base64' });
  });

  it('decodes a Base64 JSON array into one receipt per element', () => {
    const second = { ...VOICE_REPORT, call_id: '116012354148^102813781235' };
    const result = decodeMessageBody(base64(JSON.stringify([VOICE_REPORT, second])));
    expect(result).toEqual({ ok: true, receipts: [VOICE_REPORT, second], encoding: 'base64' });
  });

  it('accepts Base64 split over lines, unpadded, or URL-safe', () => {
    const encoded = base64(JSON.stringify(VOICE_REPORT));
    expect(decodeMessageBody(encoded.replace(/(.{60})/g, '$1\n'))).toMatchObject({ ok: true, receipts: [VOICE_REPORT] });
    expect(decodeMessageBody(encoded.replace(/=+$/, ''))).toMatchObject({ ok: true, receipts: [VOICE_REPORT] });
    const urlSafe = Buffer.from(JSON.stringify(VOICE_REPORT)).toString('base64url');
    expect(decodeMessageBody(urlSafe)).toMatchObject({ ok: true, receipts: [VOICE_REPORT] });
  });

  it('strips a UTF-8 byte-order mark inside the Base64 payload', () => {
    const withBom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify(VOICE_REPORT))]);
    expect(decodeMessageBody(withBom.toString('base64'))).toMatchObject({ ok: true, receipts: [VOICE_REPORT] });
  });

  it('falls back to raw JSON (an object or an array) when the body is not Base64', () => {
    expect(decodeMessageBody(JSON.stringify(VOICE_REPORT))).toEqual({ ok: true, receipts: [VOICE_REPORT], encoding: 'json' });
    expect(decodeMessageBody(`  ${JSON.stringify([VOICE_REPORT])}\n`)).toEqual({ ok: true, receipts: [VOICE_REPORT], encoding: 'json' });
  });
});

describe('decodeMessageBody: bodies that cannot be receipts', () => {
  it.each([
    ['empty', '', 'empty body'],
    ['whitespace', ' \n\t ', 'empty body'],
    ['plain text', 'hello, receipt', 'body is neither Base64 nor JSON'],
    ['text that only ends like Base64', '%%% poison abc', 'body is neither Base64 nor JSON'],
    ['text that only starts like Base64', 'abcd!!!!', 'body is neither Base64 nor JSON'],
    ['Base64 with one character too many', `${base64('{"call_id":"1^23"}')}A`, 'body is neither Base64 nor JSON'],
    ['Base64 of text that is not JSON', base64('not json at all'), 'Base64 payload is not JSON'],
    ['Base64 of a JSON string', base64('"a string"'), 'Base64 payload is JSON string, not an object or an array of objects'],
    ['Base64 of a JSON number', base64('42'), 'Base64 payload is JSON number, not an object or an array of objects'],
    ['Base64 of null', base64('null'), 'Base64 payload is JSON null, not an object or an array of objects'],
    ['Base64 of an empty array', base64('[]'), 'Base64 payload is an empty array'],
    ['Base64 of an array holding a non-object', base64('[{"call_id":"1^2"}, 3]'), 'Base64 payload holds a non-object at index 1'],
    ['Base64 of an array holding null', base64('[null]'), 'Base64 payload holds a non-object at index 0'],
    ['Base64 of a UTF-8 payload with two byte-order marks', Buffer.from(`\ufeff\ufeff{"call_id":"1^2"}`).toString('base64'), 'Base64 payload is not JSON'],
    ['broken raw JSON', '{"call_id": "1^2"', 'raw body is not JSON'],
    ['a raw JSON array of strings', '["a", "b"]', 'raw body holds a non-object at index 0'],
    ['a raw JSON array of arrays', '[[{}]]', 'raw body holds a non-object at index 0'],
    ['a raw empty JSON array', '[]', 'raw body is an empty array'],
    ['Base64 of invalid UTF-8', Buffer.from([0xc3, 0x28, 0xa0, 0xa1, 0xff]).toString('base64'), 'Base64 payload is not UTF-8'],
    ['Base64 of UTF-8 JSON truncated mid-character', Buffer.from('{"a":"执').subarray(0, 7).toString('base64'), 'Base64 payload is not UTF-8'],
  ])('%s → not ok, saying why', (_label, body, reason) => {
    expect(decodeMessageBody(body)).toStrictEqual({ ok: false, reason });
  });

  it('a body that is not text at all is refused, not thrown on', () => {
    expect(decodeMessageBody(42 as unknown as string)).toStrictEqual({ ok: false, reason: 'body is not text' });
    expect(decodeMessageBody(undefined as unknown as string)).toStrictEqual({ ok: false, reason: 'body is not text' });
  });

  it('whatever fails inside is reported as a reason, never thrown (a poison body must not stop the poller)', () => {
    const trim = vi.spyOn(String.prototype, 'trim').mockImplementation(() => {
      throw new TypeError('unexpected');
    });
    try {
      expect(decodeMessageBody('{"call_id":"1^2"}')).toStrictEqual({ ok: false, reason: 'undecodable body (TypeError)' });
    } finally {
      trim.mockRestore();
    }
  });

  it('refuses a Base64 JSON body with a byte that is not UTF-8 inside a string, instead of storing it garbled', () => {
    const bytes = Buffer.concat([Buffer.from('{"call_id":"1^2","status_msg":"'), Buffer.from([0xe6, 0x89]), Buffer.from('"}')]);
    expect(decodeMessageBody(bytes.toString('base64'))).toEqual({ ok: false, reason: 'Base64 payload is not UTF-8' });
    const lone = Buffer.concat([Buffer.from('{"call_id":"1^2","x":"a'), Buffer.from([0xff]), Buffer.from('b"}')]);
    expect(decodeMessageBody(lone.toString('base64'))).toEqual({ ok: false, reason: 'Base64 payload is not UTF-8' });
  });

  it('refuses a huge body without parsing it', () => {
    const huge = base64(JSON.stringify({ call_id: '1^2', padding: 'x'.repeat(MAX_BODY_CHARS) }));
    expect(decodeMessageBody(huge)).toStrictEqual({ ok: false, reason: 'body longer than 1048576 characters' });
    // The limit itself is still read.
    const atLimit = `{"call_id":"1^2","padding":"${'x'.repeat(MAX_BODY_CHARS - 30)}"}`;
    expect(atLimit).toHaveLength(1_048_576);
    expect(decodeMessageBody(atLimit)).toMatchObject({ ok: true, encoding: 'json' });
    expect(decodeMessageBody(`${atLimit} `).ok).toBe(false);
  });

  it('decodes a large but plausible body (a 60 KB receipt)', () => {
    const large = { ...VOICE_REPORT, extend: 'y'.repeat(60_000) };
    expect(decodeMessageBody(base64(JSON.stringify(large)))).toMatchObject({ ok: true, receipts: [large] });
  });

  it('never throws, whatever the text (property)', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.string({ unit: 'binary' }),
          fc.json().map((json) => base64(json)),
          fc.json(),
          fc.uint8Array().map((bytes) => Buffer.from(bytes).toString('base64')),
        ),
        (body) => {
          const result = decodeMessageBody(body);
          expect(typeof result.ok).toBe('boolean');
          if (result.ok) {
            expect(result.receipts.length).toBeGreaterThan(0);
            for (const receipt of result.receipts) expect(receipt !== null && typeof receipt === 'object' && !Array.isArray(receipt)).toBe(true);
          }
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it.each([
    ['raw JSON', (text: string) => text],
    ['Base64', base64],
  ])('refuses a receipt nested more than 32 deep (%s), before parsing it, so nothing downstream walks it (docs/security.md#input-limits)', (_encoding, encode) => {
    const nested = (depth: number) => `[{"call_id":"1^2","x":${'['.repeat(depth - 2)}${']'.repeat(depth - 2)}}]`;

    expect(decodeMessageBody(encode(nested(32)))).toMatchObject({ ok: true });
    expect(decodeMessageBody(encode(nested(33)))).toEqual({ ok: false, reason: expect.stringMatching(/nests arrays and objects more than 32 deep$/) });
    expect(decodeMessageBody(encode(nested(4_500)))).toEqual({ ok: false, reason: expect.stringMatching(/nests arrays and objects more than 32 deep$/) });
  });

  it('never throws on deeply nested JSON', () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    expect(() => decodeMessageBody(deep)).not.toThrow();
    expect(decodeMessageBody(base64(deep)).ok).toBe(false);
  });
});
