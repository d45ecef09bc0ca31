import { beforeEach, describe, expect, it } from 'vitest';
import { MnsError } from '#shared/errors';
import type { Logger } from '#shared/logger';
import type { DeleteResult, MnsMessage, ReceiveOptions } from '#shared/receipts/mnsClient';
import { ROUND_OVERHEAD_MS, drainReceiptQueues, type DrainOptions, type QueueClient, type TokenSource } from '#shared/receipts/poller';
import type { ReceiptMessage } from '#shared/receipts/receiptMessage';
import type { ReceiptToken } from '#shared/receipts/tokens';
import type { AlibabaCredentials } from '#shared/signing/index';
import type { ReceiptStore, StoreBatchResult } from '#shared/receipts/receiptStore';

const REPORT_QUEUE = 'Alicom-Queue-0-VoiceReport';
const CALL_REPORT_QUEUE = 'Alicom-Queue-0-VoiceCallReport';

// ---------------------------------------------------------------------------------------- fakes

interface QueuedMessage {
  id: string;
  body: string;
  enqueueTime: number;
  visibleAt: number;
  dequeueCount: number;
  handle?: string;
}

/** An MNS queue with visibility timeouts: a received message is hidden until deleted or until its handle expires. */
class FakeQueue {
  readonly messages: QueuedMessage[] = [];
  private handles = 0;
  constructor(readonly visibilityMs = 60_000) {}

  push(body: string, id = `MSG-${this.messages.length + 1}`): void {
    this.messages.push({ id, body, enqueueTime: 1_705_307_401_000 + this.messages.length, visibleAt: 0, dequeueCount: 0 });
  }

  receive(max: number, now: number): MnsMessage[] {
    return this.messages
      .filter((message) => message.visibleAt <= now)
      .slice(0, max)
      .map((message) => {
        message.visibleAt = now + this.visibilityMs;
        message.dequeueCount += 1;
        message.handle = `H-${message.id}-${++this.handles}`;
        return {
          messageId: message.id,
          receiptHandle: message.handle,
          body: message.body,
          enqueueTime: message.enqueueTime,
          dequeueCount: message.dequeueCount,
        };
      });
  }

  delete(handles: readonly string[]): DeleteResult {
    const failed: DeleteResult['failed'] = [];
    for (const handle of handles) {
      const index = this.messages.findIndex((message) => message.handle === handle);
      if (index < 0) failed.push({ receiptHandle: handle, code: 'ReceiptHandleError', message: 'invalid' });
      else this.messages.splice(index, 1);
    }
    return { failed };
  }

  /** Makes every hidden message visible again (its visibility timeout passed). */
  expireVisibility(): void {
    for (const message of this.messages) message.visibleAt = 0;
  }
}

class FakeMns implements QueueClient {
  readonly queues = new Map<string, FakeQueue>();
  readonly receives: { queue: string; options: ReceiveOptions; token: string }[] = [];
  readonly deletes: { queue: string; handles: string[] }[] = [];
  /** Security tokens MNS refuses (expired). */
  readonly refusedTokens = new Set<string>();
  refuseAllTokens = false;
  receiveError: Error | undefined;
  deleteError: Error | undefined;
  /** Handles to report as failed in the next delete (delete succeeded for the others). */
  failNextDeleteOf = 0;
  inFlight = 0;
  maxInFlight = 0;
  latencyMs = 0;
  now: () => number = Date.now;

  queue(name: string): FakeQueue {
    let queue = this.queues.get(name);
    if (!queue) this.queues.set(name, (queue = new FakeQueue()));
    return queue;
  }

  private authorise(credentials: AlibabaCredentials): void {
    if (this.refuseAllTokens || this.refusedTokens.has(credentials.securityToken ?? '')) {
      throw new MnsError('auth', 'AccessDenied', 'token refused', { httpStatus: 403 });
    }
  }

