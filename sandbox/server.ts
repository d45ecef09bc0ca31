/**
 * The local Alibaba sandbox: an HTTP server that answers like dyvmsapi (spec §1-§4) closely
 * enough for the official clients, plus a control API for tests. See sandbox/README.md.
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
import { createSandboxState } from './state.ts';
import { voiceActions } from './voice/actions.ts';
import { DYVMSAPI } from './voice/product.ts';

export type { SandboxOptions } from './config.ts';
export type { SandboxControl, CallView } from './control.ts';
export type { FaultSpec, PendingFault } from './faults.ts';
export type { RecordedRequest } from './rpc/requestLog.ts';

export interface Sandbox {
  /** `http://host:port`, the endpoint to give clients (path `/`). */
  url: string;
  port: number;
  control: SandboxControl;
  /** Stops listening and drops open (keep-alive) connections. */
  close(): Promise<void>;
}

/** A route of the sandbox's one HTTP server; later products (MNS, dybaseapi) add theirs here. */
interface Route {
  matches(url: URL): boolean;
  handle(req: IncomingMessage, res: ServerResponse, url: URL, body: Buffer): Promise<void> | void;
}

export async function startSandbox(options?: SandboxOptions): Promise<Sandbox> {
  const settings = resolveSandboxOptions(options);
  const state = createSandboxState(settings.flowControl);
  const control = createControl(state, settings.flowControl);
  const gateway = createRpcGateway({
    registry: new ActionRegistry(DYVMSAPI).register(...voiceActions(state)),
    keys: new Map(settings.keys.map((key) => [key.accessKeyId, key])),
    nonces: state.nonces,
    faults: state.faults,
    requestLog: state.requestLog,
    now: settings.now,
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
    control,
    close: () =>
      new Promise<void>((resolve, reject) => {
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
    sendJson(res, 404, { error: `nothing at ${url.pathname}; RPC actions are served at / and the control API at ${CONTROL_PREFIX}` });
    return;
  }
  await route.handle(req, res, url, body);
}
