/**
 * The in-process control API of a running sandbox (also served over HTTP under `/__sandbox/`,
 * see controlRoutes.ts): reset, fault injection, the flow-control switch, and what was seen.
 */
import { parseFaultSpec, type FaultSpec, type PendingFault } from './faults.ts';
import type { RecordedRequest } from './rpc/requestLog.ts';
import type { SandboxState } from './state.ts';
import type { CallRecord } from './voice/calls.ts';

/** A placed call as the control API shows it; `createdAt` is ISO-8601. */
export interface CallView extends Omit<CallRecord, 'createdAt'> {
  createdAt: string;
}

export interface SandboxControl {
  /** Forgets calls, flow-control counts, nonces, faults and requests; flow control returns to its start setting. */
  reset(): void;
  /** Queues a fault (see FaultSpec); throws FaultSpecError for an invalid one. */
  addFault(spec: FaultSpec): PendingFault;
  faults(): PendingFault[];
  /** Returns how many faults were pending. */
  clearFaults(): number;
  setFlowControl(enabled: boolean): void;
  flowControlEnabled(): boolean;
  /** Every call placed since the last reset, oldest first. */
  calls(): CallView[];
  /** The last verified RPC requests, oldest first. */
  requests(): RecordedRequest[];
}

export function createControl(state: SandboxState, initialFlowControl: boolean): SandboxControl {
  return {
    reset() {
      state.calls.clear();
      state.flowControl.clear();
      state.flowControl.enabled = initialFlowControl;
      state.nonces.clear();
      state.faults.clear();
      state.requestLog.clear();
    },
    addFault: (spec) => state.faults.add(parseFaultSpec(spec)),
    faults: () => state.faults.list(),
    clearFaults: () => state.faults.clear(),
    setFlowControl(enabled) {
      state.flowControl.enabled = enabled;
    },
    flowControlEnabled: () => state.flowControl.enabled,
    calls: () => state.calls.list().map((call) => ({ ...call, createdAt: new Date(call.createdAt).toISOString() })),
    requests: () => state.requestLog.list(),
  };
}
