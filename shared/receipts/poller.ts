/**
 * Drains the receipt queues (docs/receipts.md; docs/alibaba/receipts.md#flow flow, docs/alibaba/mns.md MNS): for each queue, rounds
 * of receive → decode/normalise → store → delete-only-what-was-stored, until the queue is empty or
 * the time left cannot fit another round. Every queue is drained concurrently, and a queue with a
 * backlog by a few lanes at once (see DEFAULT_LANES_PER_QUEUE).
 *
 * Safety does not depend on timing: a message is deleted only after it is stored, and keys are
 * deterministic (redelivery overwrites). A call's status is derived from its stored receipts
 * (shared/calls/status.ts deriveCallStatus), so storing a receipt is all there is to do for it. The time budget
 * only decides how much gets done before the Lambda stops.
 *
 * Wait strategy: the first receive of a queue long-polls `waitSeconds` (default 2 s), so receipts
 * arriving right then are caught without holding the Lambda for long on an idle queue; once a
 * receive has returned messages, the following ones do not wait (`drainWaitSeconds`, default 0),
 * so a drained queue ends at its first empty answer. Any wait shrinks when the deadline is near.
 * Longer first waits (up to 30 s, docs/alibaba/mns.md#batchreceivemessage) would trade Lambda time for receipt latency; the
 * schedule runs every minute anyway.
 *
 * Throughput: once a queue shows a backlog (every receive of a round came back full), each round
 * takes `receivesPerRound` receives at once (96 messages), stores them together (full 25-item
 * BatchWriteItem chunks) and deletes them with one request per receive;
 * a second lane per queue overlaps MNS round trips with DynamoDB writes. Memory stays bounded by
 * lanes × receivesPerRound × 16 messages per queue.
 */
