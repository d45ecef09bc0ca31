/**
 * QueryDate, the day QueryCallDetailByCallId searches (docs/alibaba/actions.md#querycalldetailbycallid),
 * for a call this bundle recorded: GET /calls/{callId}?live=true and the call-request sweep
 * (shared/callRequests/outcomes.ts) both ask Alibaba about a call by its `createdAt`, and Alibaba
 * files the call under its own time, which near China midnight can fall on the other day.
 */
import { CHINA_OFFSET_MS } from '../chinaTime.ts';

/**
 * QueryDate (docs/alibaba/actions.md#querycalldetailbycallid) is epoch ms and Alibaba searches the day from there; the documented example is
 * midnight China time. Midnight (UTC+8) of the call's day covers the call under either reading.
 */
export function chinaDayStart(iso: string): number {
  const chinaMs = Date.parse(iso) + CHINA_OFFSET_MS;
  return chinaMs - (chinaMs % 86_400_000) - CHINA_OFFSET_MS;
}

/**
 * How close to China midnight our `createdAt` must be for Alibaba's own time of the call to fall on
 * the other day. `createdAt` is taken after Alibaba answered, so its time is earlier by the request's
 * duration (one attempt is at most 5 s, rpcClient.ts); the rest covers clock differences generously.
 * A wider margin only costs a second query, and only when the first finds nothing.
 */
export const QUERY_DATE_MARGIN_MS = 5 * 60_000;

/**
 * The QueryDate values (docs/alibaba/actions.md#querycalldetailbycallid) to try, in order, for a call we recorded at `createdAt`: midnight
 * (UTC+8) of its China day, then, within QUERY_DATE_MARGIN_MS of midnight, the neighbouring day's:
 * a call recorded at 00:00:02 may be filed by Alibaba under 23:59:59 of the day before.
 */
export function queryDatesFor(createdAt: string): number[] {
  const at = Date.parse(createdAt);
  const day = chinaDayStart(createdAt);
  const dates = [day];
  if (at - day < QUERY_DATE_MARGIN_MS) dates.push(day - 86_400_000);
  if (day + 86_400_000 - at <= QUERY_DATE_MARGIN_MS) dates.push(day + 86_400_000);
  return dates;
}
