/**
 * The local Alibaba sandbox: HTTP servers that answer like dyvmsapi and dybaseapi (docs/alibaba/rpc.md, docs/alibaba/receipts.md)
 * and the Alicom MNS receipt queues (docs/alibaba/mns.md) closely enough for the official clients, plus a
 * control API for tests. RPC and the control API share one origin, MNS has its own, as at
 * Alibaba. See sandbox/README.md.
 *
 * @example
 *   const sandbox = await startSandbox({ port: 0 });
 *   // point RPC clients at sandbox.url and MNS clients at sandbox.mnsUrl, then:
 *   sandbox.control.addFault({ action: 'SingleCallByTts', error: { code: 'isp.SYSTEM_ERROR' } });
 *   await sandbox.close();
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolveSandboxOptions, type SandboxOptions } from './config.ts';
import { createControl, type SandboxControl } from './control.ts';
import { CONTROL_PREFIX, handleControlRequest } from './controlRoutes.ts';
import { BodyTooLargeError, readBody, sendJson } from './http.ts';
import { createRpcGateway } from './rpc/gateway.ts';
import { ActionRegistry } from './rpc/registry.ts';
import { parseRpcRequest } from './rpc/request.ts';
import { dybaseActions } from './dybase/actions.ts';
import type { VoiceMessageType } from './dybase/product.ts';
import { createMnsService } from './mns/service.ts';
import { createSandboxState } from './state.ts';
import { voiceActions } from './voice/actions.ts';
import { DYVMSAPI } from './voice/product.ts';

export type { SandboxOptions, ReceiptSettings } from './config.ts';
export { endpointVariables, type SandboxOrigins } from './endpoints.ts';
export type { SandboxControl, SandboxCallView, QueueStats } from './control.ts';
export type { FaultSpec, FaultTarget, PendingFault } from './faults.ts';
export type { EnqueueSpec, EnqueueResult } from './mns/enqueue.ts';
export type { RecordedMnsRequest } from './mns/service.ts';
export type { TokenView } from './dybase/tokens.ts';
export type { RecordedRequest } from './rpc/requestLog.ts';

export interface Sandbox {
  /**
   * `http://host:port`: RPC (dyvmsapi, dybaseapi) on `/` and the control API under `/__sandbox/`.
   * The endpoint of `@alicloud/pop-core`, `@alicloud/openapi-client` (its host), and of
   * ALIYUN_VOICE_ENDPOINT and ALIYUN_DYBASE_ENDPOINT. Also still answers MNS under `/queues/`,
   * the single-origin form of earlier versions.
   */
  url: string;
  port: number;
  /**
   * `http://host:mnsPort`: MNS, the receipt queues under `/queues/`, on an origin of its own as at
   * Alibaba (where MNS is another host). The endpoint of `@alicloud/mns` and of ALIYUN_MNS_ENDPOINT
   * (see endpoints.ts for why it must be apart).
   */
  mnsUrl: string;
  mnsPort: number;
  /** The receipt queues' names, by message type: `Alicom-Queue-<accountId>-<MessageType>`. */
  queueNames: Readonly<Record<VoiceMessageType, string>>;
  control: SandboxControl;
  /** Stops listening on both origins and drops open (keep-alive) connections. */
  close(): Promise<void>;
}

/** A route of one of the sandbox's HTTP servers. */
interface Route {
  matches(url: URL): boolean;
  handle(req: IncomingMessage, res: ServerResponse, url: URL, body: Buffer): Promise<void> | void;
}

