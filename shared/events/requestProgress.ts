/**
 * The calls table's stream moving call requests on (docs/call-requests.md#how-a-request-moves): an
 * attempt's call changing status (the call item, which carries its request id and attempt), and a
 * key pressed during it (a VoiceCallReport `300000` with `dtmf`, or a VoiceReport's `dtmf`), are
 * handed to the request (shared/callRequests/progress.ts recordProgress), which succeeds, redials
 * or ends. The receipts of a call reach it in stream order, and a request's changes are applied one
 * at a time; requests move side by side.
 */
import type { AttributeValue, DynamoDBRecord } from 'aws-lambda';
import type { AttributeValue as StoreAttributeValue } from '@aws-sdk/client-dynamodb';
import { recordProgress } from '../callRequests/progress.ts';
import type { AttemptStatus } from '../callRequests/model.ts';
import type { CallRequestDependencies } from '../callRequests/writes.ts';
import { isCallStatus } from '../calls/status.ts';
import { runLimited } from '../concurrency.ts';
import { errorName } from '../awsSdk.ts';
import { unmarshallItem } from '../store/items.ts';
import { parseKey } from '../store/keys.ts';
import { nonEmptyText } from '../text.ts';
import type { PublishFailure } from './eventBridgePublisher.ts';

/** The receipt status code of a key press (docs/alibaba/receipts.md#status-codes). */
const KEY_PRESS_CODE = '300000';
/** Requests moved at once. */
const CONCURRENCY = 8;
/** No update is started with less time than this before the deadline. */
const MIN_REQUEST_MS = 500;

/** What the stream processor needs to move requests: the request store and scheduler, and where a call's request is found. */
export interface RequestProgressDependencies extends CallRequestDependencies {
  callRequestOf(callId: string): Promise<{ requestId: string; attempt: number } | undefined>;
}

/** One piece of news for a request's attempt. */
interface Progress {
  index: number;
  callId: string;
  /** Known from the call item; looked up for a key press. */
  tag?: { requestId: string; attempt: number };
  status?: AttemptStatus;
  dtmf?: string;
}

/** The news a stream record carries for a call request, if any. */
export function progressFromRecord(record: DynamoDBRecord, index: number): Progress | undefined {
  if (record.eventName !== 'INSERT' && record.eventName !== 'MODIFY') return undefined;
  const key = parseKey(record.dynamodb?.Keys?.pk?.S, record.dynamodb?.Keys?.sk?.S);
  if (key.kind === 'call') {
    const item = image(record.dynamodb?.NewImage);
    const requestId = nonEmptyText(item.callRequestId);
    const attempt = typeof item.attempt === 'number' ? item.attempt : undefined;
    if (requestId === undefined || attempt === undefined || !isCallStatus(item.status)) return undefined;
    const previous = record.eventName === 'MODIFY' ? image(record.dynamodb?.OldImage).status : undefined;
    if (previous === item.status) return undefined;
    return { index, callId: key.callId, tag: { requestId, attempt }, status: item.status };
  }
  if (key.kind === 'receipt' && record.eventName === 'INSERT') {
    const item = image(record.dynamodb?.NewImage);
    const dtmf = nonEmptyText(item.dtmf);
    if (dtmf === undefined) return undefined;
    const isKeyPress = key.messageType === 'VoiceCallReport' && nonEmptyText(item.statusCode) === KEY_PRESS_CODE;
    if (!isKeyPress && key.messageType !== 'VoiceReport') return undefined;
    return { index, callId: key.callId, dtmf };
  }
  return undefined;
}

/**
 * Hands each piece of news in `records` to its request (but those at the indexes in `skip`, already
 * failed and to be delivered again). A failed update fails its record and the later records of the
 * same request, so the stream delivers them again in order.
 */
export async function advanceCallRequests(
  records: readonly DynamoDBRecord[],
  deps: RequestProgressDependencies & { deadline: number },
  skip: ReadonlySet<number> = new Set(),
): Promise<{ advanced: number; failed: Map<number, PublishFailure> }> {
  const failed = new Map<number, PublishFailure>();
  const news = records.flatMap((record, index) => (skip.has(index) ? [] : (progressFromRecord(record, index) ?? [])));
  let advanced = 0;
  // Key presses name only their call: find its request (one read, only for calls with keys pressed).
  await runLimited(news.filter((item) => !item.tag), CONCURRENCY, async (item) => {
    try {
      item.tag = await deps.callRequestOf(item.callId);
    } catch (error) {
      failed.set(item.index, { code: errorName(error), message: 'the call request of a key press could not be read' });
    }
  });
  const byRequest = new Map<string, Progress[]>();
  for (const item of news) {
    if (!item.tag || failed.has(item.index)) continue;
    const chain = byRequest.get(item.tag.requestId) ?? [];
    chain.push(item);
    byRequest.set(item.tag.requestId, chain);
  }
  await runLimited([...byRequest.values()], CONCURRENCY, async (chain) => {
    for (let position = 0; position < chain.length; position++) {
      const item = chain[position]!;
      let failure: PublishFailure | undefined;
      if (Date.now() + MIN_REQUEST_MS > deps.deadline) failure = { code: 'DeadlineExceeded', message: 'no time left to move the call request' };
      else {
        try {
          await recordProgress(item.tag!.requestId, item.tag!.attempt, { callId: item.callId, ...(item.status ? { status: item.status } : {}), ...(item.dtmf ? { dtmf: item.dtmf } : {}) }, deps);
          advanced += 1;
        } catch (error) {
          failure = { code: errorName(error), message: `call request not moved: ${error instanceof Error ? error.message : String(error)}`.slice(0, 500) };
        }
      }
      if (failure) {
        for (const rest of chain.slice(position)) failed.set(rest.index, failure);
        break;
      }
    }
  });
  return { advanced, failed };
}

function image(attributes: Record<string, AttributeValue> | undefined): Record<string, unknown> {
  return attributes ? unmarshallItem(attributes as Record<string, StoreAttributeValue>) : {};
}
