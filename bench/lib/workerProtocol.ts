/**
 * The worker side of forkWorker(): answers `{id, type, payload}` messages from the bench with
 * `{id, ok, result | error}`. A worker handles one request at a time, as the bench sends them.
 */
export type WorkerHandlers = Record<string, (payload: any) => Promise<unknown> | unknown>;

export function serveWorker(handlers: WorkerHandlers): void {
  if (!process.send) throw new Error('a bench worker must be forked with an IPC channel');
  process.on('message', (message: { id: number; type: string; payload?: unknown }) => {
    const handler = handlers[message.type];
    const reply = (body: { ok: boolean; result?: unknown; error?: string }) => process.send!({ id: message.id, ...body });
    if (!handler) {
      reply({ ok: false, error: `unknown request ${message.type}` });
      return;
    }
    Promise.resolve()
      .then(() => handler(message.payload))
      .then(
        (result) => reply({ ok: true, result }),
        (error: unknown) => reply({ ok: false, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) }),
      );
  });
  // The bench going away (killed, crashed) must not leave a worker behind.
  process.on('disconnect', () => process.exit(0));
}