export async function startSandbox(options?: SandboxOptions): Promise<Sandbox> {
  const settings = resolveSandboxOptions(options);
  const state = createSandboxState(settings);
  const control = createControl(state, settings);
  const gateway = createRpcGateway({
    // Both products share `/`: actions are found by name, so names must not clash (register throws).
    registry: new ActionRegistry(DYVMSAPI)
      .register(...voiceActions(state))
      .register(...dybaseActions({ tokens: state.tokens, accountId: settings.accountId, settings: state.receiptSettings })),
    keys: new Map(settings.keys.map((key) => [key.accessKeyId, key])),
    nonces: state.nonces,
    faults: state.faults,
    requestLog: state.requestLog,
    now: settings.now,
  });
  const shutdown = new AbortController();
  const mns = createMnsService({
    queues: state.queues,
    tokens: state.tokens,
    faults: state.faults,
    settings: state.receiptSettings,
    requestLog: state.mnsRequestLog,
    now: settings.now,
    shutdown: shutdown.signal,
  });

  const controlRoute: Route = {
    matches: (url) => url.pathname.startsWith(CONTROL_PREFIX),
    handle: (req, res, url, body) => handleControlRequest(control, req.method ?? 'GET', url.pathname, body, res),
  };
  const rpcRoute: Route = {
    // docs/alibaba/rpc.md#endpoints: RPC path is always `/`.
    matches: (url) => url.pathname === '/',
    handle: (req, res, url, body) => gateway(parseRpcRequest(req, url, body), res),
  };
  const mnsRoute: Route = {
    // docs/alibaba/mns.md: MNS resources are under /queues/<name>.
    matches: (url) => url.pathname.startsWith('/queues/'),
    handle: (req, res, _url, body) => mns(req, res, body),
  };

  let origins: Origins | undefined;
  const rpcServer = createOriginServer(
    // MNS is still answered here too: the single-origin form of earlier versions costs nothing to keep.
    [controlRoute, rpcRoute, mnsRoute],
    (pathname) =>
      `nothing at ${pathname}; RPC actions are served at /, the control API at ${CONTROL_PREFIX}, ` +
      `MNS queues under /queues/ on ${origins?.mnsUrl ?? 'the MNS origin'}`,
  );
  const mnsServer = createOriginServer(
    [mnsRoute],
    (pathname) =>
      `nothing at ${pathname}; this is the MNS origin, with queues under /queues/ only: ` +
      `RPC actions and the control API are on ${origins?.url ?? 'the RPC origin'}`,
  );
  const close = async (): Promise<void> => {
    state.lifecycle.clear();
    state.pusher.close();
    shutdown.abort();
    await Promise.all([closeServer(rpcServer), closeServer(mnsServer)]);
  };

  try {
    const port = await listen(rpcServer, settings.port, settings.host);
    const mnsPort = await listen(mnsServer, settings.mnsPort, settings.host);
    const host = settings.host.includes(':') ? `[${settings.host}]` : settings.host;
    origins = { url: `http://${host}:${port}`, port, mnsUrl: `http://${host}:${mnsPort}`, mnsPort };
  } catch (error) {
    await close();
    throw error;
  }

  return {
    ...origins,
    queueNames: Object.fromEntries(state.queues.entries().map(([type, queue]) => [type, queue.name])) as Record<VoiceMessageType, string>,
    control,
    close,
  };
}

type Origins = Pick<Sandbox, 'url' | 'port' | 'mnsUrl' | 'mnsPort'>;

/** One origin: its routes, and a 404 naming what is served where for any other path. */
function createOriginServer(routes: readonly Route[], nothingAt: (pathname: string) => string): Server {
  return createServer((req, res) => {
    dispatch(routes, nothingAt, req, res).catch((error: unknown) => {
      console.error('[sandbox] unexpected error', error);
      if (!res.headersSent) sendJson(res, 500, { error: 'sandbox internal error' });
      else res.destroy();
    });
  });
}

/** Resolves with the port listened on (the one picked when `port` is 0). */
function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** Stops listening and drops open (keep-alive) connections; a server that never listened is fine. */
function closeServer(server: Server): Promise<void> {
  if (!server.listening) return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeAllConnections();
  });
}

async function dispatch(
  routes: readonly Route[],
  nothingAt: (pathname: string) => string,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  // Prefixing keeps a path like `//x` a path instead of a protocol-relative URL.
  const url = new URL(`http://sandbox${req.url ?? '/'}`);
  let body: Buffer;
  try {
    body = await readBody(req);
  } catch (error) {
    if (!(error instanceof BodyTooLargeError)) throw error;
    sendJson(res, 413, { error: error.message });
    return;
  }
  const route = routes.find((candidate) => candidate.matches(url));
  if (!route) {
    sendJson(res, 404, { error: nothingAt(url.pathname) });
    return;
  }
  await route.handle(req, res, url, body);
}
