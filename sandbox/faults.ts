/**
 * Injected faults: for the next `count` verified requests of an action (or of any action), answer
 * an Alibaba error, wait, and/or drop the connection without answering.
 */

export interface FaultError {
  code: string;
  httpStatus?: number;
  message?: string;
}

/** The body of `POST /__sandbox/faults`, and the argument of `control.addFault`. */
export interface FaultSpec {
  /** Only requests of this action; every action when absent. */
  action?: string;
  /** How many requests it applies to; default 1. */
  count?: number;
  error?: FaultError;
  latencyMs?: number;
  /** Destroy the socket without an answer (after any latency). */
  drop?: boolean;
}

export interface PendingFault {
  id: number;
  action?: string;
  remaining: number;
  error?: Required<FaultError>;
  latencyMs: number;
  drop: boolean;
}

/** Longest injectable latency: long enough for any client timeout test, short enough not to hang CI. */
export const MAX_FAULT_LATENCY_MS = 120_000;

/** spec §4.1/§4.2: the codes Alibaba answers with a 5xx; every other code is a 400. */
const SERVER_ERROR_STATUS: Readonly<Record<string, number>> = {
  'isp.SYSTEM_ERROR': 500,
  'isp.GATEWAY_ERROR': 500,
  InternalError: 500,
  ServiceUnavailable: 503,
};

export class FaultSpecError extends Error {
  override readonly name = 'FaultSpecError';
}

/** Checks a fault description from JSON; throws FaultSpecError naming the bad field. */
export function parseFaultSpec(input: unknown): FaultSpec {
  if (!isObject(input)) throw new FaultSpecError('a fault must be a JSON object');
  const { action, count, error, latencyMs, drop } = input;
  if (action !== undefined && (typeof action !== 'string' || action === '')) {
    throw new FaultSpecError('action must be a non-empty string');
  }
  if (count !== undefined && !(Number.isInteger(count) && (count as number) >= 1)) {
    throw new FaultSpecError('count must be an integer >= 1');
  }
  if (latencyMs !== undefined && !(Number.isInteger(latencyMs) && (latencyMs as number) >= 0 && (latencyMs as number) <= MAX_FAULT_LATENCY_MS)) {
    throw new FaultSpecError(`latencyMs must be an integer from 0 to ${MAX_FAULT_LATENCY_MS}`);
  }
  if (drop !== undefined && typeof drop !== 'boolean') throw new FaultSpecError('drop must be a boolean');
  if (error !== undefined) parseFaultError(error);
  if (error === undefined && latencyMs === undefined && drop !== true) {
    throw new FaultSpecError('a fault needs error, latencyMs or drop');
  }
  return input as FaultSpec;
}

function parseFaultError(error: unknown): void {
  if (!isObject(error) || typeof error.code !== 'string' || error.code === '') {
    throw new FaultSpecError('error.code must be a non-empty string');
  }
  const { httpStatus, message } = error;
  if (httpStatus !== undefined && !(Number.isInteger(httpStatus) && (httpStatus as number) >= 400 && (httpStatus as number) <= 599)) {
    throw new FaultSpecError('error.httpStatus must be an integer from 400 to 599');
  }
  if (message !== undefined && typeof message !== 'string') throw new FaultSpecError('error.message must be a string');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export class FaultQueue {
  private pending: PendingFault[] = [];
  private nextId = 1;

  add(spec: FaultSpec): PendingFault {
    const fault: PendingFault = {
      id: this.nextId++,
      ...(spec.action !== undefined ? { action: spec.action } : {}),
      remaining: spec.count ?? 1,
      ...(spec.error !== undefined
        ? {
            error: {
              code: spec.error.code,
              httpStatus: spec.error.httpStatus ?? SERVER_ERROR_STATUS[spec.error.code] ?? 400,
              message: spec.error.message ?? `Injected by the sandbox: ${spec.error.code}`,
            },
          }
        : {}),
      latencyMs: spec.latencyMs ?? 0,
      drop: spec.drop ?? false,
    };
    this.pending.push(fault);
    return structuredClone(fault);
  }

  /** The oldest fault that applies to this action, counted down by one use. */
  take(action: string): PendingFault | undefined {
    const fault = this.pending.find((candidate) => candidate.action === undefined || candidate.action === action);
    if (!fault) return undefined;
    fault.remaining -= 1;
    if (fault.remaining === 0) this.pending = this.pending.filter((candidate) => candidate !== fault);
    return structuredClone(fault);
  }

  list(): PendingFault[] {
    return structuredClone(this.pending);
  }

  /** Returns how many were pending. */
  clear(): number {
    const cleared = this.pending.length;
    this.pending = [];
    return cleared;
  }
}
