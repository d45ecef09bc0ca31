/**
 * A stand-in for the SSM and Secrets Manager JSON 1.1 endpoints on 127.0.0.1. It records every
 * request as received and verifies its SigV4 signature the way AWS does: from the received method,
 * path, query, signed headers and body, recomputed with @smithy/signature-v4 under the service,
 * region and secret key AWS would use. Answers are scripted, one per request.
 */
import { createHash, createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignatureV4 } from '@smithy/signature-v4';

export const REGION = 'eu-west-1';
export const ACCESS_KEY_ID = 'AKIAIOSFODNN7EXAMPLE';
export const SECRET_ACCESS_KEY = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
export const SESSION_TOKEN = 'IQoJb3JpZ2luX2VjEXAMPLESESSIONTOKEN';

/** One request as the server saw it. */
export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** What the server answers; unscripted requests get 500. */
export type Answer =
  | { status: number; json: unknown; headers?: Record<string, string> }
  | { status: number; text: string; headers?: Record<string, string> }
  | { hang: true };

export class FakeAws {
  readonly received: ReceivedRequest[] = [];
  private readonly answers: Answer[] = [];
  private readonly server: Server;
  private readonly hanging = new Set<() => void>();
  port = 0;

  constructor() {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        this.received.push({
          method: request.method ?? '',
          path: request.url ?? '',
          headers: request.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        });
        // AWS answers carry a Date; a real one would make the SDK correct its clock against ours.
        response.sendDate = false;
        const answer = this.answers.shift() ?? { status: 500, json: { __type: 'InternalServerError', message: 'unscripted' } };
        if ('hang' in answer) {
          this.hanging.add(() => response.destroy());
          return;
        }
        const text = 'json' in answer ? JSON.stringify(answer.json) : answer.text;
        response.writeHead(answer.status, {
          'content-type': 'application/x-amz-json-1.1',
          'x-amzn-requestid': `req-${this.received.length}`,
          ...answer.headers,
        });
        response.end(text);
      });
    });
  }

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  answer(...next: Answer[]): void {
    this.answers.push(...next);
  }

  reset(): void {
    this.received.length = 0;
    this.answers.length = 0;
  }

  async stop(): Promise<void> {
    for (const release of this.hanging) release();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** What a successful verification found in the Authorization header. */
export interface VerifiedSignature {
  accessKeyId: string;
  scope: { date: string; region: string; service: string };
  signedHeaders: string[];
}

/**
 * Verifies a received request's SigV4 signature for `service` in `region` with `secretAccessKey`,
 * recomputing it from what arrived. Throws, saying why, when it does not verify.
 */
export async function verifySigV4(
  request: ReceivedRequest,
  expected: { service: string; region: string; port: number; secretAccessKey?: string },
): Promise<VerifiedSignature> {
  const authorization = header(request.headers, 'authorization');
  const match = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/.exec(
    authorization ?? '',
  );
  if (!match) throw new Error(`not a SigV4 Authorization header: ${authorization}`);
  const [, accessKeyId, date, region, service, signedList, signature] = match as unknown as string[];
  if (region !== expected.region) throw new Error(`signed for region ${region}, expected ${expected.region}`);
  if (service !== expected.service) throw new Error(`signed for service ${service}, expected ${expected.service}`);
  const amzDate = header(request.headers, 'x-amz-date');
  if (!amzDate?.startsWith(date!)) throw new Error(`x-amz-date ${amzDate} does not match the scope date ${date}`);
  const signedHeaders = signedList!.split(';');
  for (const required of ['host', 'x-amz-date']) {
    if (!signedHeaders.includes(required)) throw new Error(`${required} is not signed`);
  }

  // AWS checks a sent payload hash against the body; the signature covers only the header.
  const payloadHash = header(request.headers, 'x-amz-content-sha256');
  if (payloadHash !== undefined && payloadHash !== createHash('sha256').update(request.body, 'utf8').digest('hex')) {
    throw new Error('x-amz-content-sha256 does not match the body');
  }

  const headers: Record<string, string> = {};
  for (const name of signedHeaders) {
    const value = header(request.headers, name);
    if (value === undefined) throw new Error(`signed header ${name} was not received`);
    headers[name] = value;
  }
  const url = new URL(request.path, `http://127.0.0.1:${expected.port}`);
  const signer = new SignatureV4({
    service: expected.service,
    region: expected.region,
    credentials: {
      accessKeyId: accessKeyId!,
      secretAccessKey: expected.secretAccessKey ?? SECRET_ACCESS_KEY,
      // Set only when it was sent, so the signer puts back exactly the received header.
      ...(headers['x-amz-security-token'] ? { sessionToken: headers['x-amz-security-token'] } : {}),
    },
    sha256: NodeSha256,
    // The payload hash header is signed when it was sent; the signer must not add one of its own.
    applyChecksum: false,
  });
  const recomputed = await signer.sign(
    {
      method: request.method,
      protocol: 'http:',
      hostname: url.hostname,
      port: Number(url.port),
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers,
      body: request.body,
    },
    { signingDate: parseAmzDate(amzDate), signableHeaders: new Set(signedHeaders) },
  );
  const ours = /Signature=([0-9a-f]{64})$/.exec(String(recomputed.headers.authorization))?.[1];
  const theirSigned = /SignedHeaders=([^,]+),/.exec(String(recomputed.headers.authorization))?.[1];
  if (theirSigned !== signedList) throw new Error(`recomputed over ${theirSigned}, the request signed ${signedList}`);
  if (ours !== signature) throw new Error('signature does not verify');
  return { accessKeyId: accessKeyId!, scope: { date: date!, region: region!, service: service! }, signedHeaders };
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

/** `20240115T083000Z` -> Date. */
function parseAmzDate(value: string): Date {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) throw new Error(`bad x-amz-date ${value}`);
  return new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!));
}

type Data = string | ArrayBuffer | ArrayBufferView;

/** The verifier's own hash, independent of the client under test. */
class NodeSha256 {
  private readonly hash;
  constructor(secret?: Data) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', toBuffer(secret));
  }
  update(data: Data): void {
    this.hash.update(toBuffer(data));
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(this.hash.digest());
  }
}

function toBuffer(data: Data): Buffer {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}
