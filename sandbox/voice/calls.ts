/** The calls the sandbox placed. */
import { randomInt } from 'node:crypto';
import type { CallOutcome } from '../testNumbers.ts';
import type { CallAction } from './product.ts';

export interface SandboxCall {
  /** Alibaba's shape: `<12 digits>^<12 digits>` (docs/alibaba/actions.md#singlecallbytts, e.g. `116012354148^102813781234`). */
  callId: string;
  action: CallAction;
  /** Action parameters exactly as received. */
  params: Readonly<Record<string, string>>;
  /** Epoch milliseconds, sandbox clock. */
  createdAt: number;
  /** How the call ends (sandbox/testNumbers.ts). */
  outcome: CallOutcome;
  /** How many calls the called number had received from the sandbox, this one included (1-based). */
  sequence: number;
  /** Set by CancelCall (ClickToDial only). */
  cancelled: boolean;
  /** Set when the call's final VoiceReport is enqueued (lifecycle.ts). Ended calls cannot be cancelled. */
  ended: boolean;
}

export class SandboxCalls {
  private readonly calls = new Map<string, SandboxCall>();

  create(call: Omit<SandboxCall, 'callId' | 'cancelled' | 'ended'>): SandboxCall {
    let callId = newCallId();
    while (this.calls.has(callId)) callId = newCallId();
    const record: SandboxCall = { callId, ...call, params: { ...call.params }, cancelled: false, ended: false };
    this.calls.set(callId, record);
    return record;
  }

  get(callId: string): Readonly<SandboxCall> | undefined {
    return this.calls.get(callId);
  }

  /** docs/alibaba/actions.md#cancelcall: true when a live ClickToDial call was cancelled by this request. */
  cancel(callId: string): boolean {
    const call = this.calls.get(callId);
    if (!call || call.action !== 'ClickToDial' || call.cancelled || call.ended) return false;
    call.cancelled = true;
    return true;
  }

  /** The call is over: its final VoiceReport was sent. */
  markEnded(callId: string): void {
    const call = this.calls.get(callId);
    if (call) call.ended = true;
  }

  /** Oldest first, as copies. */
  list(): SandboxCall[] {
    return structuredClone([...this.calls.values()]);
  }

  clear(): void {
    this.calls.clear();
  }
}

function newCallId(): string {
  return `${twelveDigits()}^${twelveDigits()}`;
}

function twelveDigits(): string {
  // First digit 1-9 so the part always has twelve significant digits, like Alibaba's.
  return `${randomInt(1, 10)}${String(randomInt(0, 100_000_000_000)).padStart(11, '0')}`;
}
