/**
 * One HTTP attempt at Alibaba's RPC endpoint over undici's dispatcher, reported as what happened
 * on the wire (an answer, or a transport failure and whether the request may have been sent). What
 * the answer means is answers.ts's to say; when to try again is rpcClient.ts's.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';
import { TRANSPORT_CODES } from '../errors.ts';

/** RPC envelopes are small; a larger body is not one of Alibaba's and is treated as unreadable. */
const MAX_RESPONSE_BYTES = 1024 * 1024;

/** What one attempt produced at the HTTP level. */
export type AttemptOutcome =
  | { type: 'response'; status: number; headers: IncomingHttpHeaders; body: Buffer; truncated: boolean }
  /** `sent`: undici had started writing the request when it failed, so it may have reached Alibaba. */
  | { type: 'transport'; error: Error; sent: boolean; timedOut: boolean };

/**
 * Dispatches one request and never rejects. `sent` is decided by undici's onRequestStart, which runs
 * right before the request is written to a connected socket: a failure before it (DNS, refused,
 * connect timeout, TLS) certainly sent nothing. A request our timer abandoned before that point is
 * aborted inside onRequestStart, which makes undici skip writing it, so it can never be sent late.
 */
export function dispatchOnce(
  dispatcher: Dispatcher,
  options: Pick<Dispatcher.DispatchOptions, 'path' | 'method' | 'headers' | 'body'>,
  timeoutMs: number,
): Promise<AttemptOutcome> {
  return new Promise((resolve) => {
    let settled = false;
    let controller: Dispatcher.DispatchController | undefined;
    let status = 0;
    let headers: IncomingHttpHeaders = {};
    const chunks: Buffer[] = [];
    let size = 0;
    let truncated = false;

    const finish = (outcome: AttemptOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(outcome);
    };

    const timer = setTimeout(() => {
      const error = new AttemptTimeoutError(timeoutMs);
      finish({ type: 'transport', error, sent: controller !== undefined, timedOut: true });
      controller?.abort(error);
    }, timeoutMs);

    const handler: Dispatcher.DispatchHandler = {
      onRequestStart(started) {
        if (settled) {
          started.abort(new AttemptTimeoutError(timeoutMs));
          return;
        }
        controller = started;
      },
      onResponseStart(_controller, statusCode, responseHeaders) {
        status = statusCode;
        headers = responseHeaders;
      },
      onResponseData(_controller, chunk) {
        if (truncated || size + chunk.length > MAX_RESPONSE_BYTES) {
          truncated = true;
          return;
        }
        chunks.push(chunk);
        size += chunk.length;
      },
      onResponseEnd() {
        finish({ type: 'response', status, headers, body: Buffer.concat(chunks), truncated });
      },
      onResponseError(_controller, error) {
        finish({ type: 'transport', error, sent: controller !== undefined, timedOut: isTimeoutError(error) });
      },
    };

    try {
      dispatcher.dispatch(
        { ...options, headersTimeout: timeoutMs + 1_000, bodyTimeout: timeoutMs + 1_000 },
        handler,
      );
    } catch (error) {
      finish({ type: 'transport', error: asError(error), sent: false, timedOut: false });
    }
  });
}

const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT']);

function isTimeoutError(error: Error): boolean {
  return error instanceof AttemptTimeoutError || TIMEOUT_CODES.has(errorCode(error));
}

/** Node's / undici's error code (`ECONNREFUSED`, `UND_ERR_SOCKET`, ...). */
export function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code !== '' ? code : 'TransportError';
}

function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}

/** Our own per-attempt timer fired (attemptTimeoutMs, or the time left before the deadline). */
export class AttemptTimeoutError extends Error {
  override readonly name = 'AttemptTimeoutError';
  readonly code = TRANSPORT_CODES.attemptTimeout;
  constructor(timeoutMs: number) {
    super(`no complete answer within ${Math.round(timeoutMs)} ms`);
  }
}

