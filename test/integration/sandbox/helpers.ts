/**
 * Hand-made requests against a running sandbox, signed with our own signer (`#shared/signing`),
 * and the official Alibaba clients loaded the way they load in production (CommonJS).
 */
import { createRequire } from 'node:module';
import {
  canonicalQuery,
  percentEncode,
  rpcTimestamp,
  rpcV1Signature,
  signRpcV1,
  signRpcV3,
  type AlibabaCredentials,
} from '#shared/signing/index';
import type { Sandbox } from '#sandbox/server';

export const VERSION = '2017-05-25';

export interface RpcAnswer {
  status: number;
  contentType: string;
  /** Parsed JSON (undefined for an XML answer). */
  body: Record<string, unknown>;
  text: string;
}

async function answerOf(response: Response): Promise<RpcAnswer> {
  const text = await response.text();
  const contentType = response.headers.get('content-type') ?? '';
  return {
    status: response.status,
    contentType,
    body: contentType.startsWith('application/json') ? (JSON.parse(text) as Record<string, unknown>) : {},
    text,
  };
}

export interface V1CallInput {
  action: string;
  params?: Record<string, string>;
  method?: 'GET' | 'POST';
  credentials: AlibabaCredentials;
  version?: string;
  nonce?: string;
  timestamp?: string;
}

/** A V1 request as our client sends it: GET query or POST form body (spec §1.3). */
export async function callV1(sandbox: Sandbox, input: V1CallInput): Promise<RpcAnswer> {
  const method = input.method ?? 'POST';
  const signed = signRpcV1({
    method,
    action: input.action,
    version: input.version ?? VERSION,
    params: input.params ?? {},
    credentials: input.credentials,
    ...(input.nonce !== undefined ? { nonce: input.nonce } : {}),
    ...(input.timestamp !== undefined ? { timestamp: input.timestamp } : {}),
  });
  return sendV1Text(sandbox, method, signed);
}

/** Sends an already signed `k=v&...&Signature=..` text as a GET query or a POST form body. */
export async function sendV1Text(sandbox: Sandbox, method: 'GET' | 'POST', signed: string): Promise<RpcAnswer> {
  const response =
    method === 'GET'
      ? await fetch(`${sandbox.url}/?${signed}`)
      : await fetch(`${sandbox.url}/`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: signed,
        });
  return answerOf(response);
}

/** Signs exactly these parameters (common ones included by the caller) with V1. */
export function signV1Params(method: 'GET' | 'POST', params: Record<string, string>, secret: string): string {
  return `${canonicalQuery(params)}&Signature=${percentEncode(rpcV1Signature(method, params, secret))}`;
}

/** The common V1 parameters of spec §1.2 for a fresh request. */
export function commonV1Params(action: string, accessKeyId: string, at: Date = new Date()): Record<string, string> {
  return {
    Action: action,
    Version: VERSION,
    Format: 'JSON',
    AccessKeyId: accessKeyId,
    SignatureMethod: 'HMAC-SHA1',
    SignatureVersion: '1.0',
    SignatureNonce: crypto.randomUUID(),
    Timestamp: rpcTimestamp(at),
  };
}

export interface V3CallInput {
  action: string;
  query?: Record<string, string>;
  /** Form parameters in the body instead of (or beside) the query. */
  form?: Record<string, string>;
  method?: 'GET' | 'POST';
  credentials: AlibabaCredentials;
  version?: string;
  nonce?: string;
  date?: string;
  /** Changes the request after signing, to test what the sandbox refuses. */
  tamper?: (request: { headers: Record<string, string>; query: string; body: string | undefined }) => void;
}

/** A V3 (ACS3-HMAC-SHA256) request as our client sends it (spec §2.2). */
export async function callV3(sandbox: Sandbox, input: V3CallInput): Promise<RpcAnswer> {
  const method = input.method ?? 'POST';
  const body = input.form ? canonicalQuery(input.form) : undefined;
  const headers = signRpcV3({
    method,
    host: new URL(sandbox.url).host,
    action: input.action,
    version: input.version ?? VERSION,
    query: input.query ?? {},
    ...(body !== undefined ? { body, contentType: 'application/x-www-form-urlencoded' } : {}),
    credentials: input.credentials,
    ...(input.nonce !== undefined ? { nonce: input.nonce } : {}),
    ...(input.date !== undefined ? { date: input.date } : {}),
  });
  const request = { headers, query: canonicalQuery(input.query ?? {}), body };
  input.tamper?.(request);
  // fetch sets Host itself, to the very value signed above.
  const { host: _host, ...sendable } = request.headers;
  const response = await fetch(`${sandbox.url}/${request.query ? `?${request.query}` : ''}`, {
    method,
    headers: sendable,
    ...(request.body !== undefined ? { body: request.body } : {}),
  });
  return answerOf(response);
}

