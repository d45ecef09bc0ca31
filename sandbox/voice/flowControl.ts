/**
 * Per called-number flow control on call-placing actions (docs/alibaba/actions.md "1 per minute, 5 per hour, 20
 * per 24 h", docs/alibaba/errors.md#voice-business-codes `isv.BUSINESS_LIMIT_CONTROL`). Only accepted calls count ("counting starts at the
 * first successful call"); the counter is shared by every call-placing action.
 */
import { businessError } from '../rpc/errors.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Longest window first, so the answer names the limit that takes longest to clear. */
const WINDOWS = [
  { lengthMs: DAY, limit: 20, label: '天级' },
  { lengthMs: HOUR, limit: 5, label: '小时级' },
  { lengthMs: MINUTE, limit: 1, label: '分钟级' },
] as const;

export class FlowControl {
  private readonly history = new Map<string, number[]>();

  constructor(public enabled: boolean) {}

  /** Throws isv.BUSINESS_LIMIT_CONTROL if one more call to `number` now breaks a window. */
  check(number: string, now: number): void {
    if (!this.enabled) return;
    const calls = this.recent(number, now);
    for (const window of WINDOWS) {
      const inWindow = calls.filter((at) => at > now - window.lengthMs).length;
      if (inWindow >= window.limit) {
        // Alibaba's wording, e.g. 触发号码天级流控Permits:20.
        throw businessError('isv.BUSINESS_LIMIT_CONTROL', `触发号码${window.label}流控Permits:${window.limit}`);
      }
    }
  }

  /** Counts an accepted call. Nothing is counted while disabled: "off" means no flow control at all. */
  record(number: string, now: number): void {
    if (!this.enabled) return;
    this.history.set(number, [...this.recent(number, now), now]);
  }

  clear(): void {
    this.history.clear();
  }

  private recent(number: string, now: number): number[] {
    return (this.history.get(number) ?? []).filter((at) => at > now - DAY);
  }
}
