/**
 * Plays each placed call's life: its receipts (receipts.ts) go into the receipt queues one at a
 * time, each `receiptDelayMs` after the previous one (the first one that long after the call was
 * placed); with 0 they are all enqueued at once, before the call's response is sent. The call is
 * `ended` when its final VoiceReport is enqueued. Cancelling a ClickToDial drops what was still
 * to come and plays one cancelled VoiceReport instead.
 *
 * Timers are unref'd and cleared by `clear()` (reset and close).
 */
import type { ReceiptSettings } from '../config.ts';
import { VOICE_MESSAGE_TYPES, type VoiceMessageType } from '../dybase/product.ts';
import type { ReceiptQueues } from '../mns/queues.ts';
import type { SandboxCall, SandboxCalls } from './calls.ts';
import { cancelledReport, receiptsFor, type PlannedReceipt } from './receipts.ts';

export interface CallLifecycleDeps {
  queues: ReceiptQueues;
  calls: SandboxCalls;
  /** Read before each step: the delay can change at run time. */
  settings: Readonly<ReceiptSettings>;
  now: () => number;
}

interface Playback {
  callId: string;
  receipts: readonly PlannedReceipt[];
  next: number;
  timer?: NodeJS.Timeout;
}

export class CallLifecycle {
  private readonly playing = new Map<string, Playback>();

  constructor(private readonly deps: CallLifecycleDeps) {}

  /** Starts playing a newly placed call. */
  start(call: Readonly<SandboxCall>): void {
    this.play(call.callId, receiptsFor(call));
  }

  /** A cancelled call stops where it is and ends with a cancelled VoiceReport. */
  cancel(call: Readonly<SandboxCall>): void {
    this.stop(call.callId);
    this.play(call.callId, [cancelledReport(call)]);
  }

  /** Receipts scheduled but not yet enqueued, per message type. */
  pending(): Record<VoiceMessageType, number> {
    const counts = Object.fromEntries(VOICE_MESSAGE_TYPES.map((type) => [type, 0])) as Record<VoiceMessageType, number>;
    for (const playback of this.playing.values()) {
      for (const planned of playback.receipts.slice(playback.next)) counts[planned.messageType] += 1;
    }
    return counts;
  }

  /** Stops every call's playback. */
  clear(): void {
    for (const playback of this.playing.values()) clearTimeout(playback.timer);
    this.playing.clear();
  }

  private play(callId: string, receipts: readonly PlannedReceipt[]): void {
    const playback: Playback = { callId, receipts, next: 0 };
    this.playing.set(callId, playback);
    this.scheduleNext(playback);
  }

  private stop(callId: string): void {
    clearTimeout(this.playing.get(callId)?.timer);
    this.playing.delete(callId);
  }

  private scheduleNext(playback: Playback): void {
    const delay = this.deps.settings.receiptDelayMs;
    if (delay === 0) {
      this.enqueueNext(playback);
      return;
    }
    playback.timer = setTimeout(() => this.enqueueNext(playback), delay);
    playback.timer.unref();
  }

  private enqueueNext(playback: Playback): void {
    const planned = playback.receipts[playback.next]!;
    playback.next += 1;
    this.deps.queues.enqueueReceipt(planned.messageType, planned.receipt, this.deps.now());
    if (planned.final) this.deps.calls.markEnded(playback.callId);
    if (playback.next < playback.receipts.length) this.scheduleNext(playback);
    else this.playing.delete(playback.callId);
  }
}
