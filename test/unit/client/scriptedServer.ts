/**
 * A local HTTP server for the client's tests: it records every request exactly as received and
 * answers each from a script (status, headers, body), or drops the connection to play a network
 * failure. Real HTTP on 127.0.0.1, so the client's fetch, headers and signatures are the real ones.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  /** Path and query exactly as sent. */
  target: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export type ScriptedAnswer =
  | { status: number; headers?: Record<string, string>; body?: unknown }
  /** Destroys the socket without an answer. */
  | 'drop'
  /** Never answers (until the server closes). */
  | 'hang';

export interface ScriptedServer {
  url: string;
  requests: RecordedRequest[];
  /** Answers the next requests in order; once the script is used up, `fallback` answers. */
  script(...answers: ScriptedAnswer[]): void;
  close(): Promise<void>;
}

export async function startScriptedServer(fallback: ScriptedAnswer = { status: 500, body: { message: 'unscripted' } }): Promise<ScriptedServer> {
  const requests: RecordedRequest[] = [];
  let answers: ScriptedAnswer[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      requests.push({ method: request.method!, target: request.url!, headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
      const answer = answers.shift() ?? fallback;
      if (answer === 'drop') {
        request.socket.destroy();
        return;
      }
      if (answer === 'hang') return;
      const body = answer.body === undefined ? '' : typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
      response.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
      response.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    script: (...next) => {
      answers = next;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A problem+json answer as the API sends it. */
export function problemAnswer(status: number, code: string, headers: Record<string, string> = {}, extra: Record<string, unknown> = {}): ScriptedAnswer {
  return {
    status,
    headers: { 'content-type': 'application/problem+json', ...headers },
    body: { type: `urn:aliyun-voice:problem:${code}`, title: 'Problem', status, detail: `detail of ${code}`, code, requestId: 'req-1', ...extra },
  };
}
