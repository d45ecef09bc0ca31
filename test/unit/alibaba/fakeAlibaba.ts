/**
 * A scriptable stand-in for dyvmsapi on 127.0.0.1: verifies every request's V1 or V3 signature
 * with the signing module's own primitives and answers as scripted, one step per request.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  acs3CanonicalRequest,
  acs3Signature,
  parseAcs3Authorization,
  rpcV1Signature,
  sha256Hex,
} from '#shared/signing/index';

export const TEST_KEY_ID = 'LTAItestKeyId';
export const TEST_SECRET = 'test-secret-never-in-errors';

/** What the server does with one request. Unscripted requests get `{ kind: 'ok' }`. */
export type Step =
  | { kind: 'ok'; extra?: Record<string, unknown> }
  | { kind: 'json'; status: number; code: string; message?: string; headers?: Record<string, string> }
  | { kind: 'raw'; status: number; text: string; contentType?: string }
  | { kind: 'delay'; ms: number; then?: Step }
  | { kind: 'destroy' };

/** One request as the server saw it. */
export interface SeenRequest {
  signatureVersion: 'v1' | 'v3' | 'unknown';
  verified: boolean;
  verifyProblem?: string;
  action?: string;
  nonce?: string;
  /** Form parameters (V1: including the common ones, without Signature). */
  params: Record<string, string>;
  headers: IncomingMessage['headers'];
  remotePort: number | undefined;
}

export class FakeAlibaba {
  readonly requests: SeenRequest[] = [];
  private readonly steps: Step[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private server: Server;
  port = 0;

  constructor(private readonly secret = TEST_SECRET) {
    this.server = this.createServer();
  }

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(port = 0): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  /**
   * Listens again on the same port, synchronously: binding to an IP literal needs no lookup, so the
   * port accepts connections when this returns (used to end a "connection refused" phase).
   */
  relisten(): void {
    this.server = this.createServer();
    this.server.listen(this.port, '127.0.0.1');
  }

  /** Stops listening (new connections are refused) and drops open ones. */
  async stop(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    const server = this.server;
    if (!server.listening) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  script(...steps: Step[]): this {
    this.steps.push(...steps);
    return this;
  }

  private createServer(): Server {
    return createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => this.handle(req, res, Buffer.concat(chunks).toString('utf8')));
    });
  }

  private handle(req: IncomingMessage, res: ServerResponse, body: string): void {
    const seen = this.verify(req, body);
    this.requests.push(seen);
    const requestId = `req-${this.requests.length}`;
    if (!seen.verified) {
      // What Alibaba answers a bad signature with (docs/alibaba/rpc.md#http-status-codes, docs/alibaba/errors.md#gateway-codes).
      sendJson(res, 400, { RequestId: requestId, Code: 'SignatureDoesNotMatch', Message: 'Specified signature is not matched with our calculation.' });
      return;
    }
    this.play(this.steps.shift() ?? { kind: 'ok' }, req, res, requestId);
  }

  private play(step: Step, req: IncomingMessage, res: ServerResponse, requestId: string): void {
    switch (step.kind) {
      case 'ok':
        sendJson(res, 200, { RequestId: requestId, Code: 'OK', Message: 'OK', CallId: `116012354148^${requestId}`, ...step.extra });
        return;
      case 'json':
        sendJson(
          res,
          step.status,
          { RequestId: requestId, Code: step.code, Message: step.message ?? `${step.code} happened`, HostId: 'dyvmsapi.aliyuncs.com' },
          step.headers,
        );
        return;
      case 'raw':
        res.writeHead(step.status, { 'content-type': step.contentType ?? 'text/html' });
        res.end(step.text);
        return;
      case 'delay': {
        const timer = setTimeout(() => {
          this.timers.delete(timer);
          if (!res.destroyed) this.play(step.then ?? { kind: 'ok' }, req, res, requestId);
        }, step.ms);
        this.timers.add(timer);
        return;
      }
      case 'destroy':
        req.socket.destroy();
        return;
    }
  }

  /** Recomputes the signature the way Alibaba does (docs/alibaba/signatures.md#rpc-signature-v1 for V1, docs/alibaba/signatures.md#rpc-signature-v3 for V3). */
  private verify(req: IncomingMessage, body: string): SeenRequest {
    const params = parseForm(body);
    const base = { params, headers: req.headers, remotePort: req.socket.remotePort };
    if (req.method !== 'POST' || req.url !== '/') {
      return { ...base, signatureVersion: 'unknown', verified: false, verifyProblem: `${req.method} ${req.url}` };
    }
    if (req.headers['content-type'] !== 'application/x-www-form-urlencoded') {
      return { ...base, signatureVersion: 'unknown', verified: false, verifyProblem: 'content-type' };
    }

    const authorization = req.headers.authorization;
    if (authorization === undefined) {
      const { Signature: signature, ...signed } = params;
      const expected = rpcV1Signature('POST', signed, this.secret);
      const problem =
        signature === undefined ? 'no Signature'
        : signature !== expected ? 'signature mismatch'
        : signed.AccessKeyId !== TEST_KEY_ID ? 'unknown AccessKeyId'
        : signed.Format !== 'JSON' ? 'Format is not JSON'
        : undefined;
      return {
        ...base,
        params: signed,
        signatureVersion: 'v1',
        verified: problem === undefined,
        ...(problem ? { verifyProblem: problem } : {}),
        action: signed.Action,
        nonce: signed.SignatureNonce,
      };
    }

    const parsed = parseAcs3Authorization(authorization);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (typeof value === 'string') headers[name] = value;
    }
    const hashedPayload = sha256Hex(body);
    let problem: string | undefined;
    if (!parsed) problem = 'bad Authorization';
    else if (parsed.accessKeyId !== TEST_KEY_ID) problem = 'unknown AccessKeyId';
    else if (headers['x-acs-content-sha256'] !== hashedPayload) problem = 'body hash mismatch';
    else if (!['content-type', 'host', 'x-acs-action', 'x-acs-date', 'x-acs-signature-nonce', 'x-acs-version'].every((h) => parsed.signedHeaders.includes(h))) {
      problem = 'a required header is not signed';
    } else {
      const canonical = acs3CanonicalRequest({
        method: 'POST',
        path: '/',
        query: {},
        headers,
        signedHeaders: parsed.signedHeaders,
        hashedPayload,
      });
      if (acs3Signature(canonical, this.secret) !== parsed.signature) problem = 'signature mismatch';
    }
    return {
      ...base,
      signatureVersion: 'v3',
      verified: problem === undefined,
      ...(problem ? { verifyProblem: problem } : {}),
      action: headers['x-acs-action'],
      nonce: headers['x-acs-signature-nonce'],
    };
  }
}

function sendJson(res: ServerResponse, status: number, body: Record<string, unknown>, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json;charset=utf-8', 'x-acs-request-id': String(body.RequestId), ...headers });
  res.end(text);
}

/** `a=1&b=%20x` -> { a: '1', b: ' x' }. Alibaba's encoding never uses `+` for a space (docs/alibaba/signatures.md#rpc-signature-v1). */
function parseForm(body: string): Record<string, string> {
  const params: Record<string, string> = {};
  if (body === '') return params;
  for (const pair of body.split('&')) {
    const eq = pair.indexOf('=');
    const name = decodeURIComponent(eq < 0 ? pair : pair.slice(0, eq));
    params[name] = eq < 0 ? '' : decodeURIComponent(pair.slice(eq + 1));
  }
  return params;
}
