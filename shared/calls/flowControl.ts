/**
 * Per-number flow control ahead of Alibaba (docs/flow-control.md): Alibaba lets one called number
 * be called only so often (1 a minute, 5 an hour, 20 a day by default,
 * docs/alibaba/actions.md#per-number-flow-control). The bundle keeps each number's recent
 * placements itself and takes a slot before it sends a call-placing request, so it never sends a
 * request Alibaba would refuse for that reason, and it can say exactly when the number may be
 * called again.
 *
 * This module is the domain's side: the port a store implements and the pure rules (which window
 * refuses, when it frees a slot); the windows are configuration (FLOW_CONTROL_LIMITS, config.ts). The DynamoDB adapter is
 * shared/store/flowControlStore.ts.
 */
import type { FlowWindow } from '../flowControlLimits.ts';
import { FlowControlError } from '../errors.ts';
import type { PlaceCallRequest } from './schemas.ts';

/**
 * The numbers Alibaba dials for a request, each of which a placement counts against: the called
 * number, and for click-to-dial the caller leg as well, which Alibaba's platform calls first
 * (docs/flow-control.md#which-numbers-count).
 */
export function dialledNumbers(request: PlaceCallRequest): string[] {
  return request.type === 'clickToDial' ? [request.callerNumber, request.calledNumber] : [request.calledNumber];
}

/** What the store knows of one number: its recent placements (epoch ms, newest first) and any hold. */
export interface NumberHistory {
  /** Epoch ms of the most recent placements, newest first (at most the largest window's count). */
  recent: readonly number[];
  /** Epoch ms until which Alibaba's own flow control holds the number (learnt from a refusal). */
  holdUntil?: number;
  /** The window that hold stands for (a configured label, or `<permits>/<seconds>` from Alibaba). */
  holdWindow?: string;
}

/** Why a number cannot be called now, and when it can. */
export interface Refusal {
  /** Epoch ms, a whole second: when every window that refuses has freed a slot (rounded up). */
  retryAt: number;
  /** Epoch ms, exact: the same moment before rounding (Retry-After counts from it, so it never exceeds the window). */
  freesAt: number;
  /** The window that frees last (`1/60`). */
  window: string;
}

/**
 * Whether one more placement at `now` fits every window, given the number's history: undefined when
 * it does, else the refusal with the moment a placement fits again. A window of `count` refuses
 * while its `count`-th most recent placement is less than `seconds` old; it frees a slot when that
 * placement is exactly `seconds` old.
 *
 * @example refusalFor({ recent: [T] }, [{ count: 1, seconds: 60, label: '1/60' }], T + 5_000)
 *   // { retryAt: T + 60_000 rounded up to a second, freesAt: T + 60_000, window: '1/60' }
 */
export function refusalFor(history: NumberHistory, windows: readonly FlowWindow[], now: number): Refusal | undefined {
  let refusal: Refusal | undefined;
  const consider = (freesAt: number, window: string): void => {
    if (freesAt <= now) return;
    if (!refusal || freesAt > refusal.freesAt) refusal = { retryAt: Math.ceil(freesAt / 1000) * 1000, freesAt, window };
  };
  for (const window of windows) {
    const countth = history.recent[window.count - 1];
    if (countth !== undefined) consider(countth + window.seconds * 1000, window.label);
  }
  if (history.holdUntil !== undefined) consider(history.holdUntil, history.holdWindow ?? 'alibaba');
  return refusal;
}

/** A slot taken for a placement: given back if Alibaba proves no call was attempted. */
export interface FlowSlot {
  numbers: readonly string[];
  /** Epoch ms the slot was taken at: the placement's time in every window. */
  takenAt: number;
}

/** Port of the store that keeps every number's history; all numbers of one placement move together. */
export interface FlowControlStore {
  /**
   * Takes a slot for every number at once (all or none), in one request. Resolves the slot, or
   * throws FlowControlError with the exact moment a slot frees.
   */
  take(numbers: readonly string[], options?: { deadline?: number }): Promise<FlowSlot>;
  /** Gives the slot back: the placement never reached Alibaba as a call attempt. */
  giveBack(slot: FlowSlot): Promise<void>;
  /** Holds the numbers until `until` (epoch ms): Alibaba refused them for flow control anyway. */
  hold(numbers: readonly string[], until: number, window: string): Promise<void>;
}

/** The refusal as the error every channel understands (HTTP 429, queued work waits). */
export function flowControlError(refusal: Refusal, now: number): FlowControlError {
  // Whole seconds from the exact moment: a placement 0.9 s into a second, refused 0.05 s later, waits
  // 60 s (not 61) for its 1/60 window, while retryAt names the whole second after that moment.
  return new FlowControlError(refusal.retryAt, refusal.window, Math.max(0, Math.ceil((refusal.freesAt - now) / 1000)));
}

/**
 * The window a hold learnt from Alibaba stands for: the configured window of that length, else
 * `<permits>/<seconds>` from Alibaba's message (`1/<seconds>` when it gives no permits).
 */
export function holdWindowLabel(windows: readonly FlowWindow[] | undefined, seconds: number, permits: number | undefined): string {
  return windows?.find((window) => window.seconds === seconds)?.label ?? `${permits ?? 1}/${seconds}`;
}