export async function controlRequest(
  sandbox: Sandbox,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: any }> {
  const response = await fetch(`${sandbox.url}/__sandbox/${path}`, {
    method,
    ...(body !== undefined ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}),
  });
  return { status: response.status, body: await response.json() };
}

/** `<12 digits>^<12 digits>` (spec §3.1). */
export const CALL_ID_PATTERN = /^\d{12}\^\d{12}$/;

/** An Alibaba error envelope with this code and status (spec §1.4). */
export function expectAlibabaError(answer: RpcAnswer, code: string, status: number): void {
  if (answer.status !== status || answer.body.Code !== code) {
    throw new Error(`expected ${status} ${code}, got ${answer.status} ${answer.text}`);
  }
  for (const field of ['RequestId', 'HostId', 'Message', 'Recommend']) {
    if (typeof answer.body[field] !== 'string' || answer.body[field] === '') {
      throw new Error(`error envelope without ${field}: ${answer.text}`);
    }
  }
}

// --- The official clients -------------------------------------------------------------------

const requireHere = createRequire(import.meta.url);

export interface PopCoreClient {
  request(action: string, params: Record<string, unknown>, opts?: Record<string, unknown>): Promise<Record<string, unknown>>;
}
type PopCoreCtor = new (config: {
  endpoint: string;
  apiVersion: string;
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string;
}) => PopCoreClient;

/** `@alicloud/pop-core` RPCClient (signature V1), configured as its README shows. */
export function popCoreClient(sandbox: Sandbox, credentials: AlibabaCredentials): PopCoreClient {
  const RPCClient = requireHere('@alicloud/pop-core') as PopCoreCtor;
  return new RPCClient({
    endpoint: sandbox.url,
    apiVersion: VERSION,
    accessKeyId: credentials.accessKeyId,
    accessKeySecret: credentials.accessKeySecret,
    ...(credentials.securityToken !== undefined ? { securityToken: credentials.securityToken } : {}),
  });
}

type OpenApiModule = typeof import('@alicloud/openapi-client');
type OpenApiUtilModule = typeof import('@alicloud/openapi-util');
type TeaUtilModule = typeof import('@alicloud/tea-util');

const openApi = requireHere('@alicloud/openapi-client') as OpenApiModule;
const openApiUtil = (requireHere('@alicloud/openapi-util') as OpenApiUtilModule).default;
const teaUtil = requireHere('@alicloud/tea-util') as TeaUtilModule;

export interface OpenApiCall {
  action: string;
  /** Action parameters as the generated dyvmsapi SDK passes them (arrays are flattened by OpenApiUtil.query). */
  query: Record<string, unknown>;
}

/**
 * `@alicloud/openapi-client` used exactly as the generated `@alicloud/dyvmsapi20170525` client uses
 * it: `callApi` with an RPC-style Params (POST, formData, JSON answer) and the action parameters
 * in the query. V3 by default; `signatureAlgorithm: 'v2'` makes it sign with V1.
 */
export function openApiClient(
  sandbox: Sandbox,
  credentials: AlibabaCredentials,
  options: { signatureAlgorithm?: 'v2' } = {},
): (call: OpenApiCall) => Promise<{ statusCode: number; body: Record<string, any> }> {
  const client = new openApi.default(
    new openApi.Config({
      accessKeyId: credentials.accessKeyId,
      accessKeySecret: credentials.accessKeySecret,
      ...(credentials.securityToken !== undefined ? { securityToken: credentials.securityToken } : {}),
      endpoint: new URL(sandbox.url).host,
      protocol: 'HTTP',
      ...(options.signatureAlgorithm !== undefined ? { signatureAlgorithm: options.signatureAlgorithm } : {}),
    }),
  );
  return async (call) => {
    const params = new openApi.Params({
      action: call.action,
      version: VERSION,
      protocol: 'HTTP',
      pathname: '/',
      method: 'POST',
      authType: 'AK',
      style: 'RPC',
      reqBodyType: 'formData',
      bodyType: 'json',
    });
    const request = new openApi.OpenApiRequest({ query: openApiUtil.query(call.query) });
    const runtime = new teaUtil.RuntimeOptions({ autoretry: false });
    const response = await client.callApi(params, request, runtime);
    return { statusCode: response.statusCode as number, body: response.body as Record<string, any> };
  };
}
