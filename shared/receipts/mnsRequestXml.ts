/**
 * The XML the MNS client sends: the BatchDeleteMessage body (docs/alibaba/mns.md#batchdeletemessage),
 * written with escaped text. Pure functions; the answers are read in mnsAnswerXml.ts.
 */

/** docs/alibaba/mns.md: requests and responses use this namespace. */
export const MNS_XML_NAMESPACE = 'http://mns.aliyuncs.com/doc/v1/';

/**
 * docs/alibaba/mns.md#batchdeletemessage: the BatchDeleteMessage body. Handles are Base64-like, but are escaped anyway; no
 * trailing newline (the BatchDelete signature vector of docs/alibaba/signatures.md is computed over exactly this shape).
 */
export function buildDeleteBody(receiptHandles: readonly string[]): string {
  const handles = receiptHandles.map((handle) => `<ReceiptHandle>${escapeXml(handle)}</ReceiptHandle>`).join('');
  return `<?xml version="1.0" encoding="UTF-8"?><ReceiptHandles xmlns="${MNS_XML_NAMESPACE}">${handles}</ReceiptHandles>`;
}

const XML_ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** Escapes text for an XML element or attribute. */
export function escapeXml(value: string): string {
  return value.replace(/[&<>"']/g, (character) => XML_ESCAPES[character]!);
}