import { MnsError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { AlibabaCredentials } from '../signing/index.ts';
import type { ReceiptStore } from './receiptStore.ts';
import { MAX_MESSAGES_PER_RECEIVE, MAX_WAIT_SECONDS, RECEIVE_HTTP_MARGIN_MS, type DeleteResult, type MnsMessage, type ReceiveOptions } from './mnsClient.ts';
import { receiptMessageFrom } from './receiptMessage.ts';
import type { ReceiptToken } from './tokens.ts';

/** Time kept for storing one round's messages (BatchWriteItem, with retries). */
export const STORE_BUDGET_MS = 3_000;
/** Time kept for deleting one round's messages (one BatchDeleteMessage, with a retry). */
export const DELETE_BUDGET_MS = 2_000;
/** A round needs its receive wait plus this much (receive HTTP margin + store + delete). */
export const ROUND_OVERHEAD_MS = RECEIVE_HTTP_MARGIN_MS + STORE_BUDGET_MS + DELETE_BUDGET_MS;
export const DEFAULT_WAIT_SECONDS = 2;
export const DEFAULT_DRAIN_WAIT_SECONDS = 0;
/**
 * Receive→store→delete loops per queue once it shows a backlog (a full batch). MNS hands each
 * message to one receiver at a time, so lanes never see the same message at once. More lanes did
 * not drain faster against DynamoDB Local (it is CPU-bound on two cores), hence two.
 */
export const DEFAULT_LANES_PER_QUEUE = 2;
/**
 * Receives per round once a queue shows a backlog: 6 × 16 = 96 messages are stored together, in
 * four BatchWriteItem requests (three full chunks of 25 and one of 21, 24 items a request on
 * average, against 21 for 64 messages); more would only make rounds longer and memory larger.
 */
export const DEFAULT_RECEIVES_PER_ROUND = 6;

export type StopReason = 'empty' | 'deadline' | 'error';

export interface QueueDrainStats {
  messageType: string;
  queue: string;
  /** Messages received (a redelivered message counts each time). */
  received: number;
  /** Messages fully stored (every item of the message written). */
  stored: number;
  /** Messages deleted from the queue. */
  deleted: number;
  /** Messages whose body (or part of it) was stored raw as invalid. */
  invalid: number;
  /** Handles MNS did not delete (the message will be redelivered and deduplicated). */
  deleteFailures: number;
  /** Messages received but not stored (left in the queue for redelivery). */
  notStored: number;
  rounds: number;
  stoppedBecause: StopReason;
  /** The error that stopped the queue, when stoppedBecause is 'error'. */
  error?: unknown;
}

/** What the poller needs of the token provider (ReceiptTokenProvider). */
export interface TokenSource {
  get(messageType: string, queueName: string, options?: { deadline?: number }): Promise<ReceiptToken>;
  invalidate(messageType: string, stale?: AlibabaCredentials): void;
}

/** What the poller needs of the MNS client (MnsQueueClient). */
export interface QueueClient {
  receive(queue: string, credentials: AlibabaCredentials, options?: ReceiveOptions): Promise<MnsMessage[]>;
  delete(queue: string, credentials: AlibabaCredentials, receiptHandles: readonly string[], options?: { deadline?: number }): Promise<DeleteResult>;
}

export interface DrainOptions {
  /** MessageType → queue name (config.receiptQueues). */
  queues: ReadonlyMap<string, string>;
  tokens: TokenSource;
  mns: QueueClient;
  store: ReceiptStore;
  logger: Logger;
  /** Absolute epoch ms by which everything must be finished. */
  deadline: number;
  now?: () => number;
  /** Messages per receive, ≤ 16 (docs/alibaba/mns.md#batchreceivemessage). */
  batchSize?: number;
  /** Long-poll wait of a queue's first receive, ≤ 30 s. */
  waitSeconds?: number;
  /** Wait of the receives that follow. */
  drainWaitSeconds?: number;
  lanesPerQueue?: number;
  /** Receives run at once per round once a queue shows a backlog. */
  receivesPerRound?: number;
}

/**
 * Drains every queue concurrently; resolves with one stats entry per queue. Never rejects for a
 * queue's failure: that queue stops with `stoppedBecause: 'error'` and the others carry on.
 */
export async function drainReceiptQueues(options: DrainOptions): Promise<QueueDrainStats[]> {
  return Promise.all([...options.queues].map(([messageType, queue]) => drainQueue(options, messageType, queue)));
}

async function drainQueue(options: DrainOptions, messageType: string, queue: string): Promise<QueueDrainStats> {
  const stats: QueueDrainStats = {
    messageType,
    queue,
    received: 0,
    stored: 0,
    deleted: 0,
    invalid: 0,
    deleteFailures: 0,
    notStored: 0,
    rounds: 0,
    stoppedBecause: 'empty',
  };
  const maxLanes = Math.max(1, Math.floor(options.lanesPerQueue ?? DEFAULT_LANES_PER_QUEUE));
  const lanes: Promise<StopReason>[] = [];
  const logger = options.logger.child({ messageType, queue });
  const startLane = (first: boolean): void => {
    const lane = new Lane(options, messageType, queue, stats, logger, first, () => {
      if (lanes.length < maxLanes) startLane(false);
    });
    lanes.push(
      lane.run().catch((error: unknown) => {
        stats.error ??= error;
        logger.error('receipt queue stopped by an error', { error });
        return 'error' as const;
      }),
    );
  };
  startLane(true);
  const reasons: StopReason[] = [];
  // Lanes may start while earlier ones run: wait until every lane started so far has ended.
  for (let index = 0; index < lanes.length; index++) reasons.push(await lanes[index]!);
  stats.stoppedBecause = reasons.includes('error') ? 'error' : reasons.includes('deadline') ? 'deadline' : 'empty';
  return stats;
}

/** One receive → store → delete loop on a queue. */
class Lane {
  private readonly now: () => number;
  private readonly batchSize: number;
  private wait: number;
  private readonly drainWait: number;
  private readonly receivesPerRound: number;
  /** 1 until the queue shows a backlog (every receive full), then receivesPerRound. */
  private receivesThisRound = 1;

  constructor(
    private readonly options: DrainOptions,
    private readonly messageType: string,
    private readonly queue: string,
    private readonly stats: QueueDrainStats,
    private readonly logger: Logger,
    first: boolean,
    private readonly onBacklog: () => void,
  ) {
    this.now = options.now ?? Date.now;
    this.batchSize = clamp(options.batchSize ?? MAX_MESSAGES_PER_RECEIVE, 1, MAX_MESSAGES_PER_RECEIVE);
    this.drainWait = clamp(options.drainWaitSeconds ?? DEFAULT_DRAIN_WAIT_SECONDS, 0, MAX_WAIT_SECONDS);
    this.wait = first ? clamp(options.waitSeconds ?? DEFAULT_WAIT_SECONDS, 0, MAX_WAIT_SECONDS) : this.drainWait;
    this.receivesPerRound = clamp(options.receivesPerRound ?? DEFAULT_RECEIVES_PER_ROUND, 1, 16);
  }

  async run(): Promise<StopReason> {
    const { deadline, store } = this.options;
    for (;;) {
      if (this.stats.error !== undefined) return 'error';
      // The round must fit: receive (wait + HTTP margin), store, delete. Near the deadline the wait shrinks first.
      const wait = Math.min(this.wait, Math.floor((deadline - this.now() - ROUND_OVERHEAD_MS) / 1000));
      if (wait < 0) return 'deadline';
      this.wait = this.drainWait;

      // Several receives at once once the queue has shown a backlog: fuller BatchWriteItem chunks.
      // allSettled: messages one receive got are processed even when another receive failed.
      const outcomes = await Promise.allSettled(Array.from({ length: this.receivesThisRound }, () => this.receive(wait)));
      const received = outcomes.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
      const receiveFailure = outcomes.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
      const messages = received.flat();
      if (messages.length === 0) {
        if (receiveFailure) throw receiveFailure.reason;
        return 'empty';
      }
      this.stats.rounds += 1;
      this.stats.received += messages.length;
      if (!receiveFailure && received.every((batch) => batch.length === this.batchSize)) {
        this.receivesThisRound = this.receivesPerRound;
        this.onBacklog();
      }

      const batch = messages.map((message) => receiptMessageFrom(this.messageType, message));
      for (const message of batch) {
        if (message.invalid) {
          this.stats.invalid += 1;
          this.logger.warn('receipt body stored raw as invalid', { messageId: message.messageId, reason: message.invalid.reason });
        }
      }
      const { stored, errors } = await store.storeBatch(batch, { deadline: deadline - DELETE_BUDGET_MS });
      this.stats.stored += stored.size;
      const unstored = messages.filter((message) => !stored.has(message.messageId));
      if (unstored.length > 0) {
        this.stats.notStored += unstored.length;
        this.logger.warn('receipts not stored; left in the queue for redelivery', {
          messageIds: unstored.map((message) => message.messageId),
          error: errors[0],
        });
      }

      // Delete only what was stored, in the batches it was received in (≤ 16 handles each, docs/alibaba/mns.md#batchdeletemessage).
      const deletions = received
        .map((receivedBatch) => receivedBatch.filter((message) => stored.has(message.messageId)))
        .filter((storedBatch) => storedBatch.length > 0)
        .map((storedBatch) => this.delete(storedBatch));
      const deleteFailure = (await Promise.allSettled(deletions)).find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');

      if (receiveFailure) throw receiveFailure.reason;
      if (deleteFailure) throw deleteFailure.reason;
      // Storage failing for a whole round: stop rather than keep taking messages it cannot hold.
      if (stored.size === 0) throw errors[0] ?? new Error('no receipt of the round could be stored');
    }
  }

  private receive(waitSeconds: number): Promise<MnsMessage[]> {
    const { deadline, mns } = this.options;
    return this.withToken((token) =>
      mns.receive(this.queue, token, { max: this.batchSize, waitSeconds, deadline: deadline - STORE_BUDGET_MS - DELETE_BUDGET_MS }),
    );
  }

  /** Deletes stored messages; handles MNS refused are counted and logged (redelivery is deduplicated). */
  private async delete(messages: MnsMessage[]): Promise<void> {
    const { deadline, mns } = this.options;
    const handles = messages.map((message) => message.receiptHandle);
    const { failed } = await this.withToken((token) => mns.delete(this.queue, token, handles, { deadline }));
    this.stats.deleted += handles.length - failed.length;
    this.stats.deleteFailures += failed.length;
    if (failed.length > 0) {
      const byHandle = new Map(messages.map((message) => [message.receiptHandle, message.messageId]));
      this.logger.warn('receipts stored but not deleted; their redelivery will be deduplicated', {
        failures: failed.map((failure) => ({ messageId: byHandle.get(failure.receiptHandle), code: failure.code })),
      });
    }
  }

  /**
   * Runs an MNS operation with this queue's token. When MNS refuses the token (docs/alibaba/mns.md#errors auth codes)
   * it is dropped and fetched again once (docs/alibaba/receipts.md#flow step 4); a second refusal is thrown.
   */
  private async withToken<T>(operation: (token: ReceiptToken) => Promise<T>): Promise<T> {
    const { tokens, deadline } = this.options;
    const token = await tokens.get(this.messageType, this.queue, { deadline });
    try {
      return await operation(token);
    } catch (error) {
      if (!(error instanceof MnsError) || error.kind !== 'auth') throw error;
      this.logger.warn('MNS refused the receipt token; fetching a new one', { code: error.code, mnsRequestId: error.requestId });
      tokens.invalidate(this.messageType, token);
      const fresh = await tokens.get(this.messageType, this.queue, { deadline });
      return operation(fresh);
    }
  }
}

function clamp(value: number, min: number, max: number): number {
  return Number.isFinite(value) ? Math.min(max, Math.max(min, Math.floor(value))) : min;
}
