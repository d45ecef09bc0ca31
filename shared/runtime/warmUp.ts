/**
 * Init-time warm-up. Lambda runs a function's init (its module scope) at a full vCPU and each
 * invocation at the memory's share of one (256 MB: about 14.5%), so whatever runs for the first time
 * in the first invocation (V8 compiling the request path, the HTTP parser's WebAssembly, the AWS SDK
 * resolving its middleware, the first HMAC key) costs about seven times as long there as at init
 * (docs/benchmarks.md#cold-start-the-lambda-way).
 *
 * So each composition root runs its function's own operation once at init, through throwaway
 * clients built exactly like the real ones but pointed at an in-process stand-in on 127.0.0.1 that
 * answers as Alibaba, MNS and DynamoDB would: the same code paths run and are compiled, nothing leaves
 * the process, nothing is stored, and what they log or count is discarded. The warm clients sign with
 * a made-up key pair, so a request that somehow went elsewhere would be refused, never acted on.
 *
 * Best effort: a warm-up that fails or overruns its budget is abandoned silently, and the function
 * starts exactly as it would have without it. It runs only in a Lambda container (and under
 * serverless-offline), where AWS_LAMBDA_FUNCTION_NAME is set: tests and scripts that import a handler
 * get it without.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createLogger, withLogContext, type Logger } from '../logger.ts';
import { EmfMetricsRecorder } from '../metrics.ts';
import type { AlibabaCredentials } from '../signing/index.ts';
import { PROD_ID_BY_CALL_TYPE } from '../calls/wire.ts';
import { createDynamoClient } from '../store/dynamoClient.ts';
import { marshallItem } from '../store/items.ts';
import { callKey } from '../store/keys.ts';

/** The longest a warm-up may hold init: well under Lambda's 10 s init limit, and never needed in full. */
export const WARM_UP_BUDGET_MS = 1_500;

/**
 * The deadline a warm-up gives its operation, as a request would have it: a queued placement needs
 * room for a whole Alibaba attempt before it starts one. WARM_UP_BUDGET_MS still bounds the wait.
 */
export const WARM_UP_DEADLINE_MS = 10_000;

/** The made-up key pair the warm clients sign with. */
export const WARM_UP_CREDENTIALS: Readonly<AlibabaCredentials> = { accessKeyId: 'warm-up', accessKeySecret: 'warm-up' };

/** What a warm-up builds its throwaway dependencies with. */
export interface WarmUpTarget {
  /** `http://127.0.0.1:<port>`: every endpoint of the warm clients (Alibaba RPC, MNS, DynamoDB). */
  origin: string;
  /** Formats every entry as the real logger does, and writes none. */
  logger: Logger;
  /** Records as the real recorder does, and publishes nothing. */
  metrics: EmfMetricsRecorder;
  /** One DynamoDB client configured as the real one, on the stand-in (destroyed after the warm-up). */
  dynamo(): DynamoDBClient;
  /** Runs `close` once the warm-up is over (a connection pool opened to the stand-in). */
  onClose(close: () => unknown): void;
}

/** True in a Lambda container and under serverless-offline; false in tests and scripts. */
export function warmUpEnabled(env: Readonly<Record<string, string | undefined>> = process.env): boolean {
  return (env.AWS_LAMBDA_FUNCTION_NAME ?? '') !== '';
}

/**
 * Runs `work` against a fresh in-process stand-in, within WARM_UP_BUDGET_MS, then closes everything
 * it opened. Never throws; resolves once the work settled or the budget ran out.
 */
export async function warmUp(work: (target: WarmUpTarget) => Promise<unknown>, env = process.env): Promise<void> {
  if (!warmUpEnabled(env)) return;
  const disposals: (() => unknown)[] = [];
  let server: ReturnType<typeof createServer> | undefined;
  let timer: NodeJS.Timeout | undefined;
  try {
    // Each queue hands out one receipt, then is empty: a drain receives, stores, deletes, and stops.
    const served = new Set<string>();
    server = createServer((request, response) => answer(request, response, served));
    // keep-alive sockets must not hold the process open or outlive the warm-up
    server.keepAliveTimeout = 100;
    await new Promise<void>((resolve, reject) => {
      server!.once('error', reject);
      server!.listen(0, '127.0.0.1', () => resolve());
    });
    server.unref();
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    let dynamo: DynamoDBClient | undefined;
    const target: WarmUpTarget = {
      origin,
      logger: createLogger({}, { write: () => undefined }),
      metrics: new EmfMetricsRecorder({ write: () => undefined }),
      dynamo: () => {
        if (!dynamo) {
          const client = createDynamoClient(origin);
          disposals.push(() => client.destroy());
          dynamo = client;
        }
        return dynamo;
      },
      onClose: (close) => disposals.push(() => void close()),
    };
    await Promise.race([
      // Inside a log context like every invocation's: its AsyncLocalStorage switches on Node's
      // promise hooks, once per process, here rather than in the first request. Then one entry and
      // one metrics line are formatted the way a request's are (masking included), and discarded.
      withLogContext({ requestId: WARM_REQUEST_ID, awsRequestId: WARM_REQUEST_ID }, () => work(target))
        .then(() => {
          target.logger.info('warm-up', { callId: WARM_CALL_ID, calledNumber: WARM_PLACE_REQUEST.calledNumber, alibabaRequestId: WARM_REQUEST_ID });
          target.metrics.publish();
        })
        .catch(() => undefined),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, WARM_UP_BUDGET_MS);
      }),
    ]);
  } catch {
    // No loopback port, or a stand-in that failed: start cold, as without a warm-up.
  } finally {
    clearTimeout(timer);
    for (const dispose of disposals) {
      try {
        dispose();
      } catch {
        // Closing a throwaway client cannot matter to the function.
      }
    }
    server?.closeAllConnections();
    server?.close();
  }
}

