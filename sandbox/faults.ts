/**
 * Injected faults: for the next `count` verified requests of a target, answer an error, wait,
 * and/or drop the connection without answering. Targets: RPC actions (`rpc`, optionally one
 * `action`), QueryTokenForMnsQueue (`token`), MNS receives (`mns-receive`) and deletes
 * (`mns-delete`, which can also fail part of a batch: `partial`).
 */
import type { ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { ControlInputError } from './controlErrors.ts';
import { TOKEN_ACTION } from './dybase/product.ts';
import { mnsErrorStatus } from './mns/errors.ts';

export const FAULT_TARGETS = ['rpc', 'token', 'mns-receive', 'mns-delete'] as const;
export type FaultTarget = (typeof FAULT_TARGETS)[number];
export type MnsFaultTarget = Extract<FaultTarget, `mns-${string}`>;

export interface FaultError {
  code: string;
  httpStatus?: number;
  message?: string;
}

/** The body of `POST /__sandbox/faults`, and the argument of `control.addFault`. */
export interface FaultSpec {
  /** Default `rpc`. `token` is short for `rpc` with action QueryTokenForMnsQueue. */
  target?: FaultTarget;
  /** `rpc` only: only requests of this action; every action when absent. */
  action?: string;
  /** How many requests it applies to; default 1. */
  count?: number;
  error?: FaultError;
  latencyMs?: number;
  /** Destroy the socket without an answer (after any latency). */
  drop?: boolean;
  /**
   * `mns-delete` only: the request fails its 1st, 3rd, 5th, ... handle with ReceiptHandleError
   * (a batch answers 404 `<Errors>`, docs/alibaba/mns.md#batchdeletemessage) and leaves those messages undeleted; the other
   * handles are deleted normally.
   */
  partial?: boolean;
}

export interface PendingFault {
  id: number;
  target: FaultTarget;
  action?: string;
  remaining: number;
  error?: Required<FaultError>;
  latencyMs: number;
  drop: boolean;
  partial: boolean;
}

/** Longest injectable latency: long enough for any client timeout test, short enough not to hang CI. */
export const MAX_FAULT_LATENCY_MS = 120_000;

/** docs/alibaba/errors.md#voice-business-codes/docs/alibaba/errors.md#gateway-codes: the RPC codes Alibaba answers with a 5xx; every other code is a 400. */
const SERVER_ERROR_STATUS: Readonly<Record<string, number>> = {
  'isp.SYSTEM_ERROR': 500,
  'isp.GATEWAY_ERROR': 500,
  InternalError: 500,
  ServiceUnavailable: 503,
};

export class FaultSpecError extends ControlInputError {
  override readonly name = 'FaultSpecError';
}

/** Checks a fault description from JSON; throws FaultSpecError naming the bad field. */
export function parseFaultSpec(input: unknown): FaultSpec {
  if (!isObject(input)) throw new FaultSpecError('a fault must be a JSON object');
  const { target, action, count, error, latencyMs, drop, partial } = input;
  if (target !== undefined && !(FAULT_TARGETS as readonly unknown[]).includes(target)) {
    throw new FaultSpecError(`target must be one of ${FAULT_TARGETS.join(', ')}`);
  }
  if (action !== undefined && (typeof action !== 'string' || action === '')) {
    throw new FaultSpecError('action must be a non-empty string');
  }
  if (action !== undefined && (target ?? 'rpc') !== 'rpc') throw new FaultSpecError('action applies to target rpc only');
  if (count !== undefined && !(Number.isInteger(count) && (count as number) >= 1)) {
    throw new FaultSpecError('count must be an integer >= 1');
  }
  if (latencyMs !== undefined && !(Number.isInteger(latencyMs) && (latencyMs as number) >= 0 && (latencyMs as number) <= MAX_FAULT_LATENCY_MS)) {
    throw new FaultSpecError(`latencyMs must be an integer from 0 to ${MAX_FAULT_LATENCY_MS}`);
  }
  if (drop !== undefined && typeof drop !== 'boolean') throw new FaultSpecError('drop must be a boolean');
  if (partial !== undefined && typeof partial !== 'boolean') throw new FaultSpecError('partial must be a boolean');
  if (partial === true && target !== 'mns-delete') throw new FaultSpecError('partial applies to target mns-delete only');
  if (partial === true && (error !== undefined || drop === true)) {
    throw new FaultSpecError('partial cannot be combined with error or drop');
  }
  if (error !== undefined) parseFaultError(error);
  if (error === undefined && latencyMs === undefined && drop !== true && partial !== true) {
    throw new FaultSpecError('a fault needs error, latencyMs, drop or partial');
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
    const target = spec.target ?? 'rpc';
    const action = target === 'token' ? TOKEN_ACTION : spec.action;
    const fault: PendingFault = {
      id: this.nextId++,
      target,
      ...(action !== undefined ? { action } : {}),
      remaining: spec.count ?? 1,
      ...(spec.error !== undefined
        ? {
            error: {
              code: spec.error.code,
              httpStatus: spec.error.httpStatus ?? defaultStatus(target, spec.error.code),
              message: spec.error.message ?? `Injected by the sandbox: ${spec.error.code}`,
            },
          }
        : {}),
      latencyMs: spec.latencyMs ?? 0,
      drop: spec.drop ?? false,
      partial: spec.partial ?? false,
    };
    this.pending.push(fault);
    return structuredClone(fault);
  }

  /** The oldest `rpc` or `token` fault that applies to this action, counted down by one use. */
  takeRpc(action: string): PendingFault | undefined {
    return this.take(
      (fault) => (fault.target === 'rpc' || fault.target === 'token') && (fault.action === undefined || fault.action === action),
    );
  }

  /** The oldest fault of this MNS target, counted down by one use. */
  takeMns(target: MnsFaultTarget): PendingFault | undefined {
    return this.take((fault) => fault.target === target);
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

  private take(applies: (fault: PendingFault) => boolean): PendingFault | undefined {
    const fault = this.pending.find(applies);
    if (!fault) return undefined;
    fault.remaining -= 1;
    if (fault.remaining === 0) this.pending = this.pending.filter((candidate) => candidate !== fault);
    return structuredClone(fault);
  }
}

function defaultStatus(target: FaultTarget, code: string): number {
  return target.startsWith('mns-') ? mnsErrorStatus(code) : (SERVER_ERROR_STATUS[code] ?? 400);
}

/**
 * Plays a fault on a request: its latency, then a dropped connection (returns `'dropped'`: nothing
 * more may be written) or its error, thrown as the product's own error type by `toError`.
 */
export async function playFault(
  fault: PendingFault,
  res: ServerResponse,
  toError: (error: { code: string; httpStatus: number; message: string }) => Error,
): Promise<'dropped' | undefined> {
  // Unref'd: a pending fault must not keep a closing process alive; the client's socket does meanwhile.
  if (fault.latencyMs > 0) await sleep(fault.latencyMs, undefined, { ref: false });
  if (fault.drop) {
    res.socket?.destroy();
    return 'dropped';
  }
  if (fault.error) throw toError(fault.error);
  return undefined;
}
