/** The run's report: the table on stdout, and the same in bench/results/*.md and *.json. */
import { cpus, totalmem } from 'node:os';
import type { EvaluatedFigure } from './figures.ts';
import { renderTable } from './table.ts';

export interface MachineInfo {
  date: string;
  node: string;
  cpu: string;
  cores: number;
  memoryGiB: number;
  platform: string;
}

export function machineInfo(now = new Date()): MachineInfo {
  const cores = cpus();
  return {
    date: now.toISOString(),
    node: process.version,
    cpu: cores[0]?.model.trim() ?? 'unknown',
    cores: cores.length,
    memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    platform: `${process.platform} ${process.arch}`,
  };
}

export interface Report {
  machine: MachineInfo;
  mode: 'full' | 'quick';
  rows: string[];
  durationMs: number;
  figures: EvaluatedFigure[];
  details: string[];
  data: Record<string, unknown>;
}

export function textReport(report: Report): string {
  const { table, footnotes } = renderTable(report.figures);
  const lines = [table, '', ...footnotes];
  if (report.details.length > 0) lines.push('', ...report.details);
  return lines.join('\n');
}

export function markdownReport(report: Report): string {
  const { table, footnotes } = renderTable(report.figures);
  const { machine } = report;
  const lines = [
    `Measured ${machine.date.slice(0, 16).replace('T', ' ')} UTC on ${machine.cpu} (${machine.cores} cores, ${machine.memoryGiB} GiB), Node ${machine.node}, ${machine.platform}; ` +
      `${report.mode === 'quick' ? 'quick run (small sizes, not for publication)' : 'full run'}, ${Math.round(report.durationMs / 1000)} s. ` +
      'Ratios are ours / anchor, both measured side by side in this run.',
    '',
    table,
    '',
    ...footnotes.map((footnote) => `${footnote}  `),
  ];
  if (report.details.length > 0) lines.push('', ...report.details);
  return `${lines.join('\n')}\n`;
}

export function jsonReport(report: Report): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
