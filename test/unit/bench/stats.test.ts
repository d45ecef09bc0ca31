/**
 * The bench's order statistics (bench/lib/stats.ts). Logic only: no timing is measured or asserted.
 */
import { describe, expect, it } from 'vitest';
import { mean, median, percentile, ratio } from '../../../bench/lib/stats.ts';

describe('percentile (nearest rank)', () => {
  const hundred = Array.from({ length: 100 }, (_, index) => 100 - index); // 100..1, unsorted on purpose

  it('returns the smallest sample with at least p% of the samples at or below it', () => {
    expect(percentile(hundred, 50)).toBe(50);
    expect(percentile(hundred, 90)).toBe(90);
    expect(percentile(hundred, 99)).toBe(99);
    expect(percentile(hundred, 100)).toBe(100);
  });

  it('always returns one of the samples, rounding the rank up', () => {
    const samples = [15, 20, 35, 40, 50];

    expect(percentile(samples, 30)).toBe(20);
    expect(percentile(samples, 40)).toBe(20);
    expect(percentile(samples, 41)).toBe(35);
    expect(percentile(samples, 0)).toBe(15);
  });

  it('does not reorder the caller’s array', () => {
    const samples = [3, 1, 2];

    percentile(samples, 50);

    expect(samples).toEqual([3, 1, 2]);
  });

  it('refuses no samples, a non-finite sample and p outside 0-100', () => {
    expect(() => percentile([], 50)).toThrow('no samples');
    expect(() => percentile([1, Number.NaN], 50)).toThrow('not a finite sample');
    expect(() => percentile([1], 101)).toThrow('0-100');
    expect(() => percentile([1], -1)).toThrow('0-100');
  });
});

describe('median and mean', () => {
  it('takes the middle sample of an odd count and the mean of the two middle ones of an even count', () => {
    expect(median([9, 1, 5])).toBe(5);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([7])).toBe(7);
  });

  it('averages', () => {
    expect(mean([1, 2, 3, 6])).toBe(3);
  });
});

describe('ratio', () => {
  it('is ours / anchor', () => {
    expect(ratio(30, 20)).toBe(1.5);
    expect(ratio(10, 40)).toBe(0.25);
  });

  it('is undefined when either side is missing, not finite, or the anchor is zero', () => {
    expect(ratio(undefined, 1)).toBeUndefined();
    expect(ratio(1, undefined)).toBeUndefined();
    expect(ratio(1, 0)).toBeUndefined();
    expect(ratio(Number.POSITIVE_INFINITY, 1)).toBeUndefined();
  });
});
