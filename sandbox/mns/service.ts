/**
 * The Alicom MNS account on the sandbox's HTTP server, under `/queues/<name>/messages`
 * (docs/alibaba/mns.md): authenticate, apply injected faults, then receive (long polling, visibility timeout)
 * or delete (batch with partial failures, or single).
 *
 * Receipt-queue credentials permit only receiving and deleting, as the official Alicom demos use
 * them; peeking, sending, ChangeMessageVisibility and queue operations answer 403 AccessDenied
 * (whether Alibaba's token allows more is unverified, docs/alibaba/README.md#what-is-not-verified).
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ReceiptSettings } from '../config.ts';
import type { TokenStore } from '../dybase/tokens.ts';
import { playFault, type FaultQueue, type PendingFault } from '../faults.ts';
import { flattenHeaders } from '../rpc/request.ts';
import type { RequestLog } from '../rpc/requestLog.ts';
import { authenticateMns } from './authenticate.ts';
import {
  accessDenied,
  invalidArgument,
  MESSAGE_NOT_EXIST_MESSAGE,
  messageNotExist,
  MnsError,
  RECEIPT_HANDLE_ERROR_MESSAGE,
  receiptHandleError,
} from './errors.ts';
import type { DeleteOutcome, MessageQueue, ReceivedMessage } from './queue.ts';
import type { ReceiptQueues } from './queues.ts';
import { deleteErrorsXml, errorXml, messagesXml, messageXml, parseReceiptHandles, type HandleError } from './xml.ts';

/** docs/alibaba/mns.md#batchreceivemessage: at most 16 messages per receive, at most 30 s of long polling. */
export const MAX_MESSAGES_PER_REQUEST = 16;
export const MAX_WAIT_SECONDS = 30;

export type MnsOperation = 'BatchReceiveMessage' | 'ReceiveMessage' | 'BatchDeleteMessage' | 'DeleteMessage';

/** A verified MNS request, as `control.mnsRequests()` shows it. */
export interface RecordedMnsRequest {
  requestId: string;
  /** ISO-8601, sandbox clock. */
  receivedAt: string;
  operation: MnsOperation;
  queue: string;
  accessKeyId: string;
  /** Path and query exactly as sent. */
  resource: string;
  /** Deletes: the handles sent. */
  receiptHandles?: string[];
  fault?: { error?: string; latencyMs?: number; drop?: boolean; partial?: boolean };
  /** Absent while in flight (a long poll) and for a dropped connection. */
  response?: {
    httpStatus: number;
    /** `OK`, the error code, or for a partial batch delete the first failed handle's code. */
    code: string;
    /** Receives: how many messages were handed out. */
    received?: number;
    /** Deletes: the handles that failed. */
    failedHandles?: string[];
  };
}

export interface MnsServiceDeps {
  queues: ReceiptQueues;
  tokens: TokenStore;
  faults: FaultQueue;
  /** Read at each request: the visibility timeout can change at run time. */
  settings: Readonly<ReceiptSettings>;
  requestLog: RequestLog<RecordedMnsRequest>;
  now: () => number;
  /** Aborted when the sandbox closes: ends every long poll at once. */
  shutdown: AbortSignal;
}

export type MnsService = (req: IncomingMessage, res: ServerResponse, body: Buffer) => Promise<void>;

const MESSAGES_PATH = /^\/queues\/([^/]+)\/messages$/;

