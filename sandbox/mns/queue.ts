/**
 * One MNS queue (docs/alibaba/mns.md#batchreceivemessage, docs/alibaba/mns.md#batchdeletemessage): messages are visible until received, then in flight (invisible)
 * for the visibility timeout; a delete with the current receipt handle removes them, otherwise they
 * become visible again and the next receive delivers them with DequeueCount + 1 and a new handle.
 *
 * Visible messages wait in a FIFO and in-flight ones in a heap ordered by when they reappear, so
 * receiving from a backlog of any depth costs O(k log n) for k messages: no scans.
 * Times are epoch ms on the sandbox clock, passed in by the caller.
 */
import { createHash, randomBytes } from 'node:crypto';
import { Fifo, MinHeap } from './collections.ts';

/** MNS default priority (1-16, docs/alibaba/mns.md#batchreceivemessage); the Alicom queues do not use priorities. */
export const DEFAULT_PRIORITY = 8;

interface StoredMessage {
  /** Position in this queue's history; encoded in every receipt handle. */
  readonly seq: number;
  readonly messageId: string;
  readonly body: string;
  readonly bodyMd5: string;
  readonly enqueueTime: number;
  dequeueCount: number;
  firstDequeueTime: number | undefined;
  /** The one valid handle while in flight; undefined while visible. */
  receiptHandle: string | undefined;
  /** While in flight: when the message reappears (and its handle stops working). */
  nextVisibleTime: number;
}

/** A message as one receive hands it out (docs/alibaba/mns.md#batchreceivemessage `<Message>`). */
export interface ReceivedMessage {
  messageId: string;
  receiptHandle: string;
  messageBodyMd5: string;
  messageBody: string;
  enqueueTime: number;
  nextVisibleTime: number;
  firstDequeueTime: number;
  dequeueCount: number;
  priority: number;
}

/** What became of one handle in a delete (docs/alibaba/mns.md#batchdeletemessage error codes). */
export type DeleteOutcome = 'deleted' | 'ReceiptHandleError' | 'MessageNotExist';

interface InFlightEntry {
  message: StoredMessage;
  handle: string;
  until: number;
}

export class MessageQueue {
  private readonly messages = new Map<number, StoredMessage>();
  private readonly visible = new Fifo<StoredMessage>();
  private readonly inFlight = new MinHeap<InFlightEntry>((entry) => entry.until);
  private readonly listeners = new Set<() => void>();
  private readonly idPrefix = randomBytes(8).toString('hex').toUpperCase();
  private nextSeq = 1;
  receivedTotal = 0;
  deletedTotal = 0;

  constructor(readonly name: string) {}

  /** Adds a visible message and wakes long polls; returns its MessageId. */
  enqueue(body: string, now: number): string {
    const seq = this.nextSeq++;
    const message: StoredMessage = {
      seq,
      messageId: `${this.idPrefix}-1-${now.toString(16).toUpperCase()}-${String(seq).padStart(9, '0')}`,
      body,
      bodyMd5: createHash('md5').update(body, 'utf8').digest('hex').toUpperCase(),
      enqueueTime: now,
      dequeueCount: 0,
      firstDequeueTime: undefined,
      receiptHandle: undefined,
      nextVisibleTime: now,
    };
    this.messages.set(seq, message);
    this.visible.push(message);
    if (this.listeners.size > 0) for (const listener of [...this.listeners]) listener();
    return message.messageId;
  }

  /** Up to `max` visible messages, each now in flight for `visibilityTimeoutMs` under a new handle. */
  receive(max: number, now: number, visibilityTimeoutMs: number): ReceivedMessage[] {
    this.promoteExpired(now);
    const received: ReceivedMessage[] = [];
    while (received.length < max) {
      const message = this.visible.shift();
      if (!message) break;
      message.dequeueCount += 1;
      message.firstDequeueTime ??= now;
      message.nextVisibleTime = now + visibilityTimeoutMs;
      message.receiptHandle = newReceiptHandle(message);
      this.inFlight.push({ message, handle: message.receiptHandle, until: message.nextVisibleTime });
      received.push({
        messageId: message.messageId,
        receiptHandle: message.receiptHandle,
        messageBodyMd5: message.bodyMd5,
        messageBody: message.body,
        enqueueTime: message.enqueueTime,
        nextVisibleTime: message.nextVisibleTime,
        firstDequeueTime: message.firstDequeueTime,
        dequeueCount: message.dequeueCount,
        priority: DEFAULT_PRIORITY,
      });
    }
    this.receivedTotal += received.length;
    return received;
  }

