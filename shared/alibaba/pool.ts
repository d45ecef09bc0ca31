/**
 * One keep-alive undici Pool per Alibaba origin, kept at module scope so that a warm Lambda
 * container reuses its TCP/TLS connections across invocations and across client instances.
 */
import type { Socket } from 'node:net';
import type { buildConnector as BuildConnector, Pool } from 'undici';
import request from 'undici/lib/api/api-request.js';
import buildConnector from 'undici/lib/core/connect.js';
import UndiciPool from 'undici/lib/dispatcher/pool.js';

// undici's index loads fetch, WebSocket, mocks, caches and proxies, about 250 KB of each minified
// bundle; the Pool, its request() and the connector it builds are all this project uses (rpcClient
// dispatches, mnsClient requests, preconnect opens), so only their modules are imported. They are not undici's public API: package.json
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

/** What the Pool would build from `connect: { timeout: CONNECT_TIMEOUT_MS }`: TCP (+ TLS), no delay, keep-alive probes. */
const connector: BuildConnector.connector = buildConnector({ timeout: CONNECT_TIMEOUT_MS });

/** Connections opened ahead (see preconnect), by origin, until a Pool takes them. */
const early = new Map<string, { socket: Promise<Socket>; openedAt: number }>();

/**
 * Opens one connection to `origin` now, for the Pool's first request to take instead of connecting
 * then: a Lambda's init calls it first thing, so the TCP and TLS handshakes (two or three round
 * trips to Alibaba, and the TLS work at full CPU) overlap the rest of init instead of the first
 * request. A connection not taken within KEEP_ALIVE_TIMEOUT_MS is closed, like an idle one, and a
 * failed one is forgotten: the request then connects as it would have.
 */
export function preconnect(origin: string): void {
  if (early.has(origin)) return;
  const url = new URL(origin);
  const entry = {
    openedAt: Date.now(),
    socket: new Promise<Socket>((resolve, reject) => {
      connector({ hostname: url.hostname, host: url.host, protocol: url.protocol, port: url.port, servername: null, localAddress: null, httpSocket: undefined } as never, (error, socket) =>
        error || !socket ? reject(error ?? new Error('no socket')) : resolve(socket as Socket),
      );
    }),
  };
  early.set(origin, entry);
  const forget = () => {
    if (early.get(origin) === entry) early.delete(origin);
  };
  entry.socket.then(
    (socket) => {
      socket.once('close', forget);
      // Not taken in time: closed as an idle keep-alive connection would be.
      setTimeout(() => {
        if (early.get(origin) !== entry) return;
        forget();
        socket.destroy();
      }, KEEP_ALIVE_TIMEOUT_MS).unref();
    },
    forget,
  );
}

/** The Pool's connector for `origin`: the connection preconnect() opened, while fresh and open, else a new one. */
function connectTo(origin: string): BuildConnector.connector {
  return (options, callback) => {
    const entry = early.get(origin);
    early.delete(origin);
    if (!entry || Date.now() - entry.openedAt >= KEEP_ALIVE_TIMEOUT_MS) {
      connector(options, callback);
      return;
    }
    entry.socket.then(
      (socket) => {
        if (socket.destroyed || socket.readyState !== 'open') {
          socket.destroy();
          connector(options, callback);
        } else callback(null, socket);
      },
      () => connector(options, callback),
    );
  };
}

/**
 * The shared Pool for an origin (`https://dyvmsapi.aliyuncs.com`, `http://127.0.0.1:8090`),
 * created on first use and replaced only if it was closed.
 */
export function poolFor(origin: string): Pool {
  const existing = pools.get(origin);
  if (existing && !existing.closed && !existing.destroyed) return existing;
  const pool = new UndiciPool(origin, { keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS, connect: connectTo(origin) });
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
  for (const [origin, entry] of early) {
    early.delete(origin);
    entry.socket.then((socket) => socket.destroy(), () => undefined);
  }
  await Promise.allSettled(all.map((pool) => pool.destroy()));
}
