/** What the MNS client sends (shared/receipts/mnsRequestXml.ts): the BatchDeleteMessage body. */
import { describe, expect, it } from 'vitest';
import { buildDeleteBody, escapeXml } from '#shared/receipts/mnsRequestXml';

describe('buildDeleteBody (docs/alibaba/mns.md#batchdeletemessage)', () => {
  it('is byte-for-byte the body of the docs/alibaba/signatures.md#mns-signature signature vector (249 bytes)', () => {
    const body = buildDeleteBody(['1-ODU4OTkzNDU5My0xNDM1MTk3NjAwLTItNg==', '1-ODU4OTkzNDU5NC0xNDM1MTk3NjAwLTItNg==']);
    expect(body).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><ReceiptHandles xmlns="http://mns.aliyuncs.com/doc/v1/"><ReceiptHandle>1-ODU4OTkzNDU5My0xNDM1MTk3NjAwLTItNg==</ReceiptHandle><ReceiptHandle>1-ODU4OTkzNDU5NC0xNDM1MTk3NjAwLTItNg==</ReceiptHandle></ReceiptHandles>',
    );
    expect(Buffer.byteLength(body)).toBe(249);
  });

  it('escapes handle text, and the escaped text reads back as the handle', () => {
    expect(escapeXml(`a&b<c>"d'`)).toBe('a&amp;b&lt;c&gt;&quot;d&apos;');
    const body = buildDeleteBody(['x&<y>']);
    expect(body).toContain('<ReceiptHandle>x&amp;&lt;y&gt;</ReceiptHandle>');
  });
});