export function createMnsService(deps: MnsServiceDeps): MnsService {
  return async (req, res, body) => {
    const requestId = randomBytes(12).toString('hex').toUpperCase();
    const hostId = `http://${req.headers.host ?? 'localhost'}`;
    const resource = req.url ?? '/';
    const url = new URL(`http://mns${resource}`);
    const method = (req.method ?? 'GET').toUpperCase();
    let record: RecordedMnsRequest | undefined;
    try {
      const token = authenticateMns({ method, resource, headers: flattenHeaders(req), body }, deps.tokens, deps.now());
      const queueName = MESSAGES_PATH.exec(url.pathname)?.[1];
      const operation = queueName !== undefined ? operationOf(method, url, resource) : undefined;
      if (queueName === undefined || operation === undefined) {
        throw accessDenied(`receipt-queue credentials permit only receiving and deleting messages, not ${method} ${url.pathname}.`);
      }
      if (queueName !== token.queueName) {
        throw accessDenied(`these credentials are for queue ${token.queueName}, not ${queueName}.`);
      }
      const queue = deps.queues.byQueueName(token.queueName)!;
      record = deps.requestLog.add({
        requestId,
        receivedAt: new Date(deps.now()).toISOString(),
        operation,
        queue: queue.name,
        accessKeyId: token.accessKeyId,
        resource,
      });

      const fault = deps.faults.takeMns(operation.endsWith('ReceiveMessage') ? 'mns-receive' : 'mns-delete');
      if (fault) {
        record.fault = describeFault(fault);
        const played = await playFault(fault, res, (error) => new MnsError(error.code, error.httpStatus, error.message));
        if (played === 'dropped') return;
      }

      if (operation === 'BatchReceiveMessage' || operation === 'ReceiveMessage') {
        await receive(queue, url, operation === 'BatchReceiveMessage', record, res, requestId);
      } else if (operation === 'DeleteMessage') {
        deleteOne(queue, singleHandleOf(resource)!, fault?.partial === true, record, res, requestId);
      } else {
        deleteBatch(queue, body, fault?.partial === true, record, res, requestId);
      }
    } catch (caught) {
      const error = caught instanceof MnsError ? caught : unexpected(caught);
      if (record) record.response = { httpStatus: error.httpStatus, code: error.code };
      if (res.writableEnded || res.destroyed) return;
      sendXml(res, error.httpStatus, errorXml({ code: error.code, message: error.message, requestId, hostId }), requestId);
    }
  };

  async function receive(
    queue: MessageQueue,
    url: URL,
    batch: boolean,
    record: RecordedMnsRequest,
    res: ServerResponse,
    requestId: string,
  ): Promise<void> {
    const max = batch ? integerParam(url, 'numOfMessages', 1, MAX_MESSAGES_PER_REQUEST) : 1;
    // Omitted: the queue's PollingWaitSeconds, 0 on the sandbox's queues (docs/alibaba/mns.md#batchreceivemessage).
    const waitSeconds = url.searchParams.has('waitseconds') ? integerParam(url, 'waitseconds', 0, MAX_WAIT_SECONDS) : 0;
    const answered = new AbortController();
    res.once('close', () => answered.abort());
    const messages = await receiveWaiting(queue, max, waitSeconds * 1000, AbortSignal.any([answered.signal, deps.shutdown]));
    if (res.destroyed) return;
    if (messages.length === 0) throw messageNotExist();
    record.response = { httpStatus: 200, code: 'OK', received: messages.length };
    sendXml(res, 200, batch ? messagesXml(messages) : messageXml(messages[0]!), requestId);
  }

  /**
   * Long polling (docs/alibaba/mns.md#batchreceivemessage): answers as soon as a message is visible, whether newly enqueued or
   * back from its visibility timeout, or with nothing once `waitMs` has passed.
   */
  async function receiveWaiting(queue: MessageQueue, max: number, waitMs: number, signal: AbortSignal): Promise<ReceivedMessage[]> {
    const deadline = performance.now() + waitMs;
    for (;;) {
      if (signal.aborted) return [];
      const messages = queue.receive(max, deps.now(), deps.settings.visibilityTimeoutMs);
      const left = deadline - performance.now();
      if (messages.length > 0 || left <= 0) return messages;
      const reappears = queue.nextReappearance();
      const wake = reappears === undefined ? left : Math.min(left, Math.max(1, reappears - deps.now()));
      await queue.waitForEnqueue(wake, signal);
    }
  }

  function deleteOne(
    queue: MessageQueue,
    handle: string,
    failing: boolean,
    record: RecordedMnsRequest,
    res: ServerResponse,
    requestId: string,
  ): void {
    record.receiptHandles = [handle];
    const outcome: DeleteOutcome = failing ? 'ReceiptHandleError' : queue.delete(handle, deps.now());
    if (outcome === 'MessageNotExist') throw messageNotExist();
    if (outcome === 'ReceiptHandleError') throw receiptHandleError();
    record.response = { httpStatus: 204, code: 'OK' };
    sendNoContent(res, requestId);
  }

  /** docs/alibaba/mns.md#batchdeletemessage: 204 when every handle worked, else 404 listing only the handles that failed. */
  function deleteBatch(
    queue: MessageQueue,
    body: Buffer,
    partial: boolean,
    record: RecordedMnsRequest,
    res: ServerResponse,
    requestId: string,
  ): void {
    const handles = parseReceiptHandles(body.toString('utf8'));
    record.receiptHandles = handles;
    if (handles.length === 0 || handles.length > MAX_MESSAGES_PER_REQUEST) {
      throw invalidArgument(`The count of ReceiptHandle should be between 1 and ${MAX_MESSAGES_PER_REQUEST}, got ${handles.length}.`);
    }
    const now = deps.now();
    const errors: HandleError[] = [];
    handles.forEach((handle, index) => {
      // An injected partial failure spends the 1st, 3rd, 5th, ... handle and leaves its message alone.
      const outcome: DeleteOutcome = partial && index % 2 === 0 ? 'ReceiptHandleError' : queue.delete(handle, now);
      if (outcome === 'ReceiptHandleError') errors.push({ code: outcome, message: RECEIPT_HANDLE_ERROR_MESSAGE, receiptHandle: handle });
      if (outcome === 'MessageNotExist') errors.push({ code: outcome, message: MESSAGE_NOT_EXIST_MESSAGE, receiptHandle: handle });
    });
    if (errors.length === 0) {
      record.response = { httpStatus: 204, code: 'OK' };
      sendNoContent(res, requestId);
      return;
    }
    record.response = { httpStatus: 404, code: errors[0]!.code, failedHandles: errors.map((error) => error.receiptHandle) };
    sendXml(res, 404, deleteErrorsXml(errors), requestId);
  }
}

