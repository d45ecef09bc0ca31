/**
 * Structured JSON logs on Powertools Logger (`@aws-lambda-powertools/logger`), one line per entry:
 * `level` (DEBUG, INFO, WARN, ERROR), `message`, `timestamp`, `service`, then the entry's fields.
 *
 * Privacy is enforced by the formatter, the one place every entry passes through whatever its
 * origin (entry fields, child-logger fields, the invocation's correlation ids, Error objects):
 * phone numbers are masked to their last 4 digits and secrets, tokens, signatures and template
 * values in strings to sign are never written, at any depth, in field values and in free text alike. What a handler
 * throws is logged by the Lambda runtime instead: `sanitisedError` makes it safe to throw.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { LogFormatter, LogItem, LogLevelThreshold, Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import type { ConstructorOptions, LogAttributes, UnformattedAttributes } from '@aws-lambda-powertools/logger/types';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];
const THRESHOLD: Record<LogLevel, number> = {
  debug: LogLevelThreshold.DEBUG,
  info: LogLevelThreshold.INFO,
  warn: LogLevelThreshold.WARN,
  error: LogLevelThreshold.ERROR,
};

/** The `service` of every entry (and of the metrics namespace's documentation). */
export const SERVICE_NAME = 'aliyun-voice';

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
/** A digit run right after a percent-encoded `=` (`%3D`, or `%253D` encoded twice), as in a string to sign. */
const PHONE_AFTER_ENCODED_EQUALS = /(%(?:25)*3D)(\d{7,20})(?!\d)/gi;
/** Nesting kept in a log entry; deeper values are replaced, never written unsanitised. */
const MAX_DEPTH = 6;
/**
 * Keys Powertools writes itself. As fields they would be dropped anyway, with a warning entry each
 * time; dropping them first keeps an entry's own level, message and time authoritative.
 */
const RESERVED_KEYS = ['level', 'message', 'timestamp', 'service', 'sampling_rate'] as const;

export function maskPhone(value: string): string {
  return value.replace(/\d(?=\d{4})/g, '*');
}

/** Request and message ids (UUIDs): their last group can be all digits, and is an id, not a number. */
const UUID_OR_PHONE = new RegExp(`([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})|${PHONE_IN_TEXT.source}`, 'gi');

/**
 * A template parameter's value in percent-encoded text, as in a string to sign
 * (`TtsParam%3D%257B%2522code%2522...%257D%26`, `MenuKeyMap.1.TtsParams%253D...`): the variables it
 * holds (verification codes, names) are redacted up to the next parameter.
 */
