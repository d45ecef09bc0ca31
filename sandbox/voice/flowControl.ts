/**
 * Per called-number flow control on call-placing actions (docs/alibaba/actions.md#per-number-flow-control,
 * docs/alibaba/errors.md#voice-business-codes `isv.BUSINESS_LIMIT_CONTROL`). Only accepted calls count
 * ("counting starts at the first successful call"); the counter is shared by every call-placing
 * action, and a click-to-dial call counts against both numbers the platform dials.
 *
 * The windows are Alibaba's (1/60, 5/3600, 20/86400) unless configured otherwise (sandbox
 * option `flowControlLimits`, SANDBOX_FLOW_CONTROL_LIMITS, the syntax of FLOW_CONTROL_LIMITS), so
 * tests can use windows of seconds.
 */
import { DEFAULT_FLOW_CONTROL_LIMITS, parseFlowControlLimits, type FlowWindow } from '#shared/flowControlLimits';
import { businessError } from '../rpc/errors.ts';

/** Alibaba's names for its windows, as its messages say them (e.g. 触发号码天级流控Permits:20). */
const WINDOW_WORDS: Readonly<Record<number, string>> = { 60: '分钟级', 3_600: '小时级', 86_400: '天级' };

export class FlowControl {
  private readonly history = new Map<string, number[]>();
  /** Longest window first, so the answer names the limit that takes longest to clear. */
  private readonly windows: readonly FlowWindow[];
  private readonly longestMs: number;

  constructor(
    public enabled: boolean,
    limits: string = DEFAULT_FLOW_CONTROL_LIMITS,
  ) {
    this.windows = [...(parseFlowControlLimits(limits) ?? [])].sort((a, b) => b.seconds - a.seconds);
    this.longestMs = Math.max(0, ...this.windows.map((window) => window.seconds * 1000));
  }

  /** Throws isv.BUSINESS_LIMIT_CONTROL if one more call to any of `numbers` now breaks a window. */
  check(numbers: readonly string[], now: number): void {
    if (!this.enabled) return;
    for (const number of new Set(numbers)) {
      const calls = this.recent(number, now);
      for (const window of this.windows) {
        const inWindow = calls.filter((at) => at > now - window.seconds * 1000).length;
        if (inWindow >= window.count) {
          const word = WINDOW_WORDS[window.seconds] ?? `${window.seconds}秒级`;
          throw businessError('isv.BUSINESS_LIMIT_CONTROL', `触发号码${word}流控Permits:${window.count}`);
        }
      }
    }
  }

  /** Counts an accepted call. Nothing is counted while disabled: "off" means no flow control at all. */
  record(numbers: readonly string[], now: number): void {
    if (!this.enabled) return;
    for (const number of new Set(numbers)) this.history.set(number, [...this.recent(number, now), now]);
  }

  clear(): void {
    this.history.clear();
  }

  private recent(number: string, now: number): number[] {
    return (this.history.get(number) ?? []).filter((at) => at > now - this.longestMs);
  }
}
