/**
 * The local Alibaba sandbox: an HTTP server that answers like dyvmsapi and dybaseapi (spec §1-§5)
 * and the Alicom MNS receipt queues (spec §6) closely enough for the official clients, plus a
 * control API for tests. See sandbox/README.md.
 *
 * @example
 *   const sandbox = await startSandbox({ port: 0 });
 *   // point a client at sandbox.url, then:
 *   sandbox.control.addFault({ action: 'SingleCallByTts', error: { code: 'isp.SYSTEM_ERROR' } });
 *   await sandbox.close();
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
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
export type { SandboxControl, CallView, QueueStats } from './control.ts';
export type { FaultSpec, FaultTarget, PendingFault } from './faults.ts';
export type { EnqueueSpec, EnqueueResult } from './mns/enqueue.ts';
export type { RecordedMnsRequest } from './mns/service.ts';
export type { TokenView } from './dybase/tokens.ts';
export type { RecordedRequest } from './rpc/requestLog.ts';

export interface Sandbox {
  /**
   * `http://host:port`, the endpoint to give every client: RPC (dyvmsapi, dybaseapi) on `/`, MNS
   * under `/queues/`.
   */
  url: string;
  port: number;
  /** The receipt queues' names, by message type: `Alicom-Queue-<accountId>-<MessageType>`. */
  queueNames: Readonly<Record<VoiceMessageType, string>>;
  control: SandboxControl;
  /** Stops listening and drops open (keep-alive) connections. */
  close(): Promise<void>;
}

/** A route of the sandbox's one HTTP server. */
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

  const routes: Route[] = [
    {
      matches: (url) => url.pathname.startsWith(CONTROL_PREFIX),
      handle: (req, res, url, body) => handleControlRequest(control, req.method ?? 'GET', url.pathname, body, res),
    },
    {
      // spec §1.1: RPC path is always `/`.
      matches: (url) => url.pathname === '/',
      handle: (req, res, url, body) => gateway(parseRpcRequest(req, url, body), res),
    },
    {
      // spec §6: MNS resources are under /queues/<name>.
      matches: (url) => url.pathname.startsWith('/queues/'),
      handle: (req, res, _url, body) => mns(req, res, body),
    },
  ];

  const server = createServer((req, res) => {
    dispatch(routes, req, res).catch((error: unknown) => {
      console.error('[sandbox] unexpected error', error);
      if (!res.headersSent) sendJson(res, 500, { error: 'sandbox internal error' });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(settings.port, settings.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = settings.host.includes(':') ? `[${settings.host}]` : settings.host;

  return {
    url: `http://${host}:${port}`,
    port,
    queueNames: Object.fromEntries(state.queues.entries().map(([type, queue]) => [type, queue.name])) as Record<VoiceMessageType, string>,
    control,
    close: () =>
      new Promise<void>((resolve, reject) => {
        state.lifecycle.clear();
        state.pusher.close();
        shutdown.abort();
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

async function dispatch(routes: readonly Route[], req: IncomingMessage, res: ServerResponse): Promise<void> {
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
    sendJson(res, 404, {
      error: `nothing at ${url.pathname}; RPC actions are served at /, MNS queues under /queues/ and the control API at ${CONTROL_PREFIX}`,
    });
    return;
  }
  await route.handle(req, res, url, body);
}
