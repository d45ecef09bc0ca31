/**
 * The MNS queue client for Alicom receipt queues (docs/alibaba/mns.md): BatchReceiveMessage with long polling
 * and BatchDeleteMessage with partial failures, signed with the shared MNS signer (docs/alibaba/signatures.md#mns-signature) and
 * sent over the shared keep-alive pool. Transient failures are retried with backoff within the
 * deadline; anything else is thrown as an MnsError for the caller to decide (token refresh, loud stop).
 */
import { MnsError } from '../errors.ts';
import { poolFor } from '../alibaba/pool.ts';
import { retryWithBackoff, type BackoffPolicy } from '../retry.ts';
import { signMnsRequest, type AlibabaCredentials } from '../signing/index.ts';
import { classifyMnsFailure, MESSAGE_NOT_EXIST } from './mnsErrors.ts';
import { parseDeleteFailures, parseErrorDocument, parseReceiveResponse, type MnsDeleteFailure, type MnsMessage } from './mnsAnswerXml.ts';
import { buildDeleteBody } from './mnsRequestXml.ts';

export type { MnsDeleteFailure, MnsMessage } from './mnsAnswerXml.ts';

/** docs/alibaba/mns.md#batchreceivemessage: at most 16 messages per BatchReceiveMessage. */
export const MAX_MESSAGES_PER_RECEIVE = 16;
/** docs/alibaba/mns.md#batchreceivemessage: long-poll wait 0–30 s. */
export const MAX_WAIT_SECONDS = 30;
/** docs/alibaba/mns.md#batchreceivemessage: the HTTP timeout must exceed the long-poll wait; this is how much longer it is. */
export const RECEIVE_HTTP_MARGIN_MS = 3_000;
/** Budget of one BatchDeleteMessage attempt (a small body, a 204 answer). */
export const DELETE_TIMEOUT_MS = 5_000;
/** Attempts per receive/delete, the first included; only transient failures use the others. */
export const DEFAULT_MAX_ATTEMPTS = 3;
/** Backoff between attempts (full jitter, shared/retry.ts). */
export const DEFAULT_BACKOFF_BASE_MS = 200;
export const DEFAULT_BACKOFF_CAP_MS = 2_000;
/** An attempt with less time than this before the deadline is not started. */
export const MIN_ATTEMPT_MS = 250;
/** 16 messages of at most 64 KB each, Base64-encoded, plus XML: far below this. A larger answer is not MNS's. */
const MAX_RESPONSE_BYTES = 8 * 1024 * 1024;
/** docs/alibaba/mns.md#headers/docs/alibaba/mns.md#batchdeletemessage: the body type signed and sent; no Content-MD5 (optional, and its format is disputed, docs/alibaba/README.md#what-is-not-verified). */
const XML_CONTENT_TYPE = 'text/xml';

export interface MnsClientOptions {
  maxAttempts?: number;
  backoffBaseMs?: number;
  backoffCapMs?: number;
}

export interface ReceiveOptions {
  /** 1–16 (docs/alibaba/mns.md#batchreceivemessage). Default 16. */
  max?: number;
  /** Long-poll wait, 0–30 s (docs/alibaba/mns.md#batchreceivemessage). Shortened when the deadline would cut the poll. Default 0. */
  waitSeconds?: number;
  /** Absolute epoch ms: no attempt, wait or backoff goes past it. */
  deadline?: number;
}

export interface DeleteOptions {
  deadline?: number;
}

export interface DeleteResult {
  /** Handles MNS did not delete (docs/alibaba/mns.md#batchdeletemessage); the rest were. Their messages will be redelivered. */
  failed: MnsDeleteFailure[];
}

type Operation = 'BatchReceiveMessage' | 'BatchDeleteMessage';

interface HttpAnswer {
  status: number;
  text: string;
  requestId?: string;
}

/**
 * Receives and deletes messages of one MNS account (the fixed Alicom account, docs/alibaba/rpc.md#endpoints, or the sandbox).
 *
 * @example
 * const mns = new MnsQueueClient(config.mnsEndpoint);
 * const messages = await mns.receive(queue, token, { max: 16, waitSeconds: 1, deadline });
 * const { failed } = await mns.delete(queue, token, messages.map((m) => m.receiptHandle), { deadline });
 */
export class MnsQueueClient {
  readonly origin: string;
  private readonly maxAttempts: number;
  private readonly backoff: BackoffPolicy;