/** A call request the warm-ups place against the stand-in: valid, so the whole path runs. */
export const WARM_PLACE_REQUEST = Object.freeze({ type: 'tts', calledNumber: '13800000000', ttsCode: 'TTS_100000000', ttsParam: { code: '0000' } });

/**
 * A receipt as Alibaba pushes and queues them (VoiceReport, docs/alibaba/receipts.md#receipt-fields),
 * for the stand-in call.
 */
export function warmReceipt(): Record<string, string> {
  return {
    call_id: WARM_CALL_ID,
    out_id: 'warm-up',
    status_code: '200000',
    smart_status_code: 'ANSWERED',
    caller: '057100000000',
    callee: '13800000000',
    start_time: '2024-01-15 16:30:09',
    end_time: '2024-01-15 16:30:31',
    duration: '22',
  };
}

/** A call id in Alibaba's shape: every call placed against the stand-in gets it, and reading or cancelling it works. */
export const WARM_CALL_ID = '100000000000^100000000000';
const WARM_REQUEST_ID = '00000000-0000-4000-8000-000000000000';

/** The stand-in: DynamoDB by X-Amz-Target, MNS under /queues/, Alibaba RPC otherwise. */
function answer(request: IncomingMessage, response: ServerResponse, served: Set<string>): void {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    const target = request.headers['x-amz-target'];
    if (typeof target === 'string') return send(response, 200, 'application/x-amz-json-1.0', dynamoAnswer(target.slice(target.indexOf('.') + 1)));
    if (request.url?.startsWith('/queues/')) {
      if (request.method === 'DELETE') return send(response, 204, 'text/xml', '');
      const queue = request.url.split('?')[0]!;
      if (served.has(queue)) return send(response, 404, 'text/xml', mnsEmptyQueue());
      served.add(queue);
      return send(response, 200, 'text/xml', mnsOneMessage());
    }
    const action = new URLSearchParams(Buffer.concat(chunks).toString('utf8')).get('Action') ?? new URL(request.url ?? '/', 'http://x').searchParams.get('Action');
    send(response, 200, 'application/json;charset=utf-8', JSON.stringify(rpcAnswer(action ?? '')));
  });
}

function send(response: ServerResponse, status: number, type: string, body: string): void {
  response.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), 'x-mns-request-id': WARM_REQUEST_ID });
  response.end(body);
}

function rpcAnswer(action: string): Record<string, unknown> {
  const base = { Code: 'OK', Message: 'OK', RequestId: WARM_REQUEST_ID };
  switch (action) {
    case 'CancelCall':
      return { ...base, Status: true };
    case 'QueryCallDetailByCallId':
      return { ...base, Data: null };
    case 'QueryTokenForMnsQueue': {
      const china = (ms: number) => new Date(ms + 8 * 3_600_000).toISOString().slice(0, 19).replace('T', ' ');
      return {
        ...base,
        MessageTokenDTO: {
          AccessKeyId: 'STS.warm-up',
          AccessKeySecret: 'warm-up',
          SecurityToken: 'warm-up',
          CreateTime: china(Date.now()),
          ExpireTime: china(Date.now() + 3_600_000),
        },
      };
    }
    default:
      return { ...base, CallId: WARM_CALL_ID };
  }
}

/** What DynamoDB answers a write, or a read of a call that has been placed (getCall reads it back). */
function dynamoAnswer(operation: string): string {
  const now = new Date().toISOString();
  switch (operation) {
    case 'Query':
      // The call item as the store writes it (its key layout and marshalling, shared/store).
      return JSON.stringify({
        Count: 1,
        ScannedCount: 1,
        Items: [
          marshallItem({
            ...callKey(WARM_CALL_ID),
            callId: WARM_CALL_ID,
            type: 'tts',
            outId: 'warm-up',
            prodId: PROD_ID_BY_CALL_TYPE.tts,
            requestId: WARM_REQUEST_ID,
            status: 'placed',
            createdAt: now,
            updatedAt: now,
          }),
        ],
      });
    case 'BatchWriteItem':
      return '{"UnprocessedItems":{}}';
    default:
      return '{}';
  }
}

/** A BatchReceiveMessage answer with one receipt, Base64 JSON as Alibaba enqueues them (docs/alibaba/mns.md). */
function mnsOneMessage(): string {
  const body = Buffer.from(JSON.stringify(warmReceipt())).toString('base64');
  const now = Date.now();
  const fields = {
    MessageId: '00000000000000000000000000000001',
    ReceiptHandle: `1-ODU4OTkzNDU5My0xNDM1MTk3NjAwLTItOA==-${now}`,
    MessageBodyMD5: createHash('md5').update(body).digest('hex').toUpperCase(),
    MessageBody: body,
    EnqueueTime: now,
    NextVisibleTime: now + 30_000,
    FirstDequeueTime: now,
    DequeueCount: 1,
    Priority: 8,
  };
  const xml = Object.entries(fields).map(([name, value]) => `<${name}>${value}</${name}>`).join('');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Messages xmlns="http://mns.aliyuncs.com/doc/v1/"><Message>${xml}</Message></Messages>`;
}

function mnsEmptyQueue(): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n<Error xmlns="http://mns.aliyuncs.com/doc/v1/">' +
    `<Code>MessageNotExist</Code><Message>Message not exist.</Message><RequestId>${WARM_REQUEST_ID}</RequestId>` +
    '<HostId>http://127.0.0.1</HostId></Error>'
  );
}
