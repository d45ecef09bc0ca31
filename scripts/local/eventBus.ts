/**
 * A local EventBridge PutEvents endpoint for `npm start` and the tests (there is no EventBridge
 * emulator here). It speaks the AWS JSON 1.1 protocol the official @aws-sdk/client-eventbridge uses
 * (`POST /`, `X-Amz-Target: AWSEvents.PutEvents`), checks requests the way EventBridge does (1-10
 * entries, 256 KB, required fields, Detail a JSON object), answers with EventIds or per-entry errors,
 * keeps every accepted event in memory as a rule target would receive it, prints one line per event
 * and serves them at `GET /events` (`DELETE /events` forgets them).
 *
 * Signatures are not checked: locally any key is accepted, as with DynamoDB Local.
 */
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { closeServer, createBufferedServer, listen, sendJson, signingRegion, type BufferedRequest } from './http.ts';

/** The event as EventBridge delivers it to a rule's target. */
export interface BusEvent {
  version: '0';
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: Record<string, unknown>;
}

/** One PutEvents request as received (for tests: batching and size rules). */
export interface BusRequest {
  entries: number;
  bytes: number;
  eventBusNames: string[];
  /** What the bus answered: accepted entries, failed entries, or a whole-request error. */
  outcome: { accepted: number; failed: number } | { error: string };
}

/**
 * Test hooks. `entries`: the next `count` entries (those `match` accepts, when given) fail with
 * `errorCode` (default `InternalFailure`, which EventBridge documents as retryable). `requests`: the
 * next `count` PutEvents requests fail as a whole with `status` and `code` (default 500 `InternalException`).
 */
export type BusFault =
  | { kind: 'entries'; count: number; errorCode?: string; match?: (entry: { source: string; detailType: string; detail: Record<string, unknown> }) => boolean }
  | { kind: 'requests'; count: number; status?: number; code?: string };

export interface LocalEventBus {
  /** Origin to use as EVENTBRIDGE_ENDPOINT. */
  url: string;
  port: number;
  /** Accepted events, oldest first. */
  events(): BusEvent[];
  requests(): BusRequest[];
  inject(fault: BusFault): void;
  clear(): void;
  close(): Promise<void>;
}

export interface LocalEventBusOptions {
  port?: number;
  host?: string;
  /** Where the one line per event goes; default stdout. */
  print?: (line: string) => void;
}

/** EventBridge quotas: 1-10 entries, 256 KB of entries a request (the limit this bundle keeps). */
const MAX_ENTRIES = 10;
const MAX_REQUEST_BYTES = 256 * 1024;
/** A request body far above any valid PutEvents request is refused before it is buffered. */
const MAX_BODY_BYTES = 4 * 1024 * 1024;
const LOCAL_ACCOUNT = '000000000000';
const JSON_11 = 'application/x-amz-json-1.1';

interface RequestEntry {
  Source?: unknown;
  DetailType?: unknown;
  Detail?: unknown;
  EventBusName?: unknown;
  Time?: unknown;
  Resources?: unknown;
}

type EntryResult = { EventId: string } | { ErrorCode: string; ErrorMessage: string };

