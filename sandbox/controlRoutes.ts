/**
 * The control API over HTTP, JSON in and out, no authentication (loopback only):
 *
 *   POST   /__sandbox/reset          forget everything (see SandboxControl.reset)
 *   GET    /__sandbox/faults         pending faults
 *   POST   /__sandbox/faults         queue a fault: {target?, action?, count?, error?: {code, httpStatus?, message?}, latencyMs?, drop?, partial?}
 *   DELETE /__sandbox/faults         drop every pending fault
 *   GET    /__sandbox/flow-control   {enabled}
 *   PUT    /__sandbox/flow-control   {enabled: boolean}
 *   GET    /__sandbox/calls          {calls: [...]}
 *   GET    /__sandbox/requests       {requests: [...]}            verified RPC requests
 *   GET    /__sandbox/mns-requests   {requests: [...]}            verified MNS requests
 *   POST   /__sandbox/messages       enqueue: {queue | messageType, bodies | receipts, count?}
 *   GET    /__sandbox/queues         {queues: [{name, messageType, visible, inFlight, delayed, receivedTotal, deletedTotal}]}
 *   GET    /__sandbox/tokens         {tokens: [...]}              issued by QueryTokenForMnsQueue
 *   POST   /__sandbox/tokens/expire  {expired: n}                 every issued token expires now
 *   GET    /__sandbox/receipt-settings  {tokenLifetimeMs, visibilityTimeoutMs, receiptDelayMs}
 *   PUT    /__sandbox/receipt-settings  some of them
 *   GET    /__sandbox/push           {url, queues, batchWindowMs, timeoutMs, retryDelaysMs}   HTTP batch push
 *   PUT    /__sandbox/push           some of them ({url: null} turns push off)
 *   GET    /__sandbox/pushes         {pushes: [...]}              push attempts
 */
import type { ServerResponse } from 'node:http';
import type { ReceiptSettings } from './config.ts';
import type { SandboxControl } from './control.ts';
import { ControlInputError } from './controlErrors.ts';
import { parseFaultSpec } from './faults.ts';
import { sendJson } from './http.ts';
import type { EnqueueSpec } from './mns/enqueue.ts';
import type { PushSettings } from './push/pusher.ts';

export const CONTROL_PREFIX = '/__sandbox/';

export const CONTROL_ENDPOINTS: readonly string[] = [
  'POST   /__sandbox/reset',
  'GET    /__sandbox/faults',
  'POST   /__sandbox/faults',
  'DELETE /__sandbox/faults',
  'GET    /__sandbox/flow-control',
  'PUT    /__sandbox/flow-control',
  'GET    /__sandbox/calls',
  'GET    /__sandbox/requests',
  'GET    /__sandbox/mns-requests',
  'POST   /__sandbox/messages',
  'GET    /__sandbox/queues',
  'GET    /__sandbox/tokens',
  'POST   /__sandbox/tokens/expire',
  'GET    /__sandbox/receipt-settings',
  'PUT    /__sandbox/receipt-settings',
  'GET    /__sandbox/push',
  'PUT    /__sandbox/push',
  'GET    /__sandbox/pushes',
];

type Handler = (body: unknown) => [status: number, body: unknown];

export function handleControlRequest(
  control: SandboxControl,
  method: string,
  path: string,
  rawBody: Buffer,
  res: ServerResponse,
): void {
  const handlers = routes(control)[path.slice(CONTROL_PREFIX.length)];
  if (!handlers) {
    sendJson(res, 404, { error: `no control endpoint ${path}`, endpoints: CONTROL_ENDPOINTS });
    return;
  }
  const handler = handlers[method];
  if (!handler) {
    res.setHeader('allow', Object.keys(handlers).join(', '));
    sendJson(res, 405, { error: `${method} is not allowed on ${path}` });
    return;
  }
  try {
    const [status, body] = handler(parseJson(rawBody));
    sendJson(res, status, body);
  } catch (error) {
    if (error instanceof ControlInputError) {
      sendJson(res, 400, { error: error.message });
      return;
    }
    throw error;
  }
}

function routes(control: SandboxControl): Record<string, Record<string, Handler>> {
  return {
    reset: {
      POST: () => {
        control.reset();
        return [200, { reset: true }];
      },
    },
    faults: {
      GET: () => [200, { faults: control.faults() }],
      POST: (body) => [201, { fault: control.addFault(parseFaultSpec(body)) }],
      DELETE: () => [200, { cleared: control.clearFaults() }],
    },
    'flow-control': {
      GET: () => [200, { enabled: control.flowControlEnabled() }],
      PUT: (body) => {
        const enabled = (body as { enabled?: unknown } | undefined)?.enabled;
        if (typeof enabled !== 'boolean') throw new ControlInputError('body must be {"enabled": true|false}');
        control.setFlowControl(enabled);
        return [200, { enabled }];
      },
    },
    calls: { GET: () => [200, { calls: control.calls() }] },
    requests: { GET: () => [200, { requests: control.requests() }] },
    'mns-requests': { GET: () => [200, { requests: control.mnsRequests() }] },
    messages: { POST: (body) => [201, control.enqueue(body as EnqueueSpec)] },
    queues: { GET: () => [200, { queues: control.queues() }] },
    tokens: { GET: () => [200, { tokens: control.tokens() }] },
    'tokens/expire': { POST: () => [200, { expired: control.expireTokens() }] },
    'receipt-settings': {
      GET: () => [200, control.receiptSettings()],
      PUT: (body) => [200, control.setReceiptSettings(body as Partial<ReceiptSettings>)],
    },
    push: {
      GET: () => [200, control.pushSettings()],
      PUT: (body) => [200, control.setPushSettings(body as Partial<PushSettings>)],
    },
    pushes: { GET: () => [200, { pushes: control.pushes() }] },
  };
}

function parseJson(rawBody: Buffer): unknown {
  if (rawBody.length === 0) return undefined;
  try {
    return JSON.parse(rawBody.toString('utf8'));
  } catch {
    throw new ControlInputError('the body is not JSON');
  }
}
