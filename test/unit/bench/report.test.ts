/**
 * How the bench judges and prints its figures (bench/lib/figures.ts, table.ts, args.ts): the
 * ratio and target evaluation, value formatting, the one table with its footnotes, and the
 * command line. Logic only: no timing is measured or asserted.
 */
import { describe, expect, it } from 'vitest';
import { parseArguments } from '../../../bench/lib/args.ts';
import { evaluate, failedRow, type Figure } from '../../../bench/lib/figures.ts';
import { formatRatio, formatTarget, formatValue, renderTable } from '../../../bench/lib/table.ts';

const size: Figure = {
  row: 'bundle',
  name: 'Bundle placeCall',
  value: 150 * 1024,
  unit: 'bytes',
  anchor: { name: 'pop-core alone', value: 200 * 1024 },
  target: { of: 'ratio', op: '<=', threshold: 1 },
};

describe('evaluate', () => {
  it('computes ours / anchor and meets an at-most ratio target when below it', () => {
    const figure = evaluate(size);

    expect(figure.ratio).toBe(0.75);
    expect(figure.met).toBe(true);
  });

  it('misses an at-most target when above it, and meets it exactly at the threshold', () => {
    expect(evaluate({ ...size, value: 201 * 1024 }).met).toBe(false);
    expect(evaluate({ ...size, value: 200 * 1024 }).met).toBe(true);
  });

  it('judges an at-least ratio target (rates)', () => {
    const rate: Figure = { row: 'signing', name: 'V1', value: 90_000, unit: '/s', anchor: { name: 'pop-core', value: 40_000 }, target: { of: 'ratio', op: '>=', threshold: 2 } };

    expect(evaluate(rate)).toMatchObject({ ratio: 2.25, met: true });
    expect(evaluate({ ...rate, value: 70_000 })).toMatchObject({ ratio: 1.75, met: false });
  });

  it('judges a value target on the figure itself, whatever the anchor', () => {
    const rss: Figure = { row: 'drain', name: 'RSS', value: 96, unit: 'MB', anchor: { name: 'demo', value: 60 }, target: { of: 'value', op: '<=', threshold: 128 } };

    expect(evaluate(rss)).toMatchObject({ ratio: 1.6, met: true });
    expect(evaluate({ ...rss, value: 129 }).met).toBe(false);
  });

  it('leaves met undefined without a target, without an anchor value, or for an error', () => {
    expect(evaluate({ ...size, target: undefined }).met).toBeUndefined();
    expect(evaluate({ ...size, anchor: { name: 'pop-core alone' } })).not.toHaveProperty('met');
    expect(evaluate({ ...size, error: 'boom' })).not.toHaveProperty('met');
    expect(evaluate({ ...size, error: 'boom' })).not.toHaveProperty('ratio');
  });
});

describe('formatting', () => {
  it('prints sizes in KiB below a MiB and MiB above, with thousands separators', () => {
    expect(formatValue(165_741, 'bytes')).toBe('161.9 KiB');
    expect(formatValue(1_030_450, 'bytes')).toBe('1,006.3 KiB');
    expect(formatValue(3 * 1024 * 1024, 'bytes')).toBe('3.00 MiB');
  });

  it('prints times, rates with their unit, and megabytes', () => {
    expect(formatValue(108.04, 'ms')).toBe('108.0 ms');
    expect(formatValue(1.634, 'ms')).toBe('1.63 ms');
    expect(formatValue(29_833.4, '/s', 'sig')).toBe('29,833 sig/s');
    expect(formatValue(89.64, '/s', 'receipts')).toBe('89.6 receipts/s');
    expect(formatValue(125.34, 'MB')).toBe('125.3 MB');
    expect(formatValue(undefined, 'MB')).toBe('—');
  });

  it('prints ratios and targets', () => {
    expect(formatRatio(0.6921)).toBe('0.69×');
    expect(formatRatio(12.34)).toBe('12.3×');
    expect(formatRatio(undefined)).toBe('—');
    expect(formatTarget({ of: 'ratio', op: '<=', threshold: 1 })).toBe('≤ 1.0×');
    expect(formatTarget({ of: 'ratio', op: '>=', threshold: 2 })).toBe('≥ 2×');
    expect(formatTarget({ of: 'ratio', op: '>=', threshold: 0.6 })).toBe('≥ 0.6×');
    expect(formatTarget({ of: 'value', op: '<=', threshold: 128 }, 'MB')).toBe('≤ 128 MB');
    expect(formatTarget(undefined)).toBe('—');
  });
});

describe('renderTable', () => {
  it('prints one aligned Markdown table, notes and errors as numbered footnotes', () => {
    const figures = [
      evaluate({ ...size, note: 'esbuild, minified' }),
      evaluate({ row: 'cold', name: 'Cold load placeCall', value: 50, unit: 'ms', anchor: { name: 'pop-core alone', value: 20 }, spread: { label: 'p90', ours: 61, anchor: 25 } }),
      evaluate(failedRow('drain', 'Receipt drain', new Error('DynamoDB Local did not start\n  at line 3'))),
    ];

    const { table, footnotes } = renderTable(figures);
    const lines = table.split('\n');

    expect(lines).toHaveLength(5);
    expect(lines[0]).toMatch(/^\| Figure +\| Ours +\| Anchor +\| Anchor value +\| Ratio +\| Target +\| Met +\|$/);
    expect(lines[1]).toMatch(/^\|-+\|-+\|-+\|-+\|-+\|-+\|-+\|$/);
    expect(new Set(lines.map((line) => [...line].length)).size).toBe(1);
    expect(lines[2]).toContain('Bundle placeCall [1]');
    expect(lines[2]).toMatch(/\| 150\.0 KiB +\| pop-core alone +\| 200\.0 KiB +\| 0\.75× +\| ≤ 1\.0× +\| yes +\|$/);
    expect(lines[3]).toMatch(/\| 50\.0 ms \(p90 61\.0\) +\| pop-core alone +\| 20\.0 ms \(p90 25\.0\) +\| 2\.50× +\| — +\| — +\|$/);
    expect(lines[4]).toMatch(/^\| Receipt drain \[2\] +\| ERROR +\| — .*\| ERROR +\|$/);
    expect(footnotes).toEqual(['[1] esbuild, minified', '[2] ERROR: DynamoDB Local did not start at line 3']);
  });

  it('marks a missed target NO', () => {
    const { table } = renderTable([evaluate({ ...size, value: 400 * 1024 })]);

    expect(table.split('\n')[2]).toMatch(/\| 2\.00× +\| ≤ 1\.0× +\| NO +\|$/);
  });
});

describe('parseArguments', () => {
  it('runs every row at full size by default', () => {
    expect(parseArguments([])).toEqual({ quick: false, help: false, only: ['bundle', 'cold', 'lambda', 'signing', 'placing', 'drain', 'callRequests'] });
  });

  it('takes --quick and --only, keeping the table order whatever the order given', () => {
    expect(parseArguments(['--only=signing,bundle', '--quick'])).toEqual({ quick: true, help: false, only: ['bundle', 'signing'] });
  });

  it('refuses unknown rows and arguments', () => {
    expect(() => parseArguments(['--only=signing,speed'])).toThrow('--only takes rows among');
    expect(() => parseArguments(['--only='])).toThrow('--only takes rows among');
    expect(() => parseArguments(['--fast'])).toThrow('unknown argument --fast');
  });
});
