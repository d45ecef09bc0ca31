/**
 * Temporary MNS credentials for receipt queues, from Dybaseapi QueryTokenForMnsQueue (docs/alibaba/receipts.md#querytokenformnsqueue),
 * cached per message type at module scope so a warm Lambda container reuses them, and refreshed
 * before `ExpireTime` (docs/alibaba/receipts.md#flow step 4, docs/alibaba/README.md#implementation-checklist item 5).
 */
import { CHINA_OFFSET_MS } from '../chinaTime.ts';
import { AlibabaError } from '../errors.ts';
import type { AlibabaCredentials } from '../signing/index.ts';

/** docs/alibaba/rpc.md#endpoints: dybaseapi's API version. */
export const DYBASE_API_VERSION = '2017-05-25';
/** docs/alibaba/receipts.md#querytokenformnsqueue */
export const QUERY_TOKEN_ACTION = 'QueryTokenForMnsQueue';
/**
 * docs/alibaba/receipts.md#flow step 4 / docs/alibaba/README.md#implementation-checklist item 5: official pullers refresh when less than 2 minutes remain, to absorb
 * clock differences. For a token whose whole lifetime is shorter than twice that (the sandbox
 * issues such tokens), half its lifetime is used instead, so it is still used at all.
 */
export const TOKEN_REFRESH_MARGIN_MS = 2 * 60_000;

/** STS credentials for one queue; `expiresAt` is epoch ms. */
export interface ReceiptToken extends AlibabaCredentials {
  securityToken: string;
  expiresAt: number;
}

/** What the provider needs of an RPC client (AlibabaRpcClient on the dybaseapi endpoint). */
export interface TokenRpc {
  call(
    action: string,
    params: Readonly<Record<string, string>>,
    options?: { deadline?: number },
  ): Promise<{ requestId: string; body: Record<string, unknown> }>;
}

/** One cached message type: its queue, its token (if any) and the fetch in flight (if any). */
export interface TokenCacheEntry {
  queueName: string;
  token?: ReceiptToken;
  /** Refresh margin for this token (see TOKEN_REFRESH_MARGIN_MS). */
  marginMs?: number;
  pending?: Promise<ReceiptToken>;
}

/** The process-wide cache: it outlives invocations of a warm container. */
const sharedCache = new Map<string, TokenCacheEntry>();

export interface TokenProviderOptions {
  now?: () => number;
  /** A private cache (tests); default: the module-level one. */
  cache?: Map<string, TokenCacheEntry>;
}

/**
 * Hands out receipt tokens per message type. Concurrent callers for the same type share one
 * QueryTokenForMnsQueue request; a failed request is not cached.
 *
 * @example
 * const tokens = new ReceiptTokenProvider(new AlibabaRpcClient({ endpoint: config.dybaseEndpoint, version: DYBASE_API_VERSION, ... }));
 * const token = await tokens.get('VoiceReport', 'Alicom-Queue-123-VoiceReport', { deadline });
 * // MNS said AccessDenied: drop that token, so the next get() fetches a new one.
 * tokens.invalidate('VoiceReport', token);
 */
export class ReceiptTokenProvider {
  private readonly now: () => number;
  private readonly cache: Map<string, TokenCacheEntry>;

  constructor(
    private readonly rpc: TokenRpc,
    options: TokenProviderOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.cache = options.cache ?? sharedCache;
  }

  /** A token for `messageType`'s queue with more than the refresh margin left, fetching one if needed. */
  get(messageType: string, queueName: string, options: { deadline?: number } = {}): Promise<ReceiptToken> {
    const entry = this.cache.get(messageType);
    if (entry && entry.queueName === queueName) {
      if (entry.token && entry.token.expiresAt - this.now() > (entry.marginMs ?? TOKEN_REFRESH_MARGIN_MS)) {
        return Promise.resolve(entry.token);
      }
      if (entry.pending) return entry.pending;
    }
    const next: TokenCacheEntry = { queueName };
    const pending = this.fetch(messageType, queueName, options.deadline).then(
      ({ token, marginMs }) => {
        if (this.cache.get(messageType) === next) {
          next.token = token;
          next.marginMs = marginMs;
          next.pending = undefined;
        }
        return token;
      },
      (error: unknown) => {
        if (this.cache.get(messageType) === next) this.cache.delete(messageType);
        throw error;
      },
    );
    next.pending = pending;
    this.cache.set(messageType, next);
    return pending;
  }

