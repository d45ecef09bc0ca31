import type * as z from 'zod/mini';
import { ValidationError, type FieldIssue } from './errors.ts';

/**
 * Parses `input` with `schema` or throws a ValidationError whose issues name each offending field
 * (dotted paths under `prefix`). zod/mini ships no English messages, so they are written here.
 */
export function parseOrThrow<S extends z.ZodMiniType>(schema: S, input: unknown, prefix = ''): z.infer<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data as z.infer<S>;
  throw new ValidationError(result.error.issues.flatMap((issue) => toFieldIssues(issue, input, prefix)));
}

/**
 * JSON escapes can encode a lone surrogate (`"\ud800"`), which no UTF-8 request to Alibaba can carry
 * and which would make signing throw. Throws a ValidationError naming the first such string or key.
 */
export function assertWellFormedText(value: unknown): void {
  const malformed = findMalformedText(value, '');
  if (malformed !== undefined) {
    throw new ValidationError([{ path: malformed || 'body', message: 'contains an unpaired UTF-16 surrogate (\\uD800-\\uDFFF escape)' }]);
  }
}

function findMalformedText(value: unknown, path: string): string | undefined {
  if (typeof value === 'string') return value.isWellFormed() ? undefined : path;
  if (typeof value !== 'object' || value === null) return undefined;
  for (const [key, item] of Object.entries(value)) {
    const itemPath = path ? `${path}.${key}` : key;
    if (!key.isWellFormed()) return itemPath;
    const found = findMalformedText(item, itemPath);
    if (found !== undefined) return found;
  }
  return undefined;
}

type Issue = z.core.$ZodIssue;

function toFieldIssues(issue: Issue, input: unknown, prefix: string): FieldIssue[] {
  const path = joinPath(prefix, issue.path);
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({ path: joinPath(path, [key]), message: 'is not a known field' }));
  }
  return [{ path: path || 'body', message: describe(issue, valueAt(input, issue.path)) }];
}

function describe(issue: Issue, value: unknown): string {
  switch (issue.code) {
    case 'invalid_type':
      return value === undefined ? 'is required' : `must be ${article(issue.expected)}`;
    case 'too_small':
      return issue.message !== 'Invalid input' ? issue.message : `must be at least ${String(issue.minimum)}`;
    case 'too_big':
      return issue.message !== 'Invalid input' ? issue.message : `must be at most ${String(issue.maximum)}`;
    case 'invalid_value':
      return `must be one of: ${issue.values.map((value) => JSON.stringify(value)).join(', ')}`;
    case 'invalid_union':
      {
        // Discriminated unions report the allowed discriminator values in `options`.
        const options = (issue as { options?: unknown }).options;
        if (Array.isArray(options)) return `must be one of: ${options.map((option) => JSON.stringify(option)).join(', ')}`;
      }
      return 'does not match any allowed shape';
    case 'invalid_format':
      return issue.message !== 'Invalid input' ? issue.message : `must match ${issue.format}`;
    default:
      return issue.message === 'Invalid input' ? 'is invalid' : issue.message;
  }
}

function article(expected: string): string {
  if (expected === 'int') return 'an integer';
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}

function joinPath(prefix: string, path: readonly PropertyKey[]): string {
  return [prefix, ...path.map(String)].filter((part) => part !== '').join('.');
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}
