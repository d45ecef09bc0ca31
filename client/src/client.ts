import { createAuthoriser, regionOf, type Auth, type Authoriser, type AwsCredentials, type AwsCredentialsProvider } from './auth.js';
import { VoiceApiError, VoiceApiNetworkError, type RequestFacts } from './errors.js';
import { DEFAULT_RETRY, parseRetryAfter, retryDelayMs, type AttemptFailure, type RetryKind, type RetryOptions } from './retry.js';
import type { Call, CallRequest, CallRequestCancelResult, CancelResult, CreateCallRequest, GetCallQuery, OperationId, PlaceCallRequest, PlacedCall, Problem, SuccessBody, paths } from './types.js';

export interface ClientOptions {
  /** Where the API is: `http://127.0.0.1:3000` (npm start), `https://{apiId}.execute-api.{region}.amazonaws.com`, or a custom domain with its base path. */
  baseUrl: string | URL;
  /** How requests are authorised (see {@link Auth}). */
  auth: Auth;
  /** The region to sign for; default: from an execute-api URL, else AWS_REGION. */
  region?: string;
  /** Credentials to sign with; default: the AWS SDK's default chain (environment, profiles, SSO, container, instance). */
  credentials?: AwsCredentials | AwsCredentialsProvider;
  /** What is retried and how long is waited (see {@link retryDelayMs}); `false` sends every request once. */
  retry?: RetryOptions | false;
  /** Budget of one attempt, from sending to the whole body read. Default 30,000 ms (API Gateway's own limit is 30 s). */
  attemptTimeoutMs?: number;
  /** The fetch to send with (default: the global one). */
  fetch?: typeof globalThis.fetch;
}

export interface RequestOptions {
  /** Aborts the operation, also while it waits between attempts. */
  signal?: AbortSignal;
}

export interface PlaceCallOptions extends RequestOptions {
  /**
   * The Idempotency-Key (1-64 printable ASCII) of a placement or a new call request. Default: a new
   * random UUID per placeCall() or createCallRequest(). Pass your own to make a retry of yours safe, for example after a
   * VoiceApiNetworkError: send the same body with `error.idempotencyKey`.
   */
  idempotencyKey?: string;
}

/** Where each operation is and how it may be retried; methods and paths are checked against openapi.json's types and by test. */
export const OPERATIONS = {
  placeCall: { method: 'POST', path: '/calls', retry: 'keyed' },
  getCall: { method: 'GET', path: '/calls/{callId}', retry: 'read' },
  cancelCall: { method: 'POST', path: '/calls/{callId}/cancel', retry: 'once' },
  createCallRequest: { method: 'POST', path: '/call-requests', retry: 'keyed' },
  getCallRequest: { method: 'GET', path: '/call-requests/{requestId}', retry: 'read' },
  cancelCallRequest: { method: 'POST', path: '/call-requests/{requestId}/cancel', retry: 'read' },
} as const satisfies { [Id in OperationId]?: OperationSpec };

interface OperationSpec {
  method: 'GET' | 'POST';
  path: keyof paths;
  retry: RetryKind;
}

interface Invocation {
  pathParameters?: Record<string, string>;
  query?: Record<string, string | undefined>;
  body?: unknown;
  idempotencyKey?: string;
  signal?: AbortSignal;
}

const DEFAULT_ATTEMPT_TIMEOUT_MS = 30_000;

/**
 * A client of the aliyun-voice HTTP API, one method per operation (see docs/client.md).
 *
 * @example
 * const voice = createClient({ baseUrl: 'https://abc123.execute-api.eu-west-1.amazonaws.com', auth: 'sigv4' });
 * const placed = await voice.placeCall({ type: 'tts', calledNumber: '13800138000', ttsCode: 'TTS_123456789' });
 * const call = await voice.getCall(placed.callId);
 */
export function createClient(options: ClientOptions): VoiceClient {
  return new VoiceClient(options);
}

