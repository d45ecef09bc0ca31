/**
 * A TCP proxy that puts a service `rttMs` away: a new connection's first bytes pass only one round
 * trip after it was accepted (TCP's handshake), then every chunk takes half the round trip each
 * way, in order. It stands between the handlers and the local Alibaba sandbox, which answers in
 * well under a millisecond, where Alibaba is tens of milliseconds away from a Lambda. TLS is not
 * modelled (the sandbox speaks plain HTTP): with it, a new connection would cost one or two round
 * trips more, to the official clients and to ours alike.
 */
import { createServer, connect, type AddressInfo, type Socket } from 'node:net';
import { onCleanUp } from './processes.ts';

export interface DelayProxy {
  /** `http://127.0.0.1:<port>`: the upstream origin, `rttMs` away. */
  url: string;
  rttMs: number;
  close(): Promise<void>;
}

/**
 * Forwards `from` into `to`, each chunk (and the end) at the time `dueAt` gives it, in order: one
 * queue per direction, so a chunk never overtakes the one before it.
 */
function forwardDelayed(from: Socket, to: Socket, dueAt: () => number): void {
  const queue: { at: number; chunk: Buffer | 'end' }[] = [];
  let timer: NodeJS.Timeout | undefined;
  const drain = () => {
    timer = undefined;
    while (queue.length > 0 && queue[0]!.at <= performance.now()) {
      const { chunk } = queue.shift()!;
      if (to.destroyed) continue;
      if (chunk === 'end') to.end();
      else to.write(chunk);
    }
    if (queue.length > 0) timer = setTimeout(drain, Math.max(0, queue[0]!.at - performance.now()));
  };
  const push = (chunk: Buffer | 'end') => {
    // Never before the chunk ahead of it.
    queue.push({ at: Math.max(dueAt(), queue.at(-1)?.at ?? 0), chunk });
    timer ??= setTimeout(drain, Math.max(0, queue[0]!.at - performance.now()));
  };
  from.on('data', (chunk: Buffer) => push(chunk));
  from.on('end', () => push('end'));
  from.on('error', () => to.destroy());
}

/** Starts a proxy to `upstream` (`http://host:port`) on a free loopback port; closed at clean-up. */
export async function startDelayProxy(upstream: string, rttMs: number): Promise<DelayProxy> {
  const target = new URL(upstream);
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    sockets.add(client);
    client.once('close', () => sockets.delete(client));
    client.setNoDelay(true);
    const acceptedAt = performance.now();
    const upstreamSocket = connect({ host: target.hostname, port: Number(target.port) });
    sockets.add(upstreamSocket);
    upstreamSocket.once('close', () => sockets.delete(upstreamSocket));
    upstreamSocket.setNoDelay(true);
    // Until the handshake's round trip has passed, nothing the client wrote may arrive.
    forwardDelayed(client, upstreamSocket, () => Math.max(performance.now() + rttMs / 2, acceptedAt + 1.5 * rttMs));
    forwardDelayed(upstreamSocket, client, () => performance.now() + rttMs / 2);
    // A side that closed (after its end, or reset) closes the other once what it sent has passed.
    client.once('close', () => setTimeout(() => upstreamSocket.destroy(), rttMs * 2).unref());
    upstreamSocket.once('close', () => setTimeout(() => client.destroy(), rttMs * 2).unref());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const close = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });
  onCleanUp(close);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, rttMs, close };
}
