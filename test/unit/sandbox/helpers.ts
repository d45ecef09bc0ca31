/**
 * The sandbox a test file runs against, hand-made requests to it signed with our own signer
 * (`#shared/signing`), and the official Alibaba clients loaded the way they load in production (CommonJS).
 */
import { request as httpRequest } from 'node:http';
import { createRequire } from 'node:module';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import {
  canonicalQuery,
  percentEncode,
  rpcTimestamp,
  rpcV1Signature,
  signMnsRequest,
  signRpcV1,
  signRpcV3,
  type AlibabaCredentials,
} from '#shared/signing/index';
import { startSandbox, type Sandbox, type SandboxOptions } from '#sandbox/server';

export const VERSION = '2017-05-25';

/**
 * One sandbox for the tests of a file (or of the `describe` that calls it): started on free ports
 * before them, reset before each (so no test sees another's calls, queues, tokens or settings), and
 * closed after them. The object returned is filled in when the sandbox has started, so read it
 * inside hooks and tests only.
 */
export function useSandbox(options: Omit<SandboxOptions, 'port' | 'mnsPort'> = {}): Sandbox {
  const sandbox = {} as Sandbox;
  beforeAll(async () => {
    // startSandbox answers a plain object, so its fields (and its close) can be copied over.
    Object.assign(sandbox, await startSandbox({ port: 0, ...options }));
  });
  afterAll(async () => {
    // Absent when the sandbox did not start: beforeAll's error is the one to see.
    if ('close' in sandbox) await sandbox.close();
  });
  beforeEach(() => {
    sandbox.control.reset();
  });
  return sandbox;
}

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

/** A V1 request as our client sends it: GET query or POST form body (docs/alibaba/rpc.md#get-or-post). */
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

/** The common V1 parameters of docs/alibaba/rpc.md#common-parameters for a fresh request. */
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

/** A V3 (ACS3-HMAC-SHA256) request as our client sends it (docs/alibaba/signatures.md#rpc-signature-v3). */
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

/** `<12 digits>^<12 digits>` (docs/alibaba/actions.md#singlecallbytts). */
export const CALL_ID_PATTERN = /^\d{12}\^\d{12}$/;

/** An Alibaba error envelope with this code and status (docs/alibaba/rpc.md#response-envelope). */
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

// --- Receipts: dybaseapi tokens and MNS ----------------------------------------------------

export type MessageType = 'VoiceReport' | 'VoiceCallReport' | 'VoiceRecordReport';

/** QueryTokenForMnsQueue (docs/alibaba/receipts.md#querytokenformnsqueue) with our V1 signer; the answer's MessageTokenDTO as credentials. */
export async function queryToken(sandbox: Sandbox, key: AlibabaCredentials, messageType: MessageType): Promise<AlibabaCredentials> {
  const answer = await callV1(sandbox, { action: 'QueryTokenForMnsQueue', params: { MessageType: messageType }, credentials: key });
  if (answer.status !== 200) throw new Error(`QueryTokenForMnsQueue failed: ${answer.status} ${answer.text}`);
  const dto = answer.body.MessageTokenDTO as Record<string, string>;
  return { accessKeyId: dto.AccessKeyId!, accessKeySecret: dto.AccessKeySecret!, securityToken: dto.SecurityToken! };
}

export interface MnsAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

export interface MnsRequestInput {
  method: 'GET' | 'DELETE' | 'PUT' | 'POST';
  /** Path and query, sent exactly as written. */
  resource: string;
  credentials: AlibabaCredentials;
  body?: string;
  /** Default `text/xml` when there is a body. */
  contentType?: string;
  contentMd5?: string;
  date?: Date;
  /** Changes the headers after signing, to test what the sandbox refuses. */
  tamper?: (headers: Record<string, string>) => void;
  /** Default the MNS origin's (`sandbox.mnsPort`); `sandbox.port` tests the single-origin form. */
  port?: number;
}

/** An MNS request signed by our own signer (docs/alibaba/mns.md), sent with node:http so nothing rewrites it. */
export function mnsRequest(sandbox: Sandbox, input: MnsRequestInput): Promise<MnsAnswer> {
  const contentType = input.contentType ?? (input.body !== undefined ? 'text/xml' : undefined);
  const headers = signMnsRequest({
    method: input.method,
    resource: input.resource,
    credentials: input.credentials,
    ...(contentType !== undefined ? { contentType } : {}),
    ...(input.contentMd5 !== undefined ? { contentMd5: input.contentMd5 } : {}),
    ...(input.date !== undefined ? { date: input.date } : {}),
  });
  input.tamper?.(headers);
  return rawHttp(input.port ?? sandbox.mnsPort, input.method, input.resource, headers, input.body);
}

/** A plain HTTP exchange with the sandbox origin on this port; the path goes on the wire untouched. */
export function rawHttp(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<MnsAnswer> {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      { host: '127.0.0.1', port, method, path, headers: { ...headers, ...(body !== undefined ? { 'content-length': String(Buffer.byteLength(body)) } : {}) } },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, text: Buffer.concat(chunks).toString('utf8') }));
        response.on('error', reject);
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

const mnsParser = new XMLParser({
  removeNSPrefix: true,
  parseTagValue: false,
  // Character references (`&#13;`) are XML too.
  htmlEntities: true,
  isArray: (_name, path) => path === 'Messages.Message' || path === 'Errors.Error',
});

