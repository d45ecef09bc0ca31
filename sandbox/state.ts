/** Everything the sandbox remembers between requests; `control.reset()` empties all of it. */
import { FaultQueue } from './faults.ts';
import { NonceCache } from './rpc/nonces.ts';
import { RequestLog } from './rpc/requestLog.ts';
import { CallStore } from './voice/calls.ts';
import { FlowControl } from './voice/flowControl.ts';

export interface SandboxState {
  calls: CallStore;
  flowControl: FlowControl;
  nonces: NonceCache;
  faults: FaultQueue;
  requestLog: RequestLog;
}

export function createSandboxState(flowControlEnabled: boolean): SandboxState {
  return {
    calls: new CallStore(),
    flowControl: new FlowControl(flowControlEnabled),
    nonces: new NonceCache(),
    faults: new FaultQueue(),
    requestLog: new RequestLog(),
  };
}