  constructor(endpoint: string, options: MnsClientOptions = {}) {
    const url = new URL(endpoint);
    if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.pathname !== '/' || url.search) {
      throw new TypeError(`MnsQueueClient endpoint must be an http(s) origin, got "${endpoint}"`);
    }
    this.origin = url.origin;
    this.maxAttempts = Math.max(1, Math.floor(options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS));
    this.backoff = {
      baseMs: Math.max(0, options.backoffBaseMs ?? DEFAULT_BACKOFF_BASE_MS),
      capMs: Math.max(0, options.backoffCapMs ?? DEFAULT_BACKOFF_CAP_MS),
    };
  }

  /**
   * docs/alibaba/mns.md#batchreceivemessage BatchReceiveMessage. Resolves with the messages, or [] when the queue is empty
   * (404 MessageNotExist is "empty", not a failure). Throws MnsError otherwise.
   */
  async receive(queue: string, credentials: AlibabaCredentials, options: ReceiveOptions = {}): Promise<MnsMessage[]> {
    const max = clampInteger(options.max ?? MAX_MESSAGES_PER_RECEIVE, 1, MAX_MESSAGES_PER_RECEIVE);
    const requestedWait = clampInteger(options.waitSeconds ?? 0, 0, MAX_WAIT_SECONDS);
    const deadline = options.deadline ?? Number.POSITIVE_INFINITY;
    return this.withRetries('BatchReceiveMessage', queue, deadline, async () => {
      // The HTTP timeout stays RECEIVE_HTTP_MARGIN_MS above the wait (docs/alibaba/mns.md#batchreceivemessage); near the deadline
      // the wait shrinks instead, so MNS answers before we give up on it.
      const remaining = deadline - Date.now();
      const waitSeconds = Math.max(0, Math.min(requestedWait, Math.floor((remaining - RECEIVE_HTTP_MARGIN_MS) / 1000)));
      // Query names are case-sensitive (docs/alibaba/signatures.md#mns-signature, docs/alibaba/known-issues.md: `WaitSeconds` breaks receiving).
      const resource = `${queuePath(queue)}/messages?numOfMessages=${max}&waitseconds=${waitSeconds}`;
      const timeoutMs = Math.min(waitSeconds * 1000 + RECEIVE_HTTP_MARGIN_MS, remaining);
      const answer = await this.send('BatchReceiveMessage', queue, 'GET', resource, credentials, undefined, timeoutMs);
      if (answer.status === 200) {
        try {
          return parseReceiveResponse(answer.text);
        } catch (error) {
          throw new MnsError('transient', 'MalformedResponse', `BatchReceiveMessage on ${queue}: unreadable answer`, {
            operation: 'BatchReceiveMessage',
            queue,
            httpStatus: answer.status,
            requestId: answer.requestId,
            cause: error,
          });
        }
      }
      const error = errorFrom('BatchReceiveMessage', queue, answer);
      if (error.code === MESSAGE_NOT_EXIST) return [];
      throw error;
    });
  }

  /**
   * docs/alibaba/mns.md#batchdeletemessage BatchDeleteMessage for up to 16 handles. 204 → nothing failed; 404 `<Errors>` → the
   * listed handles failed (the rest were deleted); a whole-request `<Error>` → MnsError.
   */
  async delete(queue: string, credentials: AlibabaCredentials, receiptHandles: readonly string[], options: DeleteOptions = {}): Promise<DeleteResult> {
    if (receiptHandles.length === 0) return { failed: [] };
    if (receiptHandles.length > MAX_MESSAGES_PER_RECEIVE) {
      throw new RangeError(`BatchDeleteMessage takes at most ${MAX_MESSAGES_PER_RECEIVE} handles, got ${receiptHandles.length}`);
    }
    const deadline = options.deadline ?? Number.POSITIVE_INFINITY;
    const body = buildDeleteBody(receiptHandles);
    const resource = `${queuePath(queue)}/messages`;
    return this.withRetries('BatchDeleteMessage', queue, deadline, async () => {
      const timeoutMs = Math.min(DELETE_TIMEOUT_MS, deadline - Date.now());
      const answer = await this.send('BatchDeleteMessage', queue, 'DELETE', resource, credentials, body, timeoutMs);
      if (answer.status >= 200 && answer.status < 300) return { failed: [] };
      if (answer.status === 404) {
        const failed = parseDeleteFailures(answer.text);
        if (failed) return { failed };
      }
      throw errorFrom('BatchDeleteMessage', queue, answer);
    });
  }

  /** Transient failures are tried again (shared/retry.ts); any other MnsError, or the last one, is thrown. */
  private withRetries<T>(operation: Operation, queue: string, deadline: number, attempt: () => Promise<T>): Promise<T> {
    return retryWithBackoff<T, MnsError>(
      async () => {
        try {
          return { ok: true, value: await attempt() };
        } catch (error) {
          if (!(error instanceof MnsError)) throw error;
          return { ok: false, error, retryable: error.kind === 'transient' };
        }
      },
      {
        maxAttempts: this.maxAttempts,
        backoff: this.backoff,
        deadline,
        minAttemptMs: MIN_ATTEMPT_MS,
        deadlineError: (_attempts, last) => deadlineError(operation, queue, last),
      },
    );
  }

  /** One signed request (docs/alibaba/mns.md#headers/docs/alibaba/signatures.md#mns-signature): fresh Date every attempt; transport failures become transient MnsErrors. */
  private async send(
    operation: Operation,
    queue: string,
    method: 'GET' | 'DELETE',
    resource: string,
    credentials: AlibabaCredentials,
    body: string | undefined,
    timeoutMs: number,
  ): Promise<HttpAnswer> {
    const headers = signMnsRequest({
      method,
      resource,
      credentials,
      ...(body === undefined ? {} : { contentType: XML_CONTENT_TYPE }),
    });
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort(new Error(`no complete answer within ${Math.round(timeoutMs)} ms`));
    }, Math.max(1, timeoutMs));
    try {
      const response = await poolFor(this.origin).request({
        path: resource,
        method,
        headers,
        body,
        signal: controller.signal,
        // Our timer decides; undici's own defaults (300 s) stay out of the way of long polls.
        headersTimeout: 0,
        bodyTimeout: 0,
        // BatchDeleteMessage is a DELETE whose body MNS reads (docs/alibaba/mns.md#batchdeletemessage). undici closes a
        // connection after any body sent on a DELETE unless told the server expects it, which made
        // every delete cost the next request a new TCP (and TLS) connection to MNS.
        ...(method === 'DELETE' && body !== undefined ? { reset: false } : {}),
      });
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of response.body) {
        size += (chunk as Buffer).length;
        if (size > MAX_RESPONSE_BYTES) {
          response.body.destroy();
          throw new MnsError('transient', 'ResponseTooLarge', `${operation} on ${queue}: answer larger than ${MAX_RESPONSE_BYTES} bytes`, {
            operation,
            queue,
            httpStatus: response.statusCode,
          });
        }
        chunks.push(chunk as Buffer);
      }
      const requestId = response.headers['x-mns-request-id'];
      return {
        status: response.statusCode,
        text: Buffer.concat(chunks).toString('utf8'),
        requestId: Array.isArray(requestId) ? requestId[0] : requestId,
      };
    } catch (error) {
      if (error instanceof MnsError) throw error;
      const code = timedOut ? 'RequestTimeout' : transportCode(error);
      throw new MnsError('transient', code, `${operation} on ${queue}: no answer from ${this.origin} (${code})`, {
        operation,
        queue,
        timedOut,
        cause: error,
      });
    } finally {
      clearTimeout(timer);
    }
  }
}

