/**
 * What Alibaba says of an attempt whose receipts never came (docs/call-requests.md#nothing-is-stuck):
 * QueryCallDetailByCallId's `state` is a receipt status code (docs/alibaba/actions.md#querycalldetailbycallid),
 * read with the same table as the receipts (shared/calls/status.ts).
 */
import type { CallDetail, VoiceApi } from '../alibaba/voiceApi.ts';
import { queryDatesFor } from '../calls/queryDate.ts';
import { statusForReceipt } from '../calls/status.ts';
import { PROD_ID_BY_CALL_TYPE } from '../calls/wire.ts';
import type { Attempt, AttemptStatus, CallRequest } from './model.ts';

/** The attempt's final call status from Alibaba's call detail; undefined when Alibaba has none (or no product id exists to ask with). */
export async function attemptOutcomeFromAlibaba(
  attempt: Attempt & { callId: string },
  request: CallRequest,
  deps: { voice: Pick<VoiceApi, 'queryCallDetail'>; deadline: number },
): Promise<AttemptStatus | undefined> {
  const prodId = PROD_ID_BY_CALL_TYPE[request.call.type];
  if (prodId === undefined || attempt.placedAt === undefined) return undefined;
  let detail: CallDetail | null = null;
  for (const queryDate of queryDatesFor(attempt.placedAt)) {
    ({ detail } = await deps.voice.queryCallDetail({ callId: attempt.callId, prodId, queryDate }, { deadline: deps.deadline }));
    if (detail !== null) break;
  }
  if (detail === null || typeof detail.state !== 'string' || detail.state === '') return undefined;
  const duration = typeof detail.duration === 'number' ? detail.duration : Number(detail.duration);
  return statusForReceipt('VoiceReport', { statusCode: detail.state, ...(Number.isFinite(duration) ? { duration } : {}) });
}
