/**
 * The one results table: a Markdown table padded to aligned columns, so the same text reads well
 * in a terminal and renders in the README. Notes and errors become numbered footnotes under it.
 */
import type { EvaluatedFigure, Target, Unit } from './figures.ts';

const KIB = 1024;
const MIB = 1024 * 1024;

function grouped(value: number, digits: number): string {
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** A figure's value in its unit: `412.3 KiB`, `38.2 ms`, `12,400 signatures/s`, `96.5 MB`. */
export function formatValue(value: number | undefined, unit: Unit | undefined, per?: string): string {
  if (value === undefined || !Number.isFinite(value)) return '—';
  switch (unit) {
    case 'bytes':
      return value >= MIB ? `${grouped(value / MIB, 2)} MiB` : `${grouped(value / KIB, 1)} KiB`;
    case 'ms':
      return `${grouped(value, value < 10 ? 2 : 1)} ms`;
    case '/s':
      return `${grouped(value, value < 100 ? 1 : 0)}${per ? ` ${per}` : ''}/s`;
    case 'MB':
      return `${grouped(value, 1)} MB`;
    default:
      return grouped(value, 2);
  }
}

/** `0.87×`; three significant digits below 10, whole-ish above. */
export function formatRatio(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return '—';
  if (value >= 100) return `${grouped(value, 0)}×`;
  if (value >= 10) return `${grouped(value, 1)}×`;
  return `${grouped(value, 2)}×`;
}

/** `≤ 1.0×`, `≥ 2×`, `≤ 128 MB`. */
export function formatTarget(target: Target | undefined, unit?: Unit): string {
  if (!target) return '—';
  const op = target.op === '<=' ? '≤' : '≥';
  if (target.of === 'ratio') return `${op} ${Number.isInteger(target.threshold) && target.threshold !== 1 ? target.threshold : target.threshold.toFixed(1)}×`;
  return `${op} ${formatValue(target.threshold, unit).replace('.0 ', ' ')}`;
}

export function formatMet(figure: EvaluatedFigure): string {
  if (figure.error) return 'ERROR';
  if (!figure.target) return '—';
  if (figure.met === undefined) return '?';
  return figure.met ? 'yes' : 'NO';
}

/** `108.0 ms (p90 125.6)`: the value, then the second statistic in the same unit without repeating it. */
function withSpread(text: string, label: string | undefined, value: number | undefined, unit: Unit | undefined): string {
  if (!label || value === undefined || text === '—') return text;
  return `${text} (${label} ${formatValue(value, unit).replace(/ [^ ]+$/, '')})`;
}

export const TABLE_HEADER = ['Figure', 'Ours', 'Anchor', 'Anchor value', 'Ratio', 'Target', 'Met'] as const;

export interface RenderedTable {
  /** The table lines (header, separator, one per figure). */
  table: string;
  /** `[n] note` lines, one per footnoted figure. */
  footnotes: string[];
}

/** Renders the figures as a padded Markdown table plus footnotes for notes and errors. */
export function renderTable(figures: readonly EvaluatedFigure[]): RenderedTable {
  const footnotes: string[] = [];
  const rows = figures.map((figure) => {
    const text = figure.error ? `ERROR: ${figure.error}` : figure.note;
    let name = figure.name;
    if (text) {
      footnotes.push(`[${footnotes.length + 1}] ${text}`);
      name = `${name} [${footnotes.length}]`;
    }
    return [
      name,
      figure.error ? 'ERROR' : withSpread(formatValue(figure.value, figure.unit, figure.per), figure.spread?.label, figure.spread?.ours, figure.unit),
      figure.anchor?.name ?? '—',
      figure.anchor ? withSpread(formatValue(figure.anchor.value, figure.unit, figure.per), figure.spread?.label, figure.spread?.anchor, figure.unit) : '—',
      formatRatio(figure.ratio),
      formatTarget(figure.target, figure.unit),
      formatMet(figure),
    ];
  });
  const all = [[...TABLE_HEADER], ...rows];
  const widths = TABLE_HEADER.map((_, column) => Math.max(...all.map((row) => [...row[column]!].length)));
  const line = (cells: readonly string[]) => `| ${cells.map((cell, column) => cell + ' '.repeat(widths[column]! - [...cell].length)).join(' | ')} |`;
  const separator = `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`;
  return { table: [line(all[0]!), separator, ...rows.map(line)].join('\n'), footnotes };
}