/** An MNS XML answer as plain objects (independent of the sandbox's own writer); `Messages.Message` and `Errors.Error` are arrays. */
export function parseMnsXml(text: string): any {
  return mnsParser.parse(text);
}

export interface MnsMessage {
  MessageId: string;
  ReceiptHandle: string;
  MessageBodyMD5: string;
  MessageBody: string;
  EnqueueTime: string;
  NextVisibleTime: string;
  FirstDequeueTime: string;
  DequeueCount: string;
  Priority: string;
}

export function messagesOf(answer: MnsAnswer): MnsMessage[] {
  if (answer.status !== 200) throw new Error(`expected 200 <Messages>, got ${answer.status} ${answer.text}`);
  return parseMnsXml(answer.text).Messages.Message as MnsMessage[];
}

/** An MNS `<Error>` document with this code and status (docs/alibaba/mns.md#errors). */
export function expectMnsError(answer: MnsAnswer, code: string, status: number): void {
  const error = answer.text ? parseMnsXml(answer.text).Error : undefined;
  if (answer.status !== status || error?.Code !== code) throw new Error(`expected ${status} ${code}, got ${answer.status} ${answer.text}`);
  for (const field of ['Message', 'RequestId', 'HostId']) {
    if (typeof error[field] !== 'string' || error[field] === '') throw new Error(`MNS error without ${field}: ${answer.text}`);
  }
  if (answer.headers['x-mns-request-id'] !== error.RequestId) throw new Error('x-mns-request-id differs from the RequestId');
}

/** BatchReceiveMessage with our signer (docs/alibaba/mns.md#batchreceivemessage). */
export function receiveMessages(
  sandbox: Sandbox,
  queue: string,
  credentials: AlibabaCredentials,
  options: { numOfMessages?: number; waitSeconds?: number } = {},
): Promise<MnsAnswer> {
  const wait = options.waitSeconds !== undefined ? `&waitseconds=${options.waitSeconds}` : '';
  return mnsRequest(sandbox, {
    method: 'GET',
    resource: `/queues/${queue}/messages?numOfMessages=${options.numOfMessages ?? 16}${wait}`,
    credentials,
  });
}

/** The `<ReceiptHandles>` body of docs/alibaba/mns.md#batchdeletemessage. */
export function receiptHandlesXml(handles: readonly string[]): string {
  const items = handles.map((handle) => `<ReceiptHandle>${handle}</ReceiptHandle>`).join('');
  return `<?xml version="1.0" encoding="UTF-8"?><ReceiptHandles xmlns="http://mns.aliyuncs.com/doc/v1/">${items}</ReceiptHandles>`;
}

/** BatchDeleteMessage with our signer (docs/alibaba/mns.md#batchdeletemessage). */
export function deleteMessages(sandbox: Sandbox, queue: string, credentials: AlibabaCredentials, handles: readonly string[]): Promise<MnsAnswer> {
  return mnsRequest(sandbox, { method: 'DELETE', resource: `/queues/${queue}/messages`, credentials, body: receiptHandlesXml(handles) });
}

/** docs/alibaba/receipts.md#body-encoding: Base64 of the receipt JSON. */
export function decodeReceipt(body: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(body, 'base64').toString('utf8')) as Record<string, unknown>;
}

/** `@alicloud/mns` 1.2.0 (`new MNSClient(accountId, opts)`), as far as these tests use it. */
export interface OfficialMnsClient {
  batchReceiveMessage(queue: string, numOfMessages: number, waitSeconds?: number): Promise<{ code: number; body: any }>;
  batchDeleteMessage(queue: string, handles: string[]): Promise<{ code: number; body: any }>;
  deleteMessage(queue: string, handle: string): Promise<{ code: number; body: any }>;
  receiveMessage(queue: string, waitSeconds?: number): Promise<{ code: number; body: any }>;
}
type MnsClientCtor = new (
  accountId: string,
  opts: { endpoint: string; accessKeyId: string; accessKeySecret: string; securityToken?: string },
) => OfficialMnsClient;

/** The Alicom MNS account id (docs/alibaba/rpc.md#endpoints); @alicloud/mns needs one even with a custom endpoint. */
export const ALICOM_MNS_ACCOUNT = '1943695596114318';

/** `@alicloud/mns` pointed at the sandbox's MNS origin with a custom endpoint and the token's STS credentials. */
export function officialMnsClient(sandbox: Sandbox, credentials: AlibabaCredentials): OfficialMnsClient {
  const MNSClient = requireHere('@alicloud/mns') as MnsClientCtor;
  return new MNSClient(ALICOM_MNS_ACCOUNT, {
    endpoint: sandbox.mnsUrl,
    accessKeyId: credentials.accessKeyId,
    accessKeySecret: credentials.accessKeySecret,
    ...(credentials.securityToken !== undefined ? { securityToken: credentials.securityToken } : {}),
  });
}

/** Valid parameters of each placing action but its CalledNumber, as a test places them (wire names). */
export const PLACE: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  SingleCallByTts: { TtsCode: 'TTS_123456789', CalledShowNumber: '057100000000' },
  SingleCallByVoice: { VoiceCode: 'hello.wav', CalledShowNumber: '057100000000' },
  IvrCall: { CalledShowNumber: '057100000000', StartCode: 'TTS_10001' },
  ClickToDial: { CallerShowNumber: '057100000001', CallerNumber: '13800138001', CalledShowNumber: '057100000000' },
  SmartCall: { CalledShowNumber: '057100000000', VoiceCode: 'a.wav' },
};
