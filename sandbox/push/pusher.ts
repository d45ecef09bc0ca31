/**
 * Alibaba's other receipt delivery, "HTTP batch push" (docs/alibaba/receipts.md#flow), played by the sandbox: the
 * receipts of placed calls are POSTed as a JSON array to a configured URL per message type, with
 * no signature. A delivery counts only when answered HTTP 200 with a JSON body whose `code` is a
 * number, within 700 ms; otherwise the same batch is sent again after 1, 5 and 10 minutes, then
 * dropped. Off until a URL is set (SANDBOX_PUSH_URL or the control API); by default the receipts
 * still go into the MNS queues as well, so a bundle both polling and receiving pushes sees every
 * receipt twice, as it can with Alibaba (duplicates are possible in both modes).
 *
 * Timers are unref'd; `reset()` and `close()` stop pending batches, redeliveries and requests.
 */
import { ControlInputError } from '../controlErrors.ts';
import { VOICE_MESSAGE_TYPES, type VoiceMessageType } from '../dybase/product.ts';

export interface PushSettings {
  /**
   * Where batches are POSTed; `{messageType}` becomes the batch's type, for example
   * `http://127.0.0.1:3000/receipts/{messageType}?token=...`. null: push is off.
   */
  url: string | null;
  /** Keep enqueueing receipts into the MNS queues too (both delivery modes at once). */
  queues: boolean;
  /** Receipts of one type gathered this long into one array before it is sent. */
  batchWindowMs: number;
  /** docs/alibaba/receipts.md#flow: an answer later than this is a failed delivery (700 ms). */
  timeoutMs: number;
  /** docs/alibaba/receipts.md#flow: the waits before each redelivery (1, 5 and 10 minutes); then the batch is dropped. */
  retryDelaysMs: number[];
}

/** One POST of a batch, as the control API lists it (the URL without its query, which may hold a token). */
export interface PushAttempt {
  batchId: number;
  messageType: VoiceMessageType;
  receipts: number;
  /** 1 for the first delivery, 2-4 for redeliveries. */
  attempt: number;
  startedAt: string;
  durationMs: number;
  /** Scheme, host and path of the URL posted to. */
  target: string;
  outcome: 'delivered' | 'failed';
  httpStatus?: number;
  /** Why a delivery failed: `timeout`, `network`, `HTTP <status>`, `no numeric code`. */
  reason?: string;
  /** Whether another attempt is scheduled after this failed one. */
  willRetry?: boolean;
}

export const DEFAULT_PUSH_SETTINGS: Readonly<Omit<PushSettings, 'url'>> = {
  queues: true,
  batchWindowMs: 200,
  timeoutMs: 700,
  retryDelaysMs: [60_000, 5 * 60_000, 10 * 60_000],
};

/** Attempts kept for the control API. */
const MAX_LOGGED_ATTEMPTS = 500;

interface PendingBatch {
  receipts: Record<string, unknown>[];
  timer: NodeJS.Timeout;
}

export class ReceiptPusher {
  private settings: PushSettings;
  private readonly batches = new Map<VoiceMessageType, PendingBatch>();
  private readonly retries = new Set<NodeJS.Timeout>();
  private readonly requests = new Set<AbortController>();
  private readonly attempts: PushAttempt[] = [];
  private nextBatchId = 1;

  constructor(private readonly initial: PushSettings) {
    this.settings = copy(initial);
  }

  /** Whether placed calls' receipts are pushed. */
  get enabled(): boolean {
    return this.settings.url !== null;
  }

  /** Whether placed calls' receipts also go into the MNS queues. */
  get keepsQueues(): boolean {
    return this.settings.queues || !this.enabled;
  }

  /** Adds a receipt to its type's next batch. */
  push(messageType: VoiceMessageType, receipt: Readonly<Record<string, unknown>>): void {
    const pending = this.batches.get(messageType);
    if (pending) {
      pending.receipts.push({ ...receipt });
      return;
    }
    const timer = setTimeout(() => this.flush(messageType), this.settings.batchWindowMs);
    timer.unref();
    this.batches.set(messageType, { receipts: [{ ...receipt }], timer });
  }

  current(): PushSettings {
    return copy(this.settings);
  }

  /** Changes some settings from now on (a new URL applies to redeliveries too); ControlInputError when invalid. */
  update(input: unknown): PushSettings {
    this.settings = { ...this.settings, ...parsePushSettings(input) };
    return this.current();
  }

  /** The last attempts, oldest first. */
  list(): PushAttempt[] {
    return this.attempts.map((attempt) => ({ ...attempt }));
  }

  /** Drops pending batches, redeliveries, requests and the attempt log; settings back to their start values. */
  reset(): void {
    this.close();
    this.attempts.length = 0;
    this.settings = copy(this.initial);
  }

  /** Drops pending batches, redeliveries and requests. */
  close(): void {
    for (const { timer } of this.batches.values()) clearTimeout(timer);
    this.batches.clear();
    for (const timer of this.retries) clearTimeout(timer);
    this.retries.clear();
    for (const request of this.requests) request.abort();
    this.requests.clear();
  }

  private flush(messageType: VoiceMessageType): void {
    const pending = this.batches.get(messageType);
    this.batches.delete(messageType);
    if (pending) void this.deliver(this.nextBatchId++, messageType, pending.receipts, 1);
  }