/** An error answer as an MnsError, classified by its `<Code>` and status (docs/alibaba/mns.md#errors). */
function errorFrom(operation: Operation, queue: string, answer: HttpAnswer): MnsError {
  const document = parseErrorDocument(answer.text);
  const code = document?.code;
  const kind = classifyMnsFailure(code, answer.status);
  const label = code ?? `HTTP${answer.status}`;
  return new MnsError(kind, label, `${operation} on ${queue}: ${label}${document?.message ? ` (${document.message})` : ''}`, {
    operation,
    queue,
    httpStatus: answer.status,
    requestId: document?.requestId ?? answer.requestId,
  });
}

function deadlineError(operation: Operation, queue: string, last: MnsError | undefined): MnsError {
  if (last) {
    return new MnsError(last.kind, last.code, `${last.message} (gave up at the deadline)`, { ...last.details, timedOut: true, cause: last });
  }
  return new MnsError('transient', 'DeadlineExceeded', `${operation} on ${queue}: no time left before the deadline`, {
    operation,
    queue,
    timedOut: true,
  });
}

function queuePath(queue: string): string {
  return `/queues/${encodeURIComponent(queue)}`;
}

function transportCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code !== '') return code;
  const name = (error as { name?: unknown } | null)?.name;
  return typeof name === 'string' && name !== '' ? name : 'TransportError';
}

function clampInteger(value: number, min: number, max: number): number {
  if (!Number.isFinite(value)) return min;
  return Math.min(max, Math.max(min, Math.floor(value)));
}