/** Which operation a request on `/queues/<name>/messages` is, if one the Alicom token permits. */
function operationOf(method: string, url: URL, resource: string): MnsOperation | undefined {
  if (method === 'GET') {
    if (url.searchParams.has('peekonly')) return undefined;
    return url.searchParams.has('numOfMessages') ? 'BatchReceiveMessage' : 'ReceiveMessage';
  }
  if (method === 'DELETE') return singleHandleOf(resource) !== undefined ? 'DeleteMessage' : 'BatchDeleteMessage';
  return undefined;
}

/**
 * The `ReceiptHandle` (or `receiptHandle`) query parameter, read from the raw query: a `+` stays a
 * `+` (handles are Base64, docs/alibaba/mns.md#batchdeletemessage; @alicloud/mns sends them unescaped), `%XX` is decoded.
 */
function singleHandleOf(resource: string): string | undefined {
  const query = resource.includes('?') ? resource.slice(resource.indexOf('?') + 1) : '';
  for (const pair of query.split('&')) {
    const separator = pair.indexOf('=');
    const name = separator === -1 ? pair : pair.slice(0, separator);
    if (name !== 'ReceiptHandle' && name !== 'receiptHandle') continue;
    const raw = separator === -1 ? '' : pair.slice(separator + 1);
    try {
      return decodeURIComponent(raw);
    } catch {
      return raw;
    }
  }
  return undefined;
}

/** A query parameter that must be a decimal integer in [min, max] (docs/alibaba/mns.md#batchreceivemessage; names are case-sensitive). */
function integerParam(url: URL, name: string, min: number, max: number): number {
  const raw = url.searchParams.get(name) ?? '';
  const value = /^\d{1,9}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(value >= min && value <= max)) throw invalidArgument(`The value of ${name} should be between ${min} and ${max}, got "${raw}".`);
  return value;
}

function describeFault(fault: PendingFault): NonNullable<RecordedMnsRequest['fault']> {
  return {
    ...(fault.error ? { error: fault.error.code } : {}),
    ...(fault.latencyMs > 0 ? { latencyMs: fault.latencyMs } : {}),
    ...(fault.drop ? { drop: true } : {}),
    ...(fault.partial ? { partial: true } : {}),
  };
}

function sendXml(res: ServerResponse, status: number, xml: string, requestId: string): void {
  res.writeHead(status, {
    // @alicloud/mns parses a body only when the content type starts with text/xml.
    'content-type': 'text/xml;charset=utf-8',
    'content-length': Buffer.byteLength(xml),
    'x-mns-request-id': requestId,
  });
  res.end(xml);
}

function sendNoContent(res: ServerResponse, requestId: string): void {
  res.writeHead(204, { 'x-mns-request-id': requestId });
  res.end();
}

/** A sandbox bug must still look like MNS (InternalError, 500), and be visible to its developer. */
function unexpected(caught: unknown): MnsError {
  console.error('[sandbox] unexpected error in the MNS service', caught);
  return new MnsError('InternalError', 500, 'The request processing has failed due to some unknown error.');
}