  async receive(queue: string, credentials: AlibabaCredentials, options: ReceiveOptions = {}): Promise<MnsMessage[]> {
    this.receives.push({ queue, options, token: credentials.securityToken ?? '' });
    this.authorise(credentials);
    if (this.receiveError) throw this.receiveError;
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    await new Promise((resolve) => setTimeout(resolve, this.latencyMs));
    this.inFlight -= 1;
    return this.queue(queue).receive(options.max ?? 16, this.now());
  }

  async delete(queue: string, credentials: AlibabaCredentials, handles: readonly string[]): Promise<DeleteResult> {
    this.authorise(credentials);
    if (this.deleteError) throw this.deleteError;
    this.deletes.push({ queue, handles: [...handles] });
    const keep = handles.slice(0, this.failNextDeleteOf);
    this.failNextDeleteOf = 0;
    const result = this.queue(queue).delete(handles.slice(keep.length));
    return { failed: [...keep.map((receiptHandle) => ({ receiptHandle, code: 'ReceiptHandleError', message: 'expired' })), ...result.failed] };
  }
}

class FakeTokens implements TokenSource {
  issued = 0;
  readonly invalidated: string[] = [];
  private readonly current = new Map<string, ReceiptToken>();

  async get(messageType: string): Promise<ReceiptToken> {
    let token = this.current.get(messageType);
    if (!token) {
      this.issued += 1;
      token = { accessKeyId: `STS.${this.issued}`, accessKeySecret: 's', securityToken: `token-${this.issued}`, expiresAt: Date.now() + 3_600_000 };
      this.current.set(messageType, token);
    }
    return token;
  }

  invalidate(messageType: string, stale?: AlibabaCredentials): void {
    this.invalidated.push(messageType);
    if (!stale || this.current.get(messageType)?.securityToken === stale.securityToken) this.current.delete(messageType);
  }
}

class MemoryStore implements ReceiptStore {
  readonly batches: ReceiptMessage[][] = [];
  /** How many times each message was written (redelivery writes again; keys make it idempotent). */
  readonly writes = new Map<string, number>();
  failIds = new Set<string>();
  failAll: Error | undefined;

  async storeBatch(messages: readonly ReceiptMessage[]): Promise<StoreBatchResult> {
    this.batches.push([...messages]);
    if (this.failAll) return { stored: new Set(), errors: [this.failAll] };
    const stored = new Set<string>();
    for (const message of messages) {
      if (this.failIds.has(message.messageId)) continue;
      this.writes.set(message.messageId, (this.writes.get(message.messageId) ?? 0) + 1);
      stored.add(message.messageId);
    }
    return { stored, errors: this.failIds.size > 0 ? [new Error('ProvisionedThroughputExceededException')] : [] };
  }
}

interface LogEntry {
  level: string;
  message: string;
  fields?: Record<string, unknown>;
}

function recordingLogger(entries: LogEntry[], base: Record<string, unknown> = {}): Logger {
  const at = (level: string) => (message: string, fields?: Record<string, unknown>) => void entries.push({ level, message, fields: { ...base, ...fields } });
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: (fields) => recordingLogger(entries, { ...base, ...fields }) };
}

// ---------------------------------------------------------------------------------------- setup

const receipt = (callId: string, extra: Record<string, unknown> = {}) =>
  Buffer.from(JSON.stringify({ call_id: callId, status_code: '200000', duration: '5', ...extra })).toString('base64');

let mns: FakeMns;
let tokens: FakeTokens;
let store: MemoryStore;
let logs: LogEntry[];

beforeEach(() => {
  mns = new FakeMns();
  tokens = new FakeTokens();
  store = new MemoryStore();
  logs = [];
});

function options(overrides: Partial<DrainOptions> = {}): DrainOptions {
  return {
    queues: new Map([
      ['VoiceReport', REPORT_QUEUE],
      ['VoiceCallReport', CALL_REPORT_QUEUE],
    ]),
    tokens,
    mns,
    store,
    logger: recordingLogger(logs),
    deadline: Date.now() + 60_000,
    ...overrides,
  };
}

