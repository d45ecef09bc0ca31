/**
 * The per-number flow-control windows (FLOW_CONTROL_LIMITS, docs/flow-control.md#settings): their
 * shape, Alibaba's default and the `<count>/<seconds>` grammar. Three readers share it: the bundle's
 * configuration (config.ts, which names the variable in its error), the guard and its store (calls/,
 * store/), and the sandbox's own flow control (the same syntax). A top-level file, not part of
 * calls/, because config.ts reads it and the top-level files import no folder (docs/architecture.md).
 */

/** One window: at most `count` placements to a number in any `seconds` long interval. */
export interface FlowWindow {
  count: number;
  seconds: number;
  /** `<count>/<seconds>`, as configured and as answered in `limit`. */
  label: string;
}

/** Alibaba's windows (docs/alibaba/actions.md#per-number-flow-control): the default of FLOW_CONTROL_LIMITS. */
export const DEFAULT_FLOW_CONTROL_LIMITS = '1/60,5/3600,20/86400';
/** The most placements a window may count: the store keeps this many recent placements per number. */
export const MAX_WINDOW_COUNT = 100;
/** The longest window: a week (Alibaba's own are at most a day). */
export const MAX_WINDOW_SECONDS = 7 * 86_400;
const MAX_WINDOWS = 8;

/**
 * Parses `FLOW_CONTROL_LIMITS`: comma-separated `<count>/<seconds>` windows, or `off` (undefined).
 * Throws an Error saying what is wrong (config.ts names the variable).
 *
 * @example parseFlowControlLimits('1/60,5/3600') // [{ count: 1, seconds: 60, label: '1/60' }, { count: 5, seconds: 3600, label: '5/3600' }]
 */
export function parseFlowControlLimits(text: string): FlowWindow[] | undefined {
  const value = text.trim();
  if (value.toLowerCase() === 'off') return undefined;
  const parts = value.split(',').map((part) => part.trim());
  if (parts.length > MAX_WINDOWS) throw new Error(`at most ${MAX_WINDOWS} windows, got ${parts.length}`);
  const windows = parts.map((part) => {
    const match = /^(\d{1,6})\/(\d{1,9})$/.exec(part);
    const count = Number(match?.[1]);
    const seconds = Number(match?.[2]);
    if (!match || count < 1 || count > MAX_WINDOW_COUNT || seconds < 1 || seconds > MAX_WINDOW_SECONDS) {
      throw new Error(`expected "off" or <count>/<seconds> windows with count 1-${MAX_WINDOW_COUNT} and seconds 1-${MAX_WINDOW_SECONDS}, got "${part}"`);
    }
    return { count, seconds, label: `${count}/${seconds}` };
  });
  const seen = new Set<number>();
  for (const window of windows) {
    if (seen.has(window.seconds)) throw new Error(`two windows of ${window.seconds} seconds`);
    seen.add(window.seconds);
  }
  return windows.sort((a, b) => a.seconds - b.seconds);
}
