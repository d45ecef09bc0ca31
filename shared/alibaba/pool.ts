/**
 * One keep-alive undici Pool per Alibaba origin, kept at module scope so that a warm Lambda
 * container reuses its TCP/TLS connections across invocations and across client instances.
 */
import type { Pool } from 'undici';
import request from 'undici/lib/api/api-request.js';
import UndiciPool from 'undici/lib/dispatcher/pool.js';

// undici's index loads fetch, WebSocket, mocks, caches and proxies, about 250 KB of each minified
// bundle; the Pool and its request() are all this project uses (rpcClient dispatches, mnsClient
// requests), so only their modules are imported. They are not undici's public API: package.json
// pins undici's exact version and test/unit/alibaba/undiciInternals.test.ts fails if they move. The index adds request() to every dispatcher's
// prototype; this does the same for Pool, unless the full index is loaded in this process.
if (!('request' in UndiciPool.prototype)) {
  Object.defineProperty(UndiciPool.prototype, 'request', { value: request, writable: true, configurable: true });
}

/**
 * Idle keep-alive sockets are closed after this long. It stays below the idle timeouts HTTP front
 * ends commonly use, so we close first instead of writing a request into a socket the server is
 * closing; a request lost that way on a call-placing action would be ambiguous (docs/alibaba/errors.md#gateway-codes).
 * undici additionally checks an idle socket for a pending FIN/RST before reusing it, which covers
 * sockets the server closed while a Lambda container was frozen.
 */
export const KEEP_ALIVE_TIMEOUT_MS = 4_000;

/** TCP + TLS connect budget. A connect failure is always safe to retry: nothing was sent. */
export const CONNECT_TIMEOUT_MS = 5_000;

const pools = new Map<string, Pool>();

/**
 * The shared Pool for an origin (`https://dyvmsapi.aliyuncs.com`, `http://127.0.0.1:8090`),
 * created on first use and replaced only if it was closed.
 */
export function poolFor(origin: string): Pool {
  const existing = pools.get(origin);
  if (existing && !existing.closed && !existing.destroyed) return existing;
  const pool = new UndiciPool(origin, {
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
    connect: { timeout: CONNECT_TIMEOUT_MS },
  });
  pools.set(origin, pool);
  return pool;
}

/** Destroys the shared Pool of one origin, if any (a throwaway origin such as the init warm-up's). */
export async function destroyPool(origin: string): Promise<void> {
  const pool = pools.get(origin);
  pools.delete(origin);
  await pool?.destroy().catch(() => undefined);
}

/** Destroys every shared Pool (tests and orderly shutdown); the next poolFor() starts a new one. */
export async function destroyPools(): Promise<void> {
  const all = [...pools.values()];
  pools.clear();
  await Promise.allSettled(all.map((pool) => pool.destroy()));
}
