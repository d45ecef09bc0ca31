/**
 * An RPC request as received: method, headers, query and form parameters (docs/alibaba/rpc.md#get-or-post: GET puts
 * everything in the query; POST may use a form body, the query, or both).
 */
import type { IncomingMessage } from 'node:http';

export interface IncomingRpcRequest {
  method: string;
  /** Lower-case names, one value each (repeated headers joined with `,`, as Node does). */
  headers: Readonly<Record<string, string>>;
  query: Readonly<Record<string, string>>;
  form: Readonly<Record<string, string>>;
  /** Query and form merged; the form wins on a clash, as in openapi-client's V1 signer. */
  params: Readonly<Record<string, string>>;
  body: Buffer;
}

const FORM_CONTENT_TYPE = 'application/x-www-form-urlencoded';

export function parseRpcRequest(req: IncomingMessage, url: URL, body: Buffer): IncomingRpcRequest {
  const headers = flattenHeaders(req);
  const query = Object.fromEntries(url.searchParams);
  const contentType = (headers['content-type'] ?? '').toLowerCase();
  const hasFormBody = body.length > 0 && (contentType === '' || contentType.startsWith(FORM_CONTENT_TYPE));
  const form = hasFormBody ? Object.fromEntries(new URLSearchParams(body.toString('utf8'))) : {};
  return {
    method: (req.method ?? 'GET').toUpperCase(),
    headers,
    query,
    form,
    params: { ...query, ...form },
    body,
  };
}

/** Lower-case names, one value each (repeated headers joined with `,`). */
export function flattenHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    headers[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
  }
  return headers;
}