export class VoiceClient {
  readonly #baseUrl: URL;
  /** The base URL's path without its trailing slash: `''`, or a custom domain's `/voice`. */
  readonly #basePath: string;
  readonly #authorise: Authoriser;
  readonly #retry: Required<RetryOptions>;
  readonly #attemptTimeoutMs: number;
  readonly #fetch: typeof globalThis.fetch;

  constructor(options: ClientOptions) {
    const baseUrl = new URL(options.baseUrl);
    if (baseUrl.protocol !== 'https:' && baseUrl.protocol !== 'http:') throw new TypeError(`baseUrl must be http(s): ${baseUrl.href}`);
    // The base path (a custom domain's mapping) is kept; operation paths are appended to it.
    this.#basePath = baseUrl.pathname.replace(/\/+$/, '');
    baseUrl.search = '';
    baseUrl.hash = '';
    this.#baseUrl = baseUrl;
    this.#authorise = createAuthoriser(options.auth, { region: options.region ?? regionOf(baseUrl), credentials: options.credentials });
    this.#retry = options.retry === false ? { ...DEFAULT_RETRY, maxAttempts: 1 } : { ...DEFAULT_RETRY, ...options.retry };
    this.#attemptTimeoutMs = options.attemptTimeoutMs ?? DEFAULT_ATTEMPT_TIMEOUT_MS;
    this.#fetch = options.fetch ?? globalThis.fetch;
  }

  /**
   * POST /calls: places a call. Sent with an Idempotency-Key (yours or a new UUID), kept across this
   * method's own retries, so a repeat never places a second call. A 504 whose outcome is unknown is
   * thrown (`error.outcomeUnknown`), never retried.
   */
  placeCall(body: PlaceCallRequest, options: PlaceCallOptions = {}): Promise<PlacedCall> {
    return this.#invoke('placeCall', { body, idempotencyKey: options.idempotencyKey ?? crypto.randomUUID(), signal: options.signal });
  }

  /** GET /calls/{callId}: the call, its receipts and, with `{ live: 'true' }`, Alibaba's live detail. */
  getCall(callId: string, query: GetCallQuery = {}, options: RequestOptions = {}): Promise<Call> {
    return this.#invoke('getCall', { pathParameters: { callId }, query, signal: options.signal });
  }

  /** POST /calls/{callId}/cancel: cancels a click-to-dial call. Retried after a 429 only. */
  cancelCall(callId: string, options: RequestOptions = {}): Promise<CancelResult> {
    return this.#invoke('cancelCall', { pathParameters: { callId }, signal: options.signal });
  }

  /**
   * POST /call-requests: asks for a person to be reached, placed within the times given and
   * redialled until answered or acknowledged (docs/call-requests.md). Sent with an Idempotency-Key
   * (yours or a new UUID) kept across this method's retries, so a repeat returns the same request.
   */
  createCallRequest(body: CreateCallRequest, options: PlaceCallOptions = {}): Promise<CallRequest> {
    return this.#invoke('createCallRequest', { body, idempotencyKey: options.idempotencyKey ?? crypto.randomUUID(), signal: options.signal });
  }

  /** GET /call-requests/{requestId}: the request, its attempts and its next attempt. */
  getCallRequest(requestId: string, options: RequestOptions = {}): Promise<CallRequest> {
    return this.#invoke('getCallRequest', { pathParameters: { requestId }, signal: options.signal });
  }

  /**
   * POST /call-requests/{requestId}/cancel: no further attempt is placed. Cancelling is idempotent
   * (a repeat answers `cancelled: false` with the status), so it is retried like a read.
   */
  cancelCallRequest(requestId: string, options: RequestOptions = {}): Promise<CallRequestCancelResult> {
    return this.#invoke('cancelCallRequest', { pathParameters: { requestId }, signal: options.signal });
  }