  /**
   * Forgets the cached token of `messageType` so the next get() fetches a new one. With `stale`,
   * only when the cached token is still that one: a token another caller already refreshed stays.
   */
  invalidate(messageType: string, stale?: AlibabaCredentials): void {
    const entry = this.cache.get(messageType);
    if (!entry) return;
    if (stale && entry.token && entry.token.securityToken !== stale.securityToken) return;
    if (entry.pending) {
      entry.token = undefined;
      return;
    }
    this.cache.delete(messageType);
  }

  private async fetch(messageType: string, queueName: string, deadline: number | undefined) {
    const { requestId, body } = await this.rpc.call(
      QUERY_TOKEN_ACTION,
      { MessageType: messageType, QueueName: queueName },
      deadline === undefined ? {} : { deadline },
    );
    return parseTokenResponse(body, requestId);
  }
}

/**
 * docs/alibaba/receipts.md#querytokenformnsqueue: `MessageTokenDTO` of a QueryTokenForMnsQueue answer → a ReceiptToken and its refresh
 * margin. Throws AlibabaError (`MalformedTokenResponse`) when a field is missing or unreadable.
 */
export function parseTokenResponse(body: Record<string, unknown>, requestId?: string): { token: ReceiptToken; marginMs: number } {
  const dto = body.MessageTokenDTO as Record<string, unknown> | undefined;
  const field = (name: string): string | undefined => {
    const value = dto?.[name];
    return typeof value === 'string' && value !== '' ? value : undefined;
  };
  const accessKeyId = field('AccessKeyId');
  const accessKeySecret = field('AccessKeySecret');
  const securityToken = field('SecurityToken');
  const expireTime = field('ExpireTime');
  const expiresAt = expireTime === undefined ? undefined : parseChinaTime(expireTime);
  if (!accessKeyId || !accessKeySecret || !securityToken || expiresAt === undefined) {
    throw new AlibabaError(
      'transient',
      'MalformedTokenResponse',
      `${QUERY_TOKEN_ACTION} answered OK without a usable MessageTokenDTO (AccessKeyId, AccessKeySecret, SecurityToken, ExpireTime)`,
      { action: QUERY_TOKEN_ACTION, requestId },
    );
  }
  const createTime = field('CreateTime');
  const createdAt = createTime === undefined ? undefined : parseChinaTime(createTime);
  return { token: { accessKeyId, accessKeySecret, securityToken, expiresAt }, marginMs: refreshMarginMs(createdAt, expiresAt) };
}

/**
 * The refresh margin for a token: TOKEN_REFRESH_MARGIN_MS, or half the token's lifetime (from the
 * server's own CreateTime and ExpireTime, so our clock's skew does not matter) when that is shorter.
 */
export function refreshMarginMs(createdAt: number | undefined, expiresAt: number): number {
  if (createdAt === undefined || expiresAt <= createdAt) return TOKEN_REFRESH_MARGIN_MS;
  return Math.min(TOKEN_REFRESH_MARGIN_MS, Math.floor((expiresAt - createdAt) / 2));
}

/**
 * `yyyy-MM-dd HH:mm:ss` in China time (UTC+8, docs/alibaba/receipts.md#querytokenformnsqueue) → epoch ms; undefined when unreadable.
 * A value that names its own zone (`Z`, `+08:00`) is read with that zone instead.
 *
 * @example parseChinaTime('2024-01-15 16:30:00') === Date.parse('2024-01-15T08:30:00Z')
 */
export function parseChinaTime(value: string): number | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(\.\d{1,3})?(Z|[+-]\d{2}:?\d{2})?$/.exec(value.trim());
  if (!match) return undefined;
  const [, year, month, day, hour, minute, second, fraction, zone] = match;
  if (zone !== undefined) {
    const parsed = Date.parse(value.trim().replace(' ', 'T'));
    return Number.isNaN(parsed) ? undefined : parsed;
  }
  const fields = [year, month, day, hour, minute, second].map(Number) as [number, number, number, number, number, number];
  const millis = fraction === undefined ? 0 : Math.round(Number(fraction) * 1000);
  const utc = Date.UTC(fields[0], fields[1] - 1, fields[2], fields[3], fields[4], fields[5], millis);
  // Date.UTC rolls over invalid dates (2024-02-31): reject those instead of guessing.
  const check = new Date(utc);
  if (check.getUTCMonth() !== fields[1] - 1 || check.getUTCDate() !== fields[2] || fields[3] > 23 || fields[4] > 59 || fields[5] > 59) {
    return undefined;
  }
  return utc - CHINA_OFFSET_MS;
}
