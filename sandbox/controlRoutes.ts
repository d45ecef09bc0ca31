/**
 * The control API over HTTP, JSON in and out, no authentication (loopback only):
 *
 *   POST   /__sandbox/reset          forget everything (see SandboxControl.reset)
 *   GET    /__sandbox/faults         pending faults
 *   POST   /__sandbox/faults         queue a fault: {action?, count?, error?: {code, httpStatus?, message?}, latencyMs?, drop?}
 *   DELETE /__sandbox/faults         drop every pending fault
 *   GET    /__sandbox/flow-control   {enabled}
 *   PUT    /__sandbox/flow-control   {enabled: boolean}
 *   GET    /__sandbox/calls          {calls: [...]}
 *   GET    /__sandbox/requests       {requests: [...]}
 */
import type { ServerResponse } from 'node:http';
import type { SandboxControl } from './control.ts';
import { FaultSpecError, parseFaultSpec } from './faults.ts';
import { sendJson } from './http.ts';

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
];

class BadControlRequest extends Error {}

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
    if (error instanceof BadControlRequest || error instanceof FaultSpecError) {
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
        if (typeof enabled !== 'boolean') throw new BadControlRequest('body must be {"enabled": true|false}');
        control.setFlowControl(enabled);
        return [200, { enabled }];
      },
    },
    calls: { GET: () => [200, { calls: control.calls() }] },
    requests: { GET: () => [200, { requests: control.requests() }] },
  };
}

function parseJson(rawBody: Buffer): unknown {
  if (rawBody.length === 0) return undefined;
  try {
    return JSON.parse(rawBody.toString('utf8'));
  } catch {
    throw new BadControlRequest('the body is not JSON');
  }
}
