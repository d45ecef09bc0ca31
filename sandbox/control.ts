/**
 * The in-process control API of a running sandbox (also served over HTTP under `/__sandbox/`,
 * see controlRoutes.ts): reset, fault injection, the flow-control switch, receipt queues, tokens
 * and settings, and what was seen.
 */
import { checkReceiptSetting, RECEIPT_SETTING_RANGES, type ReceiptSettings, type ResolvedSandboxOptions } from './config.ts';
import { ControlInputError } from './controlErrors.ts';
import type { VoiceMessageType } from './dybase/product.ts';
import type { TokenView } from './dybase/tokens.ts';
import { parseFaultSpec, type FaultSpec, type PendingFault } from './faults.ts';
import { enqueueMessages, type EnqueueResult, type EnqueueSpec } from './mns/enqueue.ts';
import type { RecordedMnsRequest } from './mns/service.ts';
import type { PushAttempt, PushSettings } from './push/pusher.ts';
import type { RecordedRequest } from './rpc/requestLog.ts';
import { startReceiptSettings, type SandboxState } from './state.ts';
import type { SandboxCall } from './voice/calls.ts';

/** A placed call as the control API shows it; `createdAt` is ISO-8601. */
export interface SandboxCallView extends Omit<SandboxCall, 'createdAt'> {
  createdAt: string;
}

/** One receipt queue's counters. */
export interface QueueStats {
  name: string;
  messageType: VoiceMessageType;
  /** Receivable now. */
  visible: number;
  /** Received, neither deleted nor back from their visibility timeout. */
  inFlight: number;
  /** Receipts placed calls will still send to this queue. */
  delayed: number;
  /** Messages handed out by receives, redeliveries included. */
  receivedTotal: number;
  deletedTotal: number;
}

export interface SandboxControl {
  /**
   * Forgets calls (stopping their receipts), flow-control counts, nonces, faults, requests,
   * queued messages, tokens and pending pushes; flow control, receipt and push settings return to
   * their start values.
   */
  reset(): void;
  /** Queues a fault (see FaultSpec); throws FaultSpecError for an invalid one. */
  addFault(spec: FaultSpec): PendingFault;
  faults(): PendingFault[];
  /** Returns how many faults were pending. */
  clearFaults(): number;
  setFlowControl(enabled: boolean): void;
  flowControlEnabled(): boolean;
  /** Every call placed since the last reset, oldest first. */
  calls(): SandboxCallView[];
  /** The last verified RPC requests, oldest first. */
  requests(): RecordedRequest[];
  /** The last verified MNS requests, oldest first. */
  mnsRequests(): RecordedMnsRequest[];
  /** Enqueues messages by hand (see EnqueueSpec); throws ControlInputError for an invalid spec. */
  enqueue(spec: EnqueueSpec): EnqueueResult;
  /** The three receipt queues, VoiceReport first. */
  queues(): QueueStats[];
  /** Tokens issued by QueryTokenForMnsQueue since the last reset, oldest first (no secrets). */
  tokens(): TokenView[];
  /** Every issued token expires now; returns how many were still valid. */
  expireTokens(): number;
  receiptSettings(): ReceiptSettings;
  /** Changes some receipt settings from now on; throws ControlInputError for a bad value. */
  setReceiptSettings(update: Partial<ReceiptSettings>): ReceiptSettings;
  /** HTTP batch push of placed calls' receipts (push/pusher.ts). */
  pushSettings(): PushSettings;
  /** Changes some push settings from now on; throws ControlInputError for a bad value. */
  setPushSettings(update: Partial<PushSettings>): PushSettings;
  /** The last push attempts, oldest first. */
  pushes(): PushAttempt[];
}

export function createControl(state: SandboxState, settings: ResolvedSandboxOptions): SandboxControl {
  const now = settings.now;
  return {
    reset() {
      state.lifecycle.clear();
      state.calls.clear();
      state.flowControl.clear();
      state.flowControl.enabled = settings.flowControl;
      state.nonces.clear();
      state.faults.clear();
      state.requestLog.clear();
      state.mnsRequestLog.clear();
      state.queues.clear();
      state.tokens.clear();
      Object.assign(state.receiptSettings, startReceiptSettings(settings));
      state.pusher.reset();
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
    mnsRequests: () => state.mnsRequestLog.list(),
    enqueue: (spec) => enqueueMessages(state.queues, spec, now()),
    queues() {
      const delayed = state.lifecycle.pending();
      return state.queues.entries().map(([messageType, queue]) => ({
        name: queue.name,
        messageType,
        ...queue.counts(now()),
        delayed: delayed[messageType],
        receivedTotal: queue.receivedTotal,
        deletedTotal: queue.deletedTotal,
      }));
    },
    tokens: () => state.tokens.list(now()),
    expireTokens: () => state.tokens.expireAll(now()),
    receiptSettings: () => ({ ...state.receiptSettings }),
    setReceiptSettings(update) {
      Object.assign(state.receiptSettings, parseReceiptSettings(update));
      return { ...state.receiptSettings };
    },
    pushSettings: () => state.pusher.current(),
    setPushSettings: (update) => state.pusher.update(update),
    pushes: () => state.pusher.list(),
  };
}

/** Checks a (partial) settings object from JSON; every value in its RECEIPT_SETTING_RANGES range. */
function parseReceiptSettings(input: unknown): Partial<ReceiptSettings> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new ControlInputError(`the body must be a JSON object with some of ${Object.keys(RECEIPT_SETTING_RANGES).join(', ')}`);
  }
  const update: Partial<ReceiptSettings> = {};
  for (const [name, value] of Object.entries(input)) {
    if (!(name in RECEIPT_SETTING_RANGES)) throw new ControlInputError(`unknown receipt setting ${name}`);
    try {
      update[name as keyof ReceiptSettings] = checkReceiptSetting(name as keyof ReceiptSettings, value);
    } catch (error) {
      throw new ControlInputError((error as Error).message);
    }
  }
  return update;
}