/** Starts the bus on 127.0.0.1 (`port` 0 picks a free one). */
export async function startLocalEventBus(options: LocalEventBusOptions = {}): Promise<LocalEventBus> {
  const print = options.print ?? ((line: string) => console.log(line));
  let events: BusEvent[] = [];
  let requests: BusRequest[] = [];
  const faults: BusFault[] = [];

  const takeFault = (kind: BusFault['kind'], entry?: { source: string; detailType: string; detail: Record<string, unknown> }): BusFault | undefined => {
    const fault = faults.find(
      (candidate) => candidate.kind === kind && candidate.count > 0 && (candidate.kind !== 'entries' || !candidate.match || (entry !== undefined && candidate.match(entry))),
    );
    if (!fault) return undefined;
    fault.count--;
    return fault;
  };

  const putEvents = (request: BufferedRequest, response: ServerResponse): void => {
    let input: { Entries?: unknown };
    try {
      input = JSON.parse(request.body) as { Entries?: unknown };
    } catch {
      return sendError(response, 400, 'SerializationException', 'Start of structure or map found where not expected.');
    }
    const entries = Array.isArray(input?.Entries) ? (input.Entries as RequestEntry[]) : undefined;
    if (!entries || entries.length === 0 || entries.length > MAX_ENTRIES) {
      const count = entries?.length ?? 0;
      requests.push({ entries: count, bytes: 0, eventBusNames: [], outcome: { error: 'ValidationException' } });
      return sendError(
        response,
        400,
        'ValidationException',
        `1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length ${count === 0 ? 'greater than or equal to 1' : `less than or equal to ${MAX_ENTRIES}`}`,
      );
    }
    const bytes = entries.reduce((total, entry) => total + entrySize(entry), 0);
    const record: BusRequest = {
      entries: entries.length,
      bytes,
      eventBusNames: [...new Set(entries.map((entry) => (typeof entry.EventBusName === 'string' ? entry.EventBusName : 'default')))],
      outcome: { accepted: 0, failed: 0 },
    };
    requests.push(record);
    if (bytes > MAX_REQUEST_BYTES) {
      record.outcome = { error: 'ValidationException' };
      return sendError(response, 400, 'ValidationException', 'Total size of the entries in the request is over the limit.');
    }
    const requestFault = takeFault('requests') as Extract<BusFault, { kind: 'requests' }> | undefined;
    if (requestFault) {
      const code = requestFault.code ?? 'InternalException';
      record.outcome = { error: code };
      return sendError(response, requestFault.status ?? 500, code, 'Injected failure (local event bus test hook).');
    }

    const region = signingRegion(request.headers, 'events', 'us-east-1');
    const results: EntryResult[] = entries.map((entry) => {
      const problem = entryProblem(entry);
      if (problem) return problem;
      const detail = JSON.parse(entry.Detail as string) as Record<string, unknown>;
      const entryFault = takeFault('entries', { source: entry.Source as string, detailType: entry.DetailType as string, detail }) as
        | Extract<BusFault, { kind: 'entries' }>
        | undefined;
      if (entryFault) return { ErrorCode: entryFault.errorCode ?? 'InternalFailure', ErrorMessage: 'Injected failure (local event bus test hook).' };
      const event: BusEvent = {
        version: '0',
        id: randomUUID(),
        'detail-type': entry.DetailType as string,
        source: entry.Source as string,
        account: LOCAL_ACCOUNT,
        time: eventTime(entry.Time),
        region,
        resources: Array.isArray(entry.Resources) ? entry.Resources.filter((value): value is string => typeof value === 'string') : [],
        detail,
      };
      events.push(event);
      print(describeEvent(event));
      return { EventId: event.id };
    });
    const failed = results.filter((result) => 'ErrorCode' in result).length;
    record.outcome = { accepted: results.length - failed, failed };
    sendJson(response, 200, JSON_11, { FailedEntryCount: failed, Entries: results });
  };

  const server = createBufferedServer(MAX_BODY_BYTES, (request, response) => {
    if (request.method === 'GET' && request.path === '/events') return sendJson(response, 200, 'application/json', events);
    if (request.method === 'DELETE' && request.path === '/events') {
      events = [];
      return sendJson(response, 204, undefined, undefined);
    }
    if (request.method === 'POST' && request.path === '/') {
      if (request.tooLarge) return sendError(response, 413, 'ValidationException', 'Request is too large.');
      const target = request.headers['x-amz-target'];
      if (target === 'AWSEvents.PutEvents') return putEvents(request, response);
      return sendError(response, 400, 'UnknownOperationException', `The local event bus implements only AWSEvents.PutEvents, not ${String(target)}.`);
    }
    sendJson(response, 404, 'application/json', { message: 'Not found: POST / (PutEvents), GET /events, DELETE /events' });
  });

  const { url, port } = await listen(server, options.port, options.host);
  return {
    url,
    port,
    events: () => [...events],
    requests: () => [...requests],
    inject: (fault) => faults.push({ ...fault }),
    clear: () => {
      events = [];
      requests = [];
      faults.length = 0;
    },
    close: () => closeServer(server),
  };
}

/** EventBridge's per-entry checks; undefined when the entry is acceptable. */
function entryProblem(entry: RequestEntry): EntryResult | undefined {
  for (const field of ['Source', 'DetailType', 'Detail'] as const) {
    if (typeof entry[field] !== 'string' || entry[field] === '') {
      return { ErrorCode: 'InvalidArgument', ErrorMessage: `Parameter ${field} is not valid. Reason: ${field} is a required argument.` };
    }
  }
  let detail: unknown;
  try {
    detail = JSON.parse(entry.Detail as string);
  } catch {
    return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
  }
  if (detail === null || typeof detail !== 'object' || Array.isArray(detail)) return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
  return undefined;
}

/** As EventBridge counts it: 14 bytes for Time when set, plus Source, DetailType, Detail and Resources. */
function entrySize(entry: RequestEntry): number {
  const bytes = (value: unknown) => (typeof value === 'string' ? Buffer.byteLength(value) : 0);
  const resources = Array.isArray(entry.Resources) ? entry.Resources.reduce((total: number, resource) => total + bytes(resource), 0) : 0;
  return (entry.Time === undefined || entry.Time === null ? 0 : 14) + bytes(entry.Source) + bytes(entry.DetailType) + bytes(entry.Detail) + resources;
}

/** The SDK sends Time as epoch seconds (AWS JSON timestamps); events carry it to the second, as EventBridge's do. */
function eventTime(value: unknown): string {
  const ms = typeof value === 'number' ? value * 1000 : typeof value === 'string' ? Date.parse(value) : Date.now();
  const date = new Date(Number.isFinite(ms) ? ms : Date.now());
  return `${date.toISOString().slice(0, 19)}Z`;
}

/** One line per event: its type and the ids that identify it, never the receipt's content (phone numbers). */
function describeEvent(event: BusEvent): string {
  const detail = event.detail;
  const fields = ['callId', 'messageType', 'previousStatus', 'status']
    .filter((name) => typeof detail[name] === 'string')
    .map((name) => `${name}=${String(detail[name])}`);
  return `[event-bus] ${event.time} ${event.source} "${event['detail-type']}" ${fields.join(' ')}`.trimEnd();
}

/** An AWS JSON 1.1 error: the SDK names the exception after `__type`. */
function sendError(response: ServerResponse, status: number, code: string, message: string): void {
  sendJson(response, status, JSON_11, { __type: code, message }, { 'x-amzn-errortype': code });
}
