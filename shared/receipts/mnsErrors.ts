/**
 * How an MNS error answer is treated, from its `<Code>` and HTTP status (docs/alibaba/mns.md#errors). Data on
 * purpose, like `shared/alibaba/classify.ts`: a code MNS starts sending is a one-line change.
 */
import type { MnsErrorKind } from '../errors.ts';

/**
 * docs/alibaba/mns.md#errors: the temporary receipt token was refused. Expired or stale STS credentials look like
 * this, so the poller refreshes the token once (docs/alibaba/receipts.md#flow step 4) before failing loudly.
 */
export const MNS_AUTH_CODES: readonly string[] = [
  'AccessDenied',
  'AccessDeniedByRamPolicy',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
];

/** docs/alibaba/mns.md#errors: retry with backoff. */
export const MNS_TRANSIENT_CODES: readonly string[] = [
  'InternalError',
  'InternalServerError',
  'QpsLimitExceeded',
  'ServiceUnavailable',
];

/** docs/alibaba/mns.md#errors: wrong queue name, or a clock off by more than MNS accepts. An operator must act. */
export const MNS_CONFIG_CODES: readonly string[] = ['QueueNotExist', 'TimeExpired'];

/**
 * docs/alibaba/mns.md#batchreceivemessage/docs/alibaba/mns.md#errors: "no message" on receive, and a handle whose message is already gone on delete.
 * Never an error for the poller: an empty queue, or a message that will be (or was) redelivered.
 */
export const MESSAGE_NOT_EXIST = 'MessageNotExist';

const KIND_BY_CODE = new Map<string, MnsErrorKind>([
  ...MNS_AUTH_CODES.map((code) => [code, 'auth'] as const),
  ...MNS_TRANSIENT_CODES.map((code) => [code, 'transient'] as const),
  ...MNS_CONFIG_CODES.map((code) => [code, 'config'] as const),
]);

/**
 * Classifies an MNS error answer. A known code decides; otherwise the status does: >= 500, 429 and
 * 408 are transient, 401/403 auth, other 4xx a request-construction bug (MalformedXML,
 * InvalidArgument, Invalid*Header, ... docs/alibaba/mns.md#errors), and a 2xx/3xx that is not the expected answer
 * (an unreadable body, a redirecting proxy) is transient.
 *
 * @example classifyMnsFailure('AccessDenied', 403) // 'auth'
 * @example classifyMnsFailure(undefined, 502) // 'transient'
 */
export function classifyMnsFailure(code: string | undefined, httpStatus: number | undefined): MnsErrorKind {
  const known = code === undefined ? undefined : KIND_BY_CODE.get(code);
  if (known) return known;
  if (httpStatus === undefined || httpStatus >= 500 || httpStatus === 429 || httpStatus === 408) return 'transient';
  if (httpStatus === 401 || httpStatus === 403) return 'auth';
  if (httpStatus >= 400) return 'request';
  return 'transient';
}