  /**
   * Deletes the message `handle` was issued for, if that handle is still its current one and its
   * visibility window has not passed. A handle of a message already deleted is MessageNotExist;
   * any other unusable handle (stale, superseded, foreign, garbage) is ReceiptHandleError.
   */
  delete(handle: string, now: number): DeleteOutcome {
    const seq = seqOfHandle(handle);
    if (seq === undefined || seq >= this.nextSeq) return 'ReceiptHandleError';
    const message = this.messages.get(seq);
    if (!message) return 'MessageNotExist';
    if (message.receiptHandle !== handle || message.nextVisibleTime <= now) return 'ReceiptHandleError';
    this.messages.delete(seq);
    message.receiptHandle = undefined;
    this.deletedTotal += 1;
    return 'deleted';
  }

  counts(now: number): { visible: number; inFlight: number } {
    this.promoteExpired(now);
    return { visible: this.visible.size, inFlight: this.messages.size - this.visible.size };
  }

  /** When the next in-flight message reappears, if any is in flight. */
  nextReappearance(): number | undefined {
    this.dropStaleInFlight();
    return this.inFlight.peek()?.until;
  }

  /**
   * Resolves when a message is enqueued, after `timeoutMs`, or when `signal` aborts, whichever
   * comes first. The timer is unref'd: a waiting long poll does not keep a process alive.
   */
  waitForEnqueue(timeoutMs: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.listeners.delete(done);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, timeoutMs));
      timer.unref();
      if (signal.aborted) return done();
      this.listeners.add(done);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  /** Forgets every message and the totals (handles issued before stay unusable). */
  clear(): void {
    this.messages.clear();
    this.visible.clear();
    this.inFlight.clear();
    this.receivedTotal = 0;
    this.deletedTotal = 0;
  }

  /** In-flight messages whose window has passed become visible again, at the back of the FIFO. */
  private promoteExpired(now: number): void {
    for (;;) {
      this.dropStaleInFlight();
      const entry = this.inFlight.peek();
      if (!entry || entry.until > now) return;
      this.inFlight.pop();
      entry.message.receiptHandle = undefined;
      this.visible.push(entry.message);
    }
  }

  /** Heap entries of messages deleted since they were received. */
  private dropStaleInFlight(): void {
    for (let entry = this.inFlight.peek(); entry && entry.message.receiptHandle !== entry.handle; entry = this.inFlight.peek()) {
      this.inFlight.pop();
    }
  }
}

/**
 * Shaped like MNS handles (`1-ODU4OTkzNDU5My0xNDM1MTk3NjAwLTItNg==`: "1-" and Base64 of
 * `<seq>-<seconds>-<dequeue count>-...`). The tail is random bytes, so handles often contain `+`,
 * `/` and `=`: a client that does not escape them in a query string fails here, not in production.
 */
function newReceiptHandle(message: StoredMessage): string {
  const text = `${message.seq}-${Math.floor(message.nextVisibleTime / 1000)}-${message.dequeueCount}-`;
  return `1-${Buffer.concat([Buffer.from(text, 'latin1'), randomBytes(9)]).toString('base64')}`;
}

function seqOfHandle(handle: string): number | undefined {
  if (!handle.startsWith('1-')) return undefined;
  const match = /^(\d{1,15})-\d+-\d+-/.exec(Buffer.from(handle.slice(2), 'base64').toString('latin1'));
  return match ? Number(match[1]) : undefined;
}
