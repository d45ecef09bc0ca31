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
 * How deep arrays and objects may nest in any JSON input (request bodies, SQS messages, EventBridge
 * details, receipts). A POST /calls body nests 3 deep (body, menuKeyMap, an entry, its ttsParams:
 * 4 levels of brackets); DynamoDB stores documents up to 32 levels. Bounding the depth before
 * anything walks a value keeps every walk, recursive or not, far from the stack's limit.
 */
export const MAX_JSON_DEPTH = 32;

/**
 * Parses the JSON text of a request: at most `maxBytes` UTF-8 bytes (413), arrays and objects
 * nested at most MAX_JSON_DEPTH deep, valid JSON, no unpaired surrogate. Each check is one pass
 * over the text, and the text is measured before it is parsed. Throws a ValidationError naming
 * `path`.
 *
 * @example parseJsonText(Buffer.from('{"type":"tts"}'), { maxBytes: 16_384, path: 'body' }) // { type: 'tts' }
 */
export function parseJsonText(text: string | Uint8Array, options: { maxBytes: number; path: string }): unknown {
  const { maxBytes, path } = options;
  const bytes = typeof text === 'string' ? Buffer.byteLength(text, 'utf8') : text.byteLength;
  if (bytes > maxBytes) throw new ValidationError([{ path, message: `must be at most ${maxBytes} bytes` }], { status: 413 });
  if (bytes === 0) throw new ValidationError([{ path, message: 'is required' }]);
  const source = typeof text === 'string' ? text : Buffer.from(text.buffer, text.byteOffset, text.byteLength).toString('utf8');
  if (jsonTextNestsDeeperThan(source, MAX_JSON_DEPTH)) throw tooDeep(path);
  let parsed: unknown;
  try {
    parsed = JSON.parse(source);
  } catch {
    throw new ValidationError([{ path, message: 'is not valid JSON' }]);
  }
  assertWellFormedText(parsed);
  return parsed;
}

/**
 * Checks a value that arrived already parsed (an EventBridge detail) as parseJsonText checks text:
 * nested at most MAX_JSON_DEPTH deep (checked first, without recursion), at most `maxBytes` of
 * JSON, no unpaired surrogate. Throws a ValidationError naming `path`.
 */
export function assertJsonValueWithin(value: unknown, options: { maxBytes: number; path: string }): void {
  const { maxBytes, path } = options;
  if (valueNestsDeeperThan(value, MAX_JSON_DEPTH)) throw tooDeep(path);
  const json = JSON.stringify(value) ?? '';
  if (Buffer.byteLength(json, 'utf8') > maxBytes) {
    throw new ValidationError([{ path, message: `must be at most ${maxBytes} bytes of JSON` }], { status: 413 });
  }
  assertWellFormedText(value);
}

function tooDeep(path: string): ValidationError {
  return new ValidationError([{ path, message: `must not nest arrays and objects more than ${MAX_JSON_DEPTH} deep` }]);
}

/**
 * Whether JSON text nests arrays and objects deeper than `max`: brackets counted outside strings,
 * in one pass that stops as soon as `max` is exceeded. Text that is not JSON may be miscounted; it
 * is refused by JSON.parse anyway.
 */
export function jsonTextNestsDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let index = 0; index < text.length; index += 1) {
    const char = text.charCodeAt(index);
    if (inString) {
      if (char === 0x5c /* \ */) index += 1;
      else if (char === 0x22 /* " */) inString = false;
    } else if (char === 0x22) {
      inString = true;
    } else if (char === 0x5b /* [ */ || char === 0x7b /* { */) {
      depth += 1;
      if (depth > max) return true;
    } else if (char === 0x5d /* ] */ || char === 0x7d /* } */) {
      depth -= 1;
    }
  }
  return false;
}

/** Whether a parsed value nests arrays and objects deeper than `max` (an explicit stack, no recursion). */
export function valueNestsDeeperThan(value: unknown, max: number): boolean {
  const stack: { value: unknown; depth: number }[] = [{ value, depth: 0 }];
  while (stack.length > 0) {
    const { value: current, depth } = stack.pop()!;
    if (typeof current !== 'object' || current === null) continue;
    if (depth + 1 > max) return true;
    for (const item of Object.values(current)) stack.push({ value: item, depth: depth + 1 });
  }
  return false;
}

/**
 * JSON escapes can encode a lone surrogate (`"\ud800"`), which no UTF-8 request to Alibaba can carry
 * and which would make signing throw. Throws a ValidationError naming the first such string or key.
 * Walks the value with an explicit stack, so no nesting makes it overflow.
 */
export function assertWellFormedText(value: unknown): void {
  const malformed = findMalformedText(value);
  if (malformed !== undefined) {
    throw new ValidationError([{ path: malformed || 'body', message: 'contains an unpaired UTF-16 surrogate (\\uD800-\\uDFFF escape)' }]);
  }
}

function findMalformedText(root: unknown): string | undefined {
  // Depth first, children in order (pushed in reverse): the first malformed text in the document
  // is found first. An entry's key is checked when the entry is taken from the stack.
  const stack: { value: unknown; path: string; key?: string }[] = [{ value: root, path: '' }];
  while (stack.length > 0) {
    const { value, path, key } = stack.pop()!;
    if (key !== undefined && !key.isWellFormed()) return path;
    if (typeof value === 'string') {
      if (!value.isWellFormed()) return path;
    } else if (typeof value === 'object' && value !== null) {
      const entries = Object.entries(value);
      for (let index = entries.length - 1; index >= 0; index -= 1) {
        const [childKey, child] = entries[index]!;
        stack.push({ value: child, path: path ? `${path}.${childKey}` : childKey, key: childKey });
      }
    }
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
