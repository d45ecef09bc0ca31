/**
 * Structured JSON logs, one line per entry. Phone numbers are masked (last 4 digits kept) and
 * secrets, tokens and signatures are never written, wherever they appear in the entry.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  /** A logger whose entries all carry `fields` (correlation ids). */
  child(fields: Record<string, unknown>): Logger;
}

const SECRET_KEY = /secret|password|token|signature|authorization|credential/i;
const PHONE_KEY = /number|caller|callee|phone|show_?num/i;
/**
 * Free-standing digit runs of 7+ (a landline's `0571-` prefix or a trailing full stop still counts).
 * Runs joined to `^`, to letters, or by a hyphen to letters are identifiers, not phone numbers
 * (CallIds like 116012354148^102813781234, queue names like Alicom-Queue-1234567890-VoiceReport).
 */
const PHONE_IN_TEXT = /(?<![\w^])(?<![A-Za-z]-)\d{3,16}(\d{4})(?![\w^])(?!-[A-Za-z])/g;

export function maskPhone(value: string): string {
  return value.replace(/\d(?=\d{4})/g, '*');
}

export function createLogger(
  base: Record<string, unknown> = {},
  options: { level?: LogLevel; write?: (line: string) => void } = {},
): Logger {
  const threshold = LEVELS[options.level ?? ((process.env.LOG_LEVEL as LogLevel | undefined) ?? 'info')] ?? LEVELS.info;
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const log = (level: LogLevel, message: string, fields?: Record<string, unknown>) => {
    if (LEVELS[level] < threshold) return;
    // Fields first, so no field can overwrite the entry's own level, time or message.
    const entry = { ...sanitize({ ...base, ...fields }, 0, new WeakSet()), level, time: new Date().toISOString(), message: scrubText(message) };
    write(JSON.stringify(entry));
  };
  return {
    debug: (message, fields) => log('debug', message, fields),
    info: (message, fields) => log('info', message, fields),
    warn: (message, fields) => log('warn', message, fields),
    error: (message, fields) => log('error', message, fields),
    child: (fields) => createLogger({ ...base, ...fields }, options),
  };
}

/** A digit run right after a percent-encoded `=` (`%3D`, or `%253D` encoded twice), as in a string to sign. */
const PHONE_AFTER_ENCODED_EQUALS = /(%(?:25)*3D)(\d{7,20})(?!\d)/gi;

function scrubText(text: string): string {
  return text
    .replace(PHONE_IN_TEXT, (match) => maskPhone(match))
    .replace(PHONE_AFTER_ENCODED_EQUALS, (_match, equals: string, digits: string) => equals + maskPhone(digits));
}

/** Nesting kept in a log entry; deeper values are replaced, never written unsanitised. */
const MAX_DEPTH = 6;

function sanitize(fields: Record<string, unknown>, depth: number, seen: WeakSet<object>): Record<string, unknown> {
  const clean: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) clean[key] = sanitizeValue(key, value, depth, seen);
  return clean;
}

function sanitizeValue(key: string, value: unknown, depth: number, seen: WeakSet<object>): unknown {
  if (value === undefined || value === null) return value;
  if (SECRET_KEY.test(key)) return '[redacted]';
  if (typeof value === 'string') return PHONE_KEY.test(key) ? maskPhone(value) : scrubText(value);
  if (typeof value === 'number' || typeof value === 'bigint') return PHONE_KEY.test(key) ? maskPhone(String(value)) : value;
  if (typeof value !== 'object') return value;
  if (seen.has(value)) return '[circular]';
  if (depth >= MAX_DEPTH) return '[truncated]';
  seen.add(value);
  if (value instanceof Error) return sanitize(describeError(value), depth + 1, seen);
  if (Array.isArray(value)) return value.map((item) => sanitizeValue(key, item, depth + 1, seen));
  return sanitize(value as Record<string, unknown>, depth + 1, seen);
}

function describeError(error: Error): Record<string, unknown> {
  const { name, message, stack } = error;
  const extra = error as Error & { code?: unknown; kind?: unknown; details?: unknown };
  return { name, message, code: extra.code, kind: extra.kind, details: extra.details, stack };
}

/** The process-wide logger; handlers derive children with correlation ids. */
export const logger: Logger = createLogger({ service: 'aliyun-voice' });