  async #invoke<Id extends keyof typeof OPERATIONS>(operation: Id, invocation: Invocation): Promise<SuccessBody<Id>> {
    const spec: OperationSpec = OPERATIONS[operation];
    const url = new URL(this.#baseUrl);
    url.pathname = `${this.#basePath}${expandPath(spec.path, invocation.pathParameters ?? {})}`;
    url.search = encodeQuery(invocation.query ?? {});
    const body = invocation.body === undefined ? undefined : JSON.stringify(invocation.body);
    const headers: Record<string, string> = {
      accept: 'application/json, application/problem+json',
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(invocation.idempotencyKey === undefined ? {} : { 'idempotency-key': invocation.idempotencyKey }),
    };
    const facts = (attempts: number): RequestFacts => ({
      operation,
      attempts,
      ...(invocation.idempotencyKey === undefined ? {} : { idempotencyKey: invocation.idempotencyKey }),
    });

    for (let attempt = 1; ; attempt++) {
      invocation.signal?.throwIfAborted();
      // Outside the attempt: credentials that cannot be had are the caller's to see, not a network failure.
      const authorisation = await this.#authorise({ method: spec.method, url, headers, body });
      let failure: AttemptFailure;
      let error: Error;
      try {
        const response = await this.#send(spec.method, url, { ...headers, ...authorisation }, body, invocation.signal);
        if (response.ok) return response.json as SuccessBody<Id>;
        const retryAfterSeconds = parseRetryAfter(response.headers.get('retry-after'));
        const problem = problemOf(response);
        failure = { kind: 'answer', status: response.status, code: problem.code, retryAfterSeconds };
        error = new VoiceApiError(problem, retryAfterSeconds, facts(attempt));
      } catch (thrown) {
        // The caller's own abort ends the operation; anything else is a failed attempt.
        if (invocation.signal?.aborted) throw invocation.signal.reason;
        failure = { kind: 'network' };
        error = new VoiceApiNetworkError(thrown, facts(attempt));
      }
      const wait = retryDelayMs(failure, spec.retry, attempt, this.#retry);
      if (wait === undefined) throw error;
      await sleep(wait, invocation.signal);
    }
  }

  /** One attempt: sent, and its body read within the attempt's timeout. */
  async #send(method: string, url: URL, headers: Record<string, string>, body: string | undefined, signal: AbortSignal | undefined) {
    const timeout = AbortSignal.timeout(this.#attemptTimeoutMs);
    const response = await this.#fetch(url, {
      method,
      headers,
      ...(body === undefined ? {} : { body }),
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
    const text = await response.text();
    return { ok: response.ok, status: response.status, statusText: response.statusText, headers: response.headers, text, json: parseJson(text) };
  }
}

/** `/calls/{callId}` with `{ callId: '1^2' }` -> `/calls/1%5E2`: each parameter one encoded path segment. */
function expandPath(template: string, parameters: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (_match, name: string) => {
    const value = parameters[name];
    if (typeof value !== 'string' || value === '') throw new TypeError(`path parameter ${name} is required`);
    return encodeRfc3986(value);
  });
}

/**
 * The query string, RFC 3986-encoded (`%20`, never `+`): the form SigV4 canonicalises, so the text
 * sent is the text signed. Undefined values are left out.
 */
function encodeQuery(query: Record<string, string | undefined>): string {
  return Object.entries(query)
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([name, value]) => `${encodeRfc3986(name)}=${encodeRfc3986(value)}`)
    .join('&');
}

function encodeRfc3986(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`);
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * The answer's problem+json body; any other error answer (API Gateway's own `{"message": ...}`, an
 * HTML error page) becomes an `about:blank` problem with code `HTTP_<status>`.
 */
function problemOf(response: { status: number; statusText: string; headers: Headers; text: string; json: unknown }): Problem {
  const json = response.json as Partial<Problem> | undefined;
  const isProblem = /^application\/problem\+json\b/i.test(response.headers.get('content-type') ?? '');
  if (isProblem && json && typeof json === 'object' && typeof json.code === 'string' && typeof json.status === 'number') {
    return json as Problem;
  }
  const message = json && typeof json === 'object' && typeof (json as { message?: unknown }).message === 'string' ? (json as { message: string }).message : undefined;
  return {
    type: 'about:blank',
    title: response.statusText || `HTTP ${response.status}`,
    status: response.status,
    detail: message ?? (response.text.slice(0, 200) || `HTTP ${response.status}`),
    code: `HTTP_${response.status}`,
  };
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
