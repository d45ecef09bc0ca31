/**
 * What every bench row produces: figures measured side by side with their anchor (the official
 * Alibaba SDK path, or a ceiling) in the same run, and the target for the ratio.
 */
import { ratio } from './stats.ts';

export type RowId = 'bundle' | 'cold' | 'lambda' | 'signing' | 'placing' | 'drain' | 'callRequests';
export const ROW_IDS: readonly RowId[] = ['bundle', 'cold', 'lambda', 'signing', 'placing', 'drain', 'callRequests'];

export type Unit = 'bytes' | 'ms' | '/s' | 'MB';

/**
 * `ratio` targets compare ours / anchor (sizes and times: at most; rates: at least); `value`
 * targets compare the figure itself (peak RSS).
 */
export interface Target {
  of: 'ratio' | 'value';
  op: '<=' | '>=';
  threshold: number;
}

export interface Figure {
  row: RowId;
  /** What is measured, for example `placeCall bundle (minified)`. */
  name: string;
  value?: number;
  unit?: Unit;
  /** Unit text after a rate, for example `signatures` in `412,000 signatures/s`. */
  per?: string;
  anchor?: { name: string; value?: number };
  /** A second statistic shown beside both values, for example `p90` of a median. */
  spread?: { label: string; ours?: number; anchor?: number };
  target?: Target;
  /** How it was measured, what it includes; printed as a footnote. */
  note?: string;
  /** Set when the row (or this figure) could not be measured. */
  error?: string;
}

export interface EvaluatedFigure extends Figure {
  ratio?: number;
  /** undefined when there is no target or nothing to compare. */
  met?: boolean;
}

function compare(value: number, target: Target): boolean {
  return target.op === '<=' ? value <= target.threshold : value >= target.threshold;
}

/** Adds the ratio (ours / anchor) and whether the target is met. */
export function evaluate(figure: Figure): EvaluatedFigure {
  const r = figure.error ? undefined : ratio(figure.value, figure.anchor?.value);
  let met: boolean | undefined;
  if (figure.target && !figure.error) {
    const compared = figure.target.of === 'ratio' ? r : figure.value;
    met = compared === undefined || !Number.isFinite(compared) ? undefined : compare(compared, figure.target);
  }
  return { ...figure, ...(r !== undefined ? { ratio: r } : {}), ...(met !== undefined ? { met } : {}) };
}

/** One figure standing for a whole row that failed: the table shows the error and the run goes on. */
export function failedRow(row: RowId, title: string, error: unknown): Figure {
  const message = error instanceof Error ? error.message : String(error);
  return { row, name: title, error: message.replace(/\s+/g, ' ').trim().slice(0, 400) };
}
