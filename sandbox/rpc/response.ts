/**
 * The response envelope (docs/alibaba/rpc.md#response-envelope): JSON by default, XML when asked for (or, for signature V1,
 * when `Format` is absent, because that is Alibaba's default and a client that forgets `Format`
 * must notice here rather than in production; docs/alibaba/known-issues.md aliyun-sdk-js #129).
 */
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { RpcError } from './errors.ts';

export type ResponseFormat = 'JSON' | 'XML';

/** `RequestId`: an upper-case UUID like Alibaba's (`762104B0-...`). */
export function newRequestId(): string {
  return randomUUID().toUpperCase();
}

/** Where error troubleshooting links point (docs/alibaba/rpc.md#response-envelope example). */
export function recommendUrl(code: string): string {
  return `https://error-center.aliyun.com/status/search?Keyword=${encodeURIComponent(code)}&source=PopGw`;
}

export type ErrorBody = {
  RequestId: string;
  HostId: string;
  Code: string;
  Message: string;
  Recommend: string;
};

export function errorBody(error: RpcError, requestId: string, hostId: string): ErrorBody {
  return {
    RequestId: requestId,
    HostId: hostId,
    Code: error.code,
    Message: error.message,
    Recommend: recommendUrl(error.code),
  };
}

export function successBody(requestId: string, fields: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return { RequestId: requestId, Code: 'OK', Message: 'OK', ...fields };
}

/** Writes one envelope; `rootElement` names the XML root (`<Action>Response` or `Error`). */
export function sendEnvelope(
  res: ServerResponse,
  status: number,
  format: ResponseFormat,
  rootElement: string,
  body: Readonly<Record<string, unknown>>,
): void {
  const requestId = typeof body.RequestId === 'string' ? body.RequestId : '';
  const text = format === 'XML' ? renderXml(rootElement, body) : JSON.stringify(body);
  res.writeHead(status, {
    // openapi-client recognises an XML error only by this exact content type.
    'content-type': format === 'XML' ? 'text/xml;charset=utf-8' : 'application/json;charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'x-acs-request-id': requestId,
  });
  res.end(text);
}

function renderXml(root: string, body: Readonly<Record<string, unknown>>): string {
  return `<?xml version='1.0' encoding='UTF-8'?><${root}>${renderFields(body)}</${root}>`;
}

/** Nested objects (e.g. dybaseapi's `MessageTokenDTO`) become nested elements. */
function renderFields(body: Readonly<Record<string, unknown>>): string {
  return Object.entries(body)
    .filter(([, value]) => value !== undefined && value !== null)
    .map(([name, value]) => {
      const content = typeof value === 'object' ? renderFields(value as Record<string, unknown>) : escapeXml(String(value));
      return `<${name}>${content}</${name}>`;
    })
    .join('');
}

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}
