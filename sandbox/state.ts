/** Everything the sandbox remembers between requests; `control.reset()` empties all of it. */
import type { ReceiptSettings, ResolvedSandboxOptions } from './config.ts';
import { TokenStore } from './dybase/tokens.ts';
import { FaultQueue } from './faults.ts';
import type { ReceiptQueues } from './mns/queues.ts';
import { PushingReceiptQueues } from './push/pushingQueues.ts';
import { pushSettingsFromEnv, ReceiptPusher } from './push/pusher.ts';
import type { RecordedMnsRequest } from './mns/service.ts';
import { NonceCache } from './rpc/nonces.ts';
import { RequestLog } from './rpc/requestLog.ts';
import { SandboxCalls } from './voice/calls.ts';
import { FlowControl } from './voice/flowControl.ts';
import { CallLifecycle } from './voice/lifecycle.ts';

export interface SandboxState {
  calls: SandboxCalls;
  flowControl: FlowControl;
  nonces: NonceCache;
  faults: FaultQueue;
  requestLog: RequestLog;
  /** The receipt settings in force; the control API changes them, reset restores the start values. */
  receiptSettings: ReceiptSettings;
  tokens: TokenStore;
  queues: ReceiptQueues;
  lifecycle: CallLifecycle;
  mnsRequestLog: RequestLog<RecordedMnsRequest>;
  /** HTTP batch push of placed calls' receipts (push/pusher.ts); off until a URL is set. */
  pusher: ReceiptPusher;
}

export function createSandboxState(settings: ResolvedSandboxOptions): SandboxState {
  const calls = new SandboxCalls();
  const pusher = new ReceiptPusher(pushSettingsFromEnv());
  const queues: ReceiptQueues = new PushingReceiptQueues(settings.accountId, pusher);
  const receiptSettings = startReceiptSettings(settings);
  return {
    calls,
    flowControl: new FlowControl(settings.flowControl, settings.flowControlLimits),
    nonces: new NonceCache(),
    faults: new FaultQueue(),
    requestLog: new RequestLog(),
    receiptSettings,
    tokens: new TokenStore(),
    queues,
    lifecycle: new CallLifecycle({ queues, calls, settings: receiptSettings, now: settings.now }),
    mnsRequestLog: new RequestLog<RecordedMnsRequest>(),
    pusher,
  };
}

export function startReceiptSettings(settings: ResolvedSandboxOptions): ReceiptSettings {
  return {
    tokenLifetimeMs: settings.tokenLifetimeMs,
    visibilityTimeoutMs: settings.visibilityTimeoutMs,
    receiptDelayMs: settings.receiptDelayMs,
  };
}
