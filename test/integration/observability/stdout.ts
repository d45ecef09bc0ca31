/**
 * Captures what a handler writes to stdout (log entries and EMF documents both go there, one JSON
 * object per line, as Lambda ships them to CloudWatch Logs) without printing it.
 */
import { vi } from 'vitest';

export interface EmfDocument {
  _aws: { Timestamp: number; CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[] };
  [key: string]: unknown;
}

export interface Captured {
  /** Everything written, exactly. */
  text: string;
  /** Log entries (JSON lines without `_aws`). */
  logs: Record<string, any>[];
  /** EMF documents (JSON lines with `_aws`). */
  emf: EmfDocument[];
}

/** Runs `work` with stdout captured; every line written must be one JSON object. */
export async function captureStdout<T>(work: () => Promise<T>): Promise<{ result: T; output: Captured }> {
  const chunks: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation(((chunk: string | Uint8Array, ...rest: unknown[]) => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    const callback = rest.find((argument): argument is () => void => typeof argument === 'function');
    callback?.();
    return true;
  }) as typeof process.stdout.write);
  let result: T;
  try {
    result = await work();
  } finally {
    spy.mockRestore();
  }
  const text = chunks.join('');
  const objects = text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      try {
        return JSON.parse(line) as Record<string, any>;
      } catch {
        throw new Error(`a stdout line is not one JSON object: ${line}`);
      }
    });
  return {
    result,
    output: { text, logs: objects.filter((object) => !('_aws' in object)), emf: objects.filter((object) => '_aws' in object) as EmfDocument[] },
  };
}

/** The EMF documents declaring `metric`, optionally only those whose dimension values match `dimensions`. */
export function emfFor(documents: EmfDocument[], metric: string, dimensions: Record<string, string> = {}): EmfDocument[] {
  return documents.filter(
    (document) =>
      document._aws.CloudWatchMetrics.some((directive) => directive.Metrics.some((definition) => definition.Name === metric)) &&
      Object.entries(dimensions).every(([name, value]) => document[name] === value),
  );
}

/** The data points of `metric` across documents (EMF values are a number or an array of them). */
export function valuesOf(documents: EmfDocument[], metric: string): number[] {
  return documents.flatMap((document) => {
    const value = document[metric];
    return Array.isArray(value) ? (value as number[]) : typeof value === 'number' ? [value] : [];
  });
}