  private async deliver(batchId: number, messageType: VoiceMessageType, receipts: Record<string, unknown>[], attempt: number): Promise<void> {
    const { url: template, timeoutMs, retryDelaysMs } = this.settings;
    if (template === null) return;
    const url = new URL(template.replaceAll('{messageType}', messageType));
    const controller = new AbortController();
    this.requests.add(controller);
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    const started = Date.now();
    let outcome: Pick<PushAttempt, 'outcome' | 'httpStatus' | 'reason'>;
    try {
      // docs/alibaba/receipts.md#flow: a JSON array, no signature.
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json;charset=utf-8' },
        body: JSON.stringify(receipts),
        signal: controller.signal,
      });
      const text = await response.text();
      outcome =
        response.status !== 200
          ? { outcome: 'failed', httpStatus: response.status, reason: `HTTP ${response.status}` }
          : hasNumericCode(text)
            ? { outcome: 'delivered', httpStatus: 200 }
            : { outcome: 'failed', httpStatus: 200, reason: 'no numeric code' };
    } catch {
      if (!this.requests.has(controller)) return; // reset or closed meanwhile
      outcome = { outcome: 'failed', reason: controller.signal.aborted ? 'timeout' : 'network' };
    } finally {
      clearTimeout(timer);
      this.requests.delete(controller);
    }
    const willRetry = outcome.outcome === 'failed' && attempt <= retryDelaysMs.length;
    this.record({
      batchId,
      messageType,
      receipts: receipts.length,
      attempt,
      startedAt: new Date(started).toISOString(),
      durationMs: Date.now() - started,
      target: `${url.origin}${url.pathname}`,
      ...outcome,
      ...(outcome.outcome === 'failed' ? { willRetry } : {}),
    });
    if (!willRetry) return;
    const retry = setTimeout(() => {
      this.retries.delete(retry);
      void this.deliver(batchId, messageType, receipts, attempt + 1);
    }, retryDelaysMs[attempt - 1]);
    retry.unref();
    this.retries.add(retry);
  }

  private record(attempt: PushAttempt): void {
    this.attempts.push(attempt);
    if (this.attempts.length > MAX_LOGGED_ATTEMPTS) this.attempts.shift();
  }
}

/** docs/alibaba/receipts.md#flow: "only `code` being numeric is checked". */
function hasNumericCode(text: string): boolean {
  try {
    const body: unknown = JSON.parse(text);
    return typeof body === 'object' && body !== null && typeof (body as { code?: unknown }).code === 'number';
  } catch {
    return false;
  }
}

/** The start settings: SANDBOX_PUSH_URL (unset: push off), the rest Alibaba's values. */
export function pushSettingsFromEnv(env: Readonly<Record<string, string | undefined>> = process.env): PushSettings {
  const url = env.SANDBOX_PUSH_URL?.trim();
  const defaults = copy({ url: null, ...DEFAULT_PUSH_SETTINGS, retryDelaysMs: [...DEFAULT_PUSH_SETTINGS.retryDelaysMs] });
  if (!url) return defaults;
  try {
    return { ...defaults, url: checkUrl(url) };
  } catch (error) {
    throw new Error(`SANDBOX_PUSH_URL ${(error as Error).message}`);
  }
}

/** Checks a (partial) settings object from the control API. */
function parsePushSettings(input: unknown): Partial<PushSettings> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new ControlInputError('the body must be a JSON object with some of url, queues, batchWindowMs, timeoutMs, retryDelaysMs');
  }
  const update: Partial<PushSettings> = {};
  for (const [name, value] of Object.entries(input)) {
    switch (name) {
      case 'url':
        try {
          update.url = value === null ? null : checkUrl(value);
        } catch (error) {
          throw new ControlInputError(`url ${(error as Error).message}`);
        }
        break;
      case 'queues':
        if (typeof value !== 'boolean') throw new ControlInputError('queues must be true or false');
        update.queues = value;
        break;
      case 'batchWindowMs':
        update.batchWindowMs = integer(name, value, 0, 60_000);
        break;
      case 'timeoutMs':
        update.timeoutMs = integer(name, value, 1, 60_000);
        break;
      case 'retryDelaysMs':
        if (!Array.isArray(value) || value.length > 10) throw new ControlInputError('retryDelaysMs must be an array of at most 10 delays');
        update.retryDelaysMs = value.map((delay) => integer('retryDelaysMs[]', delay, 0, 3_600_000));
        break;
      default:
        throw new ControlInputError(`unknown push setting ${name}`);
    }
  }
  return update;
}

function checkUrl(value: unknown): string {
  let url: URL;
  try {
    url = new URL(String(value).replaceAll('{messageType}', VOICE_MESSAGE_TYPES[0]));
  } catch {
    throw new Error(`must be an http(s) URL (with {messageType} where the type goes), got ${JSON.stringify(value)}`);
  }
  if (typeof value !== 'string' || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new Error(`must be an http(s) URL (with {messageType} where the type goes), got ${JSON.stringify(value)}`);
  }
  return value;
}

function integer(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ControlInputError(`${name} must be an integer from ${min} to ${max} (milliseconds), got ${JSON.stringify(value)}`);
  }
  return value;
}

function copy(settings: PushSettings): PushSettings {
  return { ...settings, retryDelaysMs: [...settings.retryDelaysMs] };
}