// ---------------------------------------------------------------------------------------- tests

describe('drainReceiptQueues', () => {
  it('drains every queue until empty: each message stored once and deleted', async () => {
    for (let i = 0; i < 40; i++) mns.queue(REPORT_QUEUE).push(receipt(`C${i}^1`));
    for (let i = 0; i < 5; i++) mns.queue(CALL_REPORT_QUEUE).push(receipt(`D${i}^1`, { status_code: '200101' }), `CR-${i}`);

    const stats = await drainReceiptQueues(options());

    expect(stats).toEqual([
      expect.objectContaining({ messageType: 'VoiceReport', queue: REPORT_QUEUE, received: 40, stored: 40, deleted: 40, invalid: 0, stoppedBecause: 'empty' }),
      expect.objectContaining({ messageType: 'VoiceCallReport', queue: CALL_REPORT_QUEUE, received: 5, stored: 5, deleted: 5, stoppedBecause: 'empty' }),
    ]);
    expect(mns.queue(REPORT_QUEUE).messages).toHaveLength(0);
    expect(mns.queue(CALL_REPORT_QUEUE).messages).toHaveLength(0);
    expect([...store.writes.values()].every((count) => count === 1)).toBe(true);
    expect(store.writes.size).toBe(45);
    const stored = store.batches.flat().flatMap((message) => message.receipts.map((r) => [r.messageType, r.callId, r.status]));
    expect(stored).toContainEqual(['VoiceCallReport', 'D0^1', 'ringing']);
    expect(stored).toContainEqual(['VoiceReport', 'C0^1', 'completed']);
  });

  it('receives at most 16 per call; long-polls first, then drains with short waits', async () => {
    for (let i = 0; i < 20; i++) mns.queue(REPORT_QUEUE).push(receipt(`C${i}^1`));
    await drainReceiptQueues(options({ queues: new Map([['VoiceReport', REPORT_QUEUE]]), waitSeconds: 5, drainWaitSeconds: 1, lanesPerQueue: 1, receivesPerRound: 1 }));
    expect(mns.receives.map((r) => [r.options.max, r.options.waitSeconds])).toEqual([
      [16, 5],
      [16, 1],
      [16, 1],
    ]);
  });

  it('by default, does not wait once messages have come: a drained queue ends at its first empty answer', async () => {
    for (let i = 0; i < 3; i++) mns.queue(REPORT_QUEUE).push(receipt(`C${i}^1`));
    await drainReceiptQueues(options({ queues: new Map([['VoiceReport', REPORT_QUEUE]]) }));
    expect(mns.receives.map((r) => r.options.waitSeconds)).toEqual([2, 0]);
  });

  it('with a backlog, takes several receives per round and stores them together', async () => {
    for (let i = 0; i < 100; i++) mns.queue(REPORT_QUEUE).push(receipt(`C${i}^1`));
    const [stats] = await drainReceiptQueues(options({ queues: new Map([['VoiceReport', REPORT_QUEUE]]), lanesPerQueue: 1, receivesPerRound: 4 }));
    expect(stats).toMatchObject({ received: 100, stored: 100, deleted: 100, stoppedBecause: 'empty' });
    // 16, then 64 (4 × 16), then 20 (16 + 4 + 0 + 0), then nothing.
    expect(store.batches.map((batch) => batch.length)).toEqual([16, 64, 20]);
    // Deletes stay within 16 handles each (docs/alibaba/mns.md#batchdeletemessage), one per receive.
    expect(mns.deletes.every((d) => d.handles.length <= 16)).toBe(true);
    expect(mns.deletes.map((d) => d.handles.length).reduce((a, b) => a + b)).toBe(100);
  });

  it('a receive failing beside others: what the others got is still stored and deleted, then the queue stops loudly', async () => {
    for (let i = 0; i < 40; i++) mns.queue(REPORT_QUEUE).push(receipt(`C${i}^1`));
    const realReceive = mns.receive.bind(mns);
    let count = 0;
    mns.receive = async (queue, credentials, receiveOptions) => {
      if (++count === 3) throw new MnsError('transient', 'UND_ERR_SOCKET', 'dropped');
      return realReceive(queue, credentials, receiveOptions);
    };
    const [stats] = await drainReceiptQueues(options({ queues: new Map([['VoiceReport', REPORT_QUEUE]]), lanesPerQueue: 1, receivesPerRound: 4 }));
    expect(stats!.stoppedBecause).toBe('error');
    expect(stats!.received).toBe(40);
    expect(stats).toMatchObject({ stored: 40, deleted: 40 });
    expect(mns.queue(REPORT_QUEUE).messages).toHaveLength(0);
  });

  it('adds lanes when a queue shows a backlog, never more than lanesPerQueue', async () => {
    mns.latencyMs = 5;
    for (let i = 0; i < 200; i++) mns.queue(REPORT_QUEUE).push(receipt(`C${i}^1`));
    const [stats] = await drainReceiptQueues(options({ queues: new Map([['VoiceReport', REPORT_QUEUE]]), lanesPerQueue: 3, receivesPerRound: 1 }));
    expect(stats).toMatchObject({ received: 200, stored: 200, deleted: 200, stoppedBecause: 'empty' });
    expect(mns.maxInFlight).toBeGreaterThan(1);
    expect(mns.maxInFlight).toBeLessThanOrEqual(3);
    expect(store.writes.size).toBe(200);
  });

  it('an empty queue ends after one receive', async () => {
    const stats = await drainReceiptQueues(options());
    expect(stats.map((s) => [s.stoppedBecause, s.received])).toEqual([
      ['empty', 0],
      ['empty', 0],
    ]);
    expect(mns.receives).toHaveLength(2);
  });

  it('deletes only the messages whose write succeeded; the rest stay for redelivery', async () => {
    for (let i = 0; i < 4; i++) mns.queue(REPORT_QUEUE).push(receipt(`C${i}^1`));
    store.failIds = new Set(['MSG-2']);
    const [stats] = await drainReceiptQueues(options({ queues: new Map([['VoiceReport', REPORT_QUEUE]]) }));
    expect(stats).toMatchObject({ received: 4, stored: 3, deleted: 3, notStored: 1, stoppedBecause: 'empty' });
    expect(mns.deletes.flatMap((d) => d.handles).some((handle) => handle.startsWith('H-MSG-2-'))).toBe(false);
    expect(mns.queue(REPORT_QUEUE).messages.map((m) => m.id)).toEqual(['MSG-2']);
    expect(logs.find((entry) => entry.message.includes('not stored'))?.fields).toMatchObject({ messageIds: ['MSG-2'] });

    // Redelivered after the visibility timeout, stored, deleted: once.
    store.failIds = new Set();
    mns.queue(REPORT_QUEUE).expireVisibility();
    await drainReceiptQueues(options({ queues: new Map([['VoiceReport', REPORT_QUEUE]]) }));
    expect(mns.queue(REPORT_QUEUE).messages).toHaveLength(0);
    expect(store.writes.get('MSG-2')).toBe(1);
  });

  it('stops a queue with an error when storage is down, deleting nothing', async () => {
    for (let i = 0; i < 3; i++) mns.queue(REPORT_QUEUE).push(receipt(`C${i}^1`));
    store.failAll = Object.assign(new Error('service unavailable'), { name: 'ServiceUnavailable' });
    const [stats] = await drainReceiptQueues(options({ queues: new Map([['VoiceReport', REPORT_QUEUE]]) }));
    expect(stats).toMatchObject({ received: 3, stored: 0, deleted: 0, stoppedBecause: 'error' });
    expect(stats!.error).toBe(store.failAll);
    expect(mns.deletes).toHaveLength(0);
    expect(mns.queue(REPORT_QUEUE).messages).toHaveLength(3);
  });

  it('stores a poison body raw as invalid, then deletes it: no loop', async () => {
    mns.queue(REPORT_QUEUE).push('%%% not base64, not json %%%');
    mns.queue(REPORT_QUEUE).push(receipt('C1^1'));
    const [stats] = await drainReceiptQueues(options({ queues: new Map([['VoiceReport', REPORT_QUEUE]]) }));
    expect(stats).toMatchObject({ received: 2, stored: 2, deleted: 2, invalid: 1, stoppedBecause: 'empty' });
    const poison = store.batches.flat().find((message) => message.messageId === 'MSG-1');
    expect(poison).toMatchObject({ receipts: [], invalid: { rawBody: '%%% not base64, not json %%%' } });
    expect(mns.queue(REPORT_QUEUE).messages).toHaveLength(0);
  });

  it('counts handles MNS did not delete (they come back and are written again under the same keys)', async () => {
    for (let i = 0; i < 3; i++) mns.queue(REPORT_QUEUE).push(receipt(`C${i}^1`));
    mns.failNextDeleteOf = 1;
    const [stats] = await drainReceiptQueues(options({ queues: new Map([['VoiceReport', REPORT_QUEUE]]) }));
    expect(stats).toMatchObject({ received: 3, stored: 3, deleted: 2, deleteFailures: 1, stoppedBecause: 'empty' });
    expect(logs.find((entry) => entry.message.includes('not deleted'))?.fields).toMatchObject({ failures: [{ messageId: 'MSG-1', code: 'ReceiptHandleError' }] });

    mns.queue(REPORT_QUEUE).expireVisibility();
    const [again] = await drainReceiptQueues(options({ queues: new Map([['VoiceReport', REPORT_QUEUE]]) }));
    expect(again).toMatchObject({ received: 1, stored: 1, deleted: 1 });
    expect(store.writes.get('MSG-1')).toBe(2);
  });

  it('refreshes a refused token once and carries on (token expired mid-run)', async () => {
    for (let i = 0; i < 3; i++) mns.queue(REPORT_QUEUE).push(receipt(`C${i}^1`));
    mns.refusedTokens.add('token-1');
    const [stats] = await drainReceiptQueues(options({ queues: new Map([['VoiceReport', REPORT_QUEUE]]) }));
    expect(stats).toMatchObject({ stored: 3, deleted: 3, stoppedBecause: 'empty' });
    expect(tokens.invalidated).toEqual(['VoiceReport']);
    expect(mns.receives.map((r) => r.token)).toEqual(['token-1', 'token-2', 'token-2']);
  });

  it('refreshes before a delete too, when the token is refused between receive and delete', async () => {
    mns.queue(REPORT_QUEUE).push(receipt('C1^1'));
    const original = store.storeBatch.bind(store);
    store.storeBatch = async (messages) => {
      mns.refusedTokens.add('token-1');
      return original(messages);
    };
    const [stats] = await drainReceiptQueues(options({ queues: new Map([['VoiceReport', REPORT_QUEUE]]) }));
    expect(stats).toMatchObject({ stored: 1, deleted: 1, stoppedBecause: 'empty' });
    expect(tokens.issued).toBe(2);
  });

  it('fails loudly when the fresh token is refused too', async () => {
    mns.queue(REPORT_QUEUE).push(receipt('C1^1'));
    mns.refuseAllTokens = true;
    const [stats] = await drainReceiptQueues(options({ queues: new Map([['VoiceReport', REPORT_QUEUE]]) }));
    expect(stats!.stoppedBecause).toBe('error');
    expect(stats!.error).toBeInstanceOf(MnsError);
    expect(stats!.error).toMatchObject({ kind: 'auth', code: 'AccessDenied' });
    expect(tokens.issued).toBe(2);
    expect(mns.receives).toHaveLength(2);
  });

  it('a queue failing does not stop the others', async () => {
    mns.queue(CALL_REPORT_QUEUE).push(receipt('D1^1', { status_code: '200101' }));
    const realReceive = mns.receive.bind(mns);
    mns.receive = async (queue, credentials, receiveOptions) => {
      if (queue === REPORT_QUEUE) throw new MnsError('config', 'QueueNotExist', 'no such queue', { httpStatus: 404 });
      return realReceive(queue, credentials, receiveOptions);
    };
    const stats = await drainReceiptQueues(options());
    expect(stats.map((s) => s.stoppedBecause)).toEqual(['error', 'empty']);
    expect(stats[1]).toMatchObject({ stored: 1, deleted: 1 });
  });

  it('does not start a round the remaining time cannot fit', async () => {
    mns.queue(REPORT_QUEUE).push(receipt('C1^1'));
    const [stats] = await drainReceiptQueues(options({ queues: new Map([['VoiceReport', REPORT_QUEUE]]), deadline: Date.now() + ROUND_OVERHEAD_MS - 100 }));
    expect(stats).toMatchObject({ received: 0, stoppedBecause: 'deadline' });
    expect(mns.receives).toHaveLength(0);
  });

  it('shrinks the wait near the deadline, and stops mid-drain with every received message stored and deleted', async () => {
    for (let i = 0; i < 100; i++) mns.queue(REPORT_QUEUE).push(receipt(`C${i}^1`));
    // Each receive "takes" 1 s of a fake clock; the deadline leaves room for a few rounds only.
    let clock = Date.now();
    const start = clock;
    mns.now = () => clock;
    const realReceive = mns.receive.bind(mns);
    mns.receive = async (queue, credentials, receiveOptions) => {
      clock += 1_000;
      return realReceive(queue, credentials, receiveOptions);
    };
    const [stats] = await drainReceiptQueues(
      options({ queues: new Map([['VoiceReport', REPORT_QUEUE]]), now: () => clock, deadline: start + ROUND_OVERHEAD_MS + 3_500, waitSeconds: 10, lanesPerQueue: 1, receivesPerRound: 1 }),
    );
    expect(stats!.stoppedBecause).toBe('deadline');
    expect(stats!.received).toBeGreaterThan(0);
    expect(stats!.received).toBeLessThan(100);
    expect(stats).toMatchObject({ stored: stats!.received, deleted: stats!.received });
    expect(mns.receives[0]!.options.waitSeconds).toBe(3);
    expect(mns.queue(REPORT_QUEUE).messages).toHaveLength(100 - stats!.received);
  });

  it('a transient MNS failure that outlived the client retries stops the queue with an error', async () => {
    mns.queue(REPORT_QUEUE).push(receipt('C1^1'));
    mns.receiveError = new MnsError('transient', 'InternalError', 'MNS is down', { httpStatus: 500 });
    const [stats] = await drainReceiptQueues(options({ queues: new Map([['VoiceReport', REPORT_QUEUE]]) }));
    expect(stats).toMatchObject({ stoppedBecause: 'error', received: 0 });
    expect(tokens.invalidated).toEqual([]);
  });

  it('a failed delete stops the queue with an error; the stored messages come back and are written again', async () => {
    mns.queue(REPORT_QUEUE).push(receipt('C1^1'));
    mns.deleteError = new MnsError('transient', 'UND_ERR_SOCKET', 'connection dropped');
    const [stats] = await drainReceiptQueues(options({ queues: new Map([['VoiceReport', REPORT_QUEUE]]) }));
    expect(stats).toMatchObject({ stoppedBecause: 'error', stored: 1, deleted: 0 });
    expect(mns.queue(REPORT_QUEUE).messages).toHaveLength(1);
  });
});