const TEMPLATE_PARAM_IN_TEXT = /((?:Tts|VoiceCode)Params?)(%(?:25)*3D)(?:(?!%(?:25)*26)[^&\s"])+/gi;

/** Free text as it may be written: phone numbers masked, template values in encoded text redacted. */
function scrubText(text: string): string {
  return text
    .replace(TEMPLATE_PARAM_IN_TEXT, (_match, name: string, equals: string) => `${name}${equals}[redacted]`)
    .replace(UUID_OR_PHONE, (match, uuid: string | undefined) => (uuid === undefined ? maskPhone(match) : match))
    .replace(PHONE_AFTER_ENCODED_EQUALS, (_match, equals: string, digits: string) => equals + maskPhone(digits));
}

/** `ancestors` holds the objects on the path from the root: a cycle is cut, a shared value is written twice. */
function sanitize(fields: object, depth: number, ancestors: Set<object>): Record<string, unknown> {
  const clean: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) clean[key] = sanitizeValue(key, value, depth, ancestors);
  return clean;
}

function sanitizeValue(key: string, value: unknown, depth: number, ancestors: Set<object>): unknown {
  if (value === undefined || value === null) return value;
  if (SECRET_KEY.test(key)) return '[redacted]';
  if (typeof value === 'string') return PHONE_KEY.test(key) ? maskPhone(value) : scrubText(value);
  if (typeof value === 'number' || typeof value === 'bigint') return PHONE_KEY.test(key) ? maskPhone(String(value)) : value;
  if (typeof value !== 'object') return typeof value === 'function' || typeof value === 'symbol' ? undefined : value;
  if (ancestors.has(value)) return '[circular]';
  if (depth >= MAX_DEPTH) return '[truncated]';
  ancestors.add(value);
  try {
    if (value instanceof Error) return sanitize(describeError(value), depth + 1, ancestors);
    if (Array.isArray(value)) return value.map((item) => sanitizeValue(key, item, depth + 1, ancestors));
    if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
    return sanitize(value, depth + 1, ancestors);
  } finally {
    ancestors.delete(value);
  }
}

/**
 * An Error as plain data: name, message, its own properties (an AlibabaError's kind, code and
 * details; a ValidationError's issues), stack and cause. Sanitised like any other field afterwards,
 * so an Alibaba message echoing a number is masked in `message` and `stack` alike.
 */
function describeError(error: Error): Record<string, unknown> {
  const described: Record<string, unknown> = { name: error.name, message: error.message };
  for (const key of Object.keys(error)) {
    if (key === 'stack' || key === 'cause' || key in described) continue;
    const value = (error as unknown as Record<string, unknown>)[key];
    described[key] = withoutCause(value, error.cause);
  }
  described.stack = error.stack;
  if (error.cause !== undefined) described.cause = error.cause;
  return described;
}

/** AlibabaError and MnsError keep their cause in `details` too: written once, as the error's `cause`. */
function withoutCause(value: unknown, cause: unknown): unknown {
  if (cause === undefined || value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  if ((value as { cause?: unknown }).cause !== cause) return value;
  const { cause: _written, ...rest } = value as Record<string, unknown>;
  return rest;
}

/**
 * Builds each entry from Powertools' attributes. Everything not produced by the logger itself
 * (message, fields, errors) goes through `sanitize` here, so no path into an entry skips it.
 */
class MaskingLogFormatter extends LogFormatter {
  override formatAttributes(attributes: UnformattedAttributes, additional: LogAttributes): LogItem {
    const entry: LogAttributes = {
      level: attributes.logLevel,
      message: scrubText(String(attributes.message ?? '')),
      timestamp: this.formatTimestamp(attributes.timestamp),
      service: attributes.serviceName,
    };
    // Lambda sets _X_AMZN_TRACE_ID for each invocation: joins the entry to its X-Ray trace.
    if (attributes.xRayTraceId) entry.xray_trace_id = attributes.xRayTraceId;
    for (const [key, value] of Object.entries(sanitize(additional, 0, new Set()))) {
      if (!(key in entry)) entry[key] = value;
    }
    return new LogItem({ attributes: entry });
  }

  /** Powertools calls this for an Error it meets while serialising: the same scrubbing applies. */
  override formatError(error: Error): LogAttributes {
    return sanitize(describeError(error), 1, new Set([error]));
  }
}

function writeStdout(line: string): void {
  process.stdout.write(`${line}\n`);
}

/**
 * Powertools Logger writing each entry as one compact JSON line through `writeLine`. Compact
 * whatever POWERTOOLS_DEV says: one entry per line is what CloudWatch Logs Insights and the tests
 * rely on. Every level goes to stdout, as Lambda sends stdout and stderr to the same log stream.
 */
class LineLogger extends PowertoolsLogger {
  /** A plain property (not `#private`): Powertools' constructor may print before it is assigned. */
  private writeLine: ((line: string) => void) | undefined;

  constructor(options: ConstructorOptions, writeLine: ((line: string) => void) | undefined) {
    super(options);
    this.writeLine = writeLine;
  }

  protected override printLog(_logLevel: number, log: LogItem): void {
    log.prepareForPrint();
    (this.writeLine ?? writeStdout)(JSON.stringify(log.getAttributes(), this.getJsonReplacer()));
  }
}

/**
 * Correlation ids of the invocation being served (request ids, function name): added to every entry
 * written while it runs, by any logger, including the container-wide one that clients built at cold
 * start hold. Lambda runs one invocation at a time per container; in tests several can overlap, and
 * AsyncLocalStorage keeps each one's ids apart.
 */
const invocationFields = new AsyncLocalStorage<Readonly<Record<string, unknown>>>();

/** Runs `work` with `fields` added to every entry written meanwhile (nested calls accumulate). */
export function withLogContext<T>(fields: Record<string, unknown>, work: () => T): T {
  return invocationFields.run({ ...invocationFields.getStore(), ...fields }, work);
}

class StructuredLogger implements Logger {
  constructor(
    private readonly sink: PowertoolsLogger,
    private readonly base: Readonly<Record<string, unknown>>,
  ) {}

  debug(message: string, fields?: Record<string, unknown>): void {
    this.write('debug', message, fields);
  }

  info(message: string, fields?: Record<string, unknown>): void {
    this.write('info', message, fields);
  }

  warn(message: string, fields?: Record<string, unknown>): void {
    this.write('warn', message, fields);
  }

  error(message: string, fields?: Record<string, unknown>): void {
    this.write('error', message, fields);
  }

  child(fields: Record<string, unknown>): Logger {
    return new StructuredLogger(this.sink, { ...this.base, ...fields });
  }

  private write(level: LogLevel, message: string, fields: Record<string, unknown> | undefined): void {
    // Checked first so a filtered-out entry costs no copying or scrubbing.
    if (THRESHOLD[level] < this.sink.level) return;
    // Closer wins: the entry's fields over the logger's, over the invocation's.
    const attributes: Record<string, unknown> = { ...invocationFields.getStore(), ...this.base, ...fields };
    for (const key of RESERVED_KEYS) delete attributes[key];
    try {
      this.sink[level](String(message), attributes);
    } catch {
      // A field that cannot be serialised (a throwing getter) must not fail the caller's work.
      this.sink.error('a log entry could not be serialised and was dropped', { droppedLevel: level });
    }
  }
}

/**
 * A logger on its own Powertools Logger. `base.service` names the service (default aliyun-voice);
 * the other base fields are on every entry. The level is `options.level`, else LOG_LEVEL, else info
 * (AWS_LAMBDA_LOG_LEVEL, when Lambda's advanced logging controls set it, takes precedence as in
 * Powertools). Debug sampling is off whatever POWERTOOLS_LOGGER_SAMPLE_RATE says: a sampled
 * invocation would write request details at debug level that normal ones do not.
 */
export function createLogger(
  base: Record<string, unknown> = {},
  options: { level?: LogLevel; write?: (line: string) => void } = {},
): Logger {
  const { service, ...fields } = base;
  const sink = new LineLogger(
    {
      serviceName: typeof service === 'string' && service !== '' ? service : SERVICE_NAME,
      logLevel: resolveLevel(options.level).toUpperCase() as Uppercase<LogLevel>,
      sampleRateValue: 0,
      logFormatter: new MaskingLogFormatter(),
    },
    options.write,
  );
  return new StructuredLogger(sink, fields);
}

function resolveLevel(level: LogLevel | undefined): LogLevel {
  const wanted = (level ?? process.env.LOG_LEVEL ?? 'info').toLowerCase();
  return (LEVELS as readonly string[]).includes(wanted) ? (wanted as LogLevel) : 'info';
}

/**
 * An error as it may leave a handler. The Lambda runtime logs what a handler throws outside this
 * logger (its name, message, stack and enumerable properties), and an on-failure destination keeps
 * it: the error thrown is a copy of the same class and name, with the message and properties
 * exactly as this logger would write them (an AlibabaError's kind and code, a ReceiptPollError's
 * failures) and the original's stack frames (code locations, no data) — without its cause.
 */
export function sanitisedError(error: unknown): Error {
  const original = error instanceof Error ? error : new Error(String(error));
  const { message: _message, stack: _stack, cause: _cause, ...fields } = sanitize(describeError(original), 1, new Set([original]));
  const safe = Object.assign(Object.create(Object.getPrototypeOf(original) as object) as Error, fields);
  const message = scrubText(original.message);
  const frames = (original.stack ?? '').split('\n').filter((line) => line.trimStart().startsWith('at '));
  // As an Error's own: not enumerable, so written once (message first, then the stack) wherever it is logged.
  Object.defineProperty(safe, 'message', { value: message, writable: true, configurable: true });
  Object.defineProperty(safe, 'stack', { value: [`${original.name}: ${message}`, ...frames].join('\n'), writable: true, configurable: true });
  return safe;
}

/** The process-wide logger; handlers derive children with correlation ids. */
export const logger: Logger = createLogger({ service: SERVICE_NAME });
