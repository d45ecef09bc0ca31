/**
 * What the local AWS stand-ins (eventBus.ts, queue.ts, scheduler.ts) share as HTTP servers: the
 * request read whole (with a size cap, so a runaway client cannot make them buffer without limit),
 * JSON answers carrying a request id as AWS's do, the signing region, listening and closing.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request with its body read. `tooLarge`: the body passed the cap and was not kept. */
export interface BufferedRequest {
  method: string;
  /** The decoded-once path, without the query. */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: string;
  tooLarge: boolean;
}

export type RequestHandler = (request: BufferedRequest, response: ServerResponse) => void | Promise<void>;

/**
 * A server that hands each request to `handle` once its body is read (at most `maxBodyBytes` kept).
 * A handler that throws answers 500, so one bad request never stops the stand-in.
 */
export function createBufferedServer(maxBodyBytes: number, handle: RequestHandler): Server {
  return createServer((request: IncomingMessage, response) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBodyBytes) chunks.push(chunk);
    });
    request.on('end', () => {
      const url = new URL(request.url ?? '/', 'http://local');
      const buffered: BufferedRequest = {
        method: request.method ?? 'GET',
        path: url.pathname,
        query: url.searchParams,
        headers: request.headers,
        body: size > maxBodyBytes ? '' : Buffer.concat(chunks).toString('utf8'),
        tooLarge: size > maxBodyBytes,
      };
      Promise.resolve()
        .then(() => handle(buffered, response))
        .catch((error: unknown) => {
          if (response.headersSent) return response.destroy();
          sendJson(response, 500, 'application/json', { message: `local stand-in failed: ${error instanceof Error ? error.message : String(error)}` });
        });
    });
  });
}

/** A JSON answer (none for `body` undefined) with a request id, as every AWS answer has one. */
export function sendJson(response: ServerResponse, status: number, contentType: string | undefined, body: unknown, headers: Record<string, string> = {}): void {
  const all: Record<string, string> = { 'x-amzn-requestid': randomUUID(), ...headers };
  if (contentType) all['content-type'] = contentType;
  response.writeHead(status, all);
  response.end(body === undefined ? undefined : JSON.stringify(body));
}

/** The region the client signed for (`Credential=<key>/<date>/<region>/<service>/aws4_request`); `fallback` when unsigned. */
export function signingRegion(headers: IncomingHttpHeaders, service: string, fallback: string): string {
  const match = new RegExp(`Credential=[^/]+/\\d{8}/([^/]+)/${service}/`).exec(headers.authorization ?? '');
  return match?.[1] ?? fallback;
}

/** The access key id the request was signed with, if it was signed. */
export function signingKeyId(headers: IncomingHttpHeaders): string | undefined {
  return /Credential=([^/]+)\//.exec(headers.authorization ?? '')?.[1];
}

/** Listens on `host` (default 127.0.0.1) and `port` (0 picks a free one); resolves to the origin and port. */
export async function listen(server: Server, port = 0, host = '127.0.0.1'): Promise<{ url: string; port: number }> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  return { url: `http://${address.address}:${address.port}`, port: address.port };
}

/** Stops listening and drops open (keep-alive) connections, so the port is free when this resolves. */
export function closeServer(server: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
