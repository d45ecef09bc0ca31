/**
 * The flow-control guard's history of every number, in the calls table (docs/flow-control.md#how-it-works).
 *
 *   pk = FLOW#<keyed hash of the number>   sk = FLOW
 *   r0, r1, ... r<N-1>   epoch ms of the N most recent placements, newest first (0 = none), where N
 *                        is the largest window's count
 *   holdUntil, holdWindow  Alibaba's own flow control, learnt from a refusal
 *   expiresAt            TTL: the longest window (or the hold) after the last write
 *
 * Taking a slot is one conditional UpdateItem (TransactWriteItems for the two legs of a click-to-dial
 * call): it shifts the history down by one and writes now at r0, on condition that for every window
 * of `count` placements per `seconds` the `count`-th most recent placement, r<count-1>, is at least
 * `seconds` old, that no hold is in force, and that r0 is not later than now (the history stays
 * ordered even across clocks). DynamoDB applies conditional writes to an item one at a time, so any
 * number of concurrent takes for one number, from any function, succeed exactly as often as the
 * windows allow; no read comes first. A refused take returns the item as it was
 * (ReturnValuesOnConditionCheckFailure), from which the exact moment a slot frees is computed.
 */
import {
  ConditionalCheckFailedException,
  GetItemCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
  type Update,
} from '@aws-sdk/client-dynamodb';
import { untilDeadline } from '../awsSdk.ts';
import { flowControlError, refusalFor, type FlowControlStore, type FlowSlot, type NumberHistory, type Refusal } from '../calls/flowControl.ts';
import type { FlowWindow } from '../flowControlLimits.ts';
import { isConditionalCheckFailed, marshallItem, unmarshallItem } from './items.ts';
import { flowControlKey, TTL_ATTRIBUTE } from './keys.ts';

/** A take refused only because another clock wrote a later r0 is tried again this often. */
const MAX_TAKE_ATTEMPTS = 3;
/** Giving back races with new takes that shift the history; it is tried this often. */
const MAX_GIVE_BACK_ATTEMPTS = 3;
/** Kept this long past the longest window, so a clock a little off never sees an item expire early. */
const TTL_MARGIN_SECONDS = 3_600;

export interface DynamoFlowControlOptions {
  now?: () => number;
}

export class DynamoFlowControlStore implements FlowControlStore {
  private readonly now: () => number;
  /** How many recent placements an item keeps: the largest window's count. */
  private readonly depth: number;
  private readonly longestSeconds: number;

  constructor(
    private readonly client: DynamoDBClient,
    private readonly table: string,
    private readonly windows: readonly FlowWindow[],
    /**
     * The keyed hash that names a number's item (shared/secrets/derivedKeys.ts), resolved per
     * request since its key may rotate: the table holds no number in clear, and a number cannot be
     * found by hashing guesses.
     */
    private readonly hashNumber: () => Promise<(number: string) => string>,
    options: DynamoFlowControlOptions = {},
  ) {
    if (windows.length === 0) throw new RangeError('flow control needs at least one window');
    this.now = options.now ?? Date.now;
    this.depth = Math.max(...windows.map((window) => window.count));
    this.longestSeconds = Math.max(...windows.map((window) => window.seconds));
  }

  async take(numbers: readonly string[], options: { deadline?: number } = {}): Promise<FlowSlot> {
    const unique = [...new Set(numbers)];
    const hash = await this.hashNumber();
    const keys = unique.map((number) => flowControlKey(hash(number)));
    let at = this.now();
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.tryTake(keys, at, options.deadline);
      if (outcome.taken) return { numbers: unique, takenAt: at };
      if (outcome.refusal) throw flowControlError(outcome.refusal, this.now());
      // Refused by the ordering clause alone (another function's clock is ahead of ours: take the
      // slot just after its placement, which keeps the history ordered and errs on the late side),
      // or a transaction on the same item was in flight (try again).
      if (attempt >= MAX_TAKE_ATTEMPTS) throw new Error('flow control: no slot could be taken after retries (clock skew or transaction conflicts)');
      at = Math.max(at, outcome.latest ?? at) + 1;
    }
  }

  async giveBack(slot: FlowSlot): Promise<void> {
    const hash = await this.hashNumber();
    await Promise.all(slot.numbers.map((number) => this.giveBackOne(flowControlKey(hash(number)), slot.takenAt)));
  }

  async hold(numbers: readonly string[], until: number, window: string): Promise<void> {
    const hash = await this.hashNumber();
    const expiresAt = Math.ceil(Math.max(until, this.now() + this.longestSeconds * 1000) / 1000) + TTL_MARGIN_SECONDS;
    await Promise.all(
      [...new Set(numbers)].map(async (number) => {
        try {
          await this.client.send(
            new UpdateItemCommand({
              TableName: this.table,
              Key: marshallItem(flowControlKey(hash(number))),
              UpdateExpression: 'SET holdUntil = :until, holdWindow = :window, #ttl = :ttl',
              // A hold never shortens a longer one.
              ConditionExpression: 'attribute_not_exists(holdUntil) OR holdUntil < :until',
              ExpressionAttributeNames: { '#ttl': TTL_ATTRIBUTE },
              ExpressionAttributeValues: marshallItem({ ':until': until, ':window': window, ':ttl': expiresAt }),
            }),
          );
        } catch (error) {
          if (!isConditionalCheckFailed(error)) throw error;
        }
      }),
    );
  }

  /** One conditional write for all numbers: taken, or refused with the item(s) as they were. */
  private async tryTake(
    keys: ReadonlyArray<{ pk: string; sk: string }>,
    at: number,
    deadline: number | undefined,
  ): Promise<{ taken: true } | { taken: false; refusal?: Refusal; latest?: number }> {
    const updates = keys.map((key) => this.takeUpdate(key, at));
    try {
      if (updates.length === 1) {
        await this.client.send(new UpdateItemCommand({ ...updates[0]!, ReturnValuesOnConditionCheckFailure: 'ALL_OLD' }), untilDeadline(deadline ?? Number.POSITIVE_INFINITY));
      } else {
        await this.client.send(
          new TransactWriteItemsCommand({ TransactItems: updates.map((update) => ({ Update: { ...update, ReturnValuesOnConditionCheckFailure: 'ALL_OLD' } })) }),
          untilDeadline(deadline ?? Number.POSITIVE_INFINITY),
        );
      }
      return { taken: true };
    } catch (error) {
      const items = refusedItems(error, updates.length);
      if (items === undefined) throw error;
      // Another transaction held one of the items at that moment: nothing was written, try again.
      if (items === 'conflict') return { taken: false };
      let refusal: Refusal | undefined;
      let latest: number | undefined;
      for (const item of items) {
        if (item === undefined) continue;
        const history = historyOf(unmarshallItem(item), this.depth);
        const refused = refusalFor(history, this.windows, at);
        if (refused && (!refusal || refused.retryAt > refusal.retryAt)) refusal = refused;
        const newest = history.recent[0];
        if (newest !== undefined && (latest === undefined || newest > latest)) latest = newest;
      }
      return { taken: false, ...(refusal ? { refusal } : {}), ...(latest === undefined ? {} : { latest }) };
    }
  }

  /** The conditional shift of one number's history (see the module comment). */
  private takeUpdate(key: { pk: string; sk: string }, at: number): Update {
    const assignments: string[] = [];
    // r<i> = r<i-1> for i = depth-1 .. 1: every right-hand side reads the item as it was.
    for (let index = this.depth - 1; index >= 1; index--) assignments.push(`r${index} = if_not_exists(r${index - 1}, :none)`);
    assignments.push('r0 = :at', '#ttl = :ttl');
    const conditions = this.windows.map((window, index) => `(attribute_not_exists(r${window.count - 1}) OR r${window.count - 1} <= :cut${index})`);
    conditions.push('(attribute_not_exists(holdUntil) OR holdUntil <= :at)', '(attribute_not_exists(r0) OR r0 <= :at)');
    const values: Record<string, unknown> = {
      ':at': at,
      ':ttl': Math.ceil(at / 1000) + this.longestSeconds + TTL_MARGIN_SECONDS,
      // DynamoDB refuses a value no expression uses: only a history of two or more shifts.
      ...(this.depth > 1 ? { ':none': 0 } : {}),
    };
    this.windows.forEach((window, index) => (values[`:cut${index}`] = at - window.seconds * 1000));
    return {
      TableName: this.table,
      Key: marshallItem(key),
      UpdateExpression: `SET ${assignments.join(', ')}`,
      ConditionExpression: conditions.join(' AND '),
      ExpressionAttributeNames: { '#ttl': TTL_ATTRIBUTE },
      ExpressionAttributeValues: marshallItem(values),
    };
  }

  /**
   * Removes the placement taken at `takenAt` from one number's history, shifting the older ones up.
   * Its position is read first; a take in between moves it down, so the write is conditional on it
   * and tried again.
   */
  private async giveBackOne(key: { pk: string; sk: string }, takenAt: number): Promise<void> {
    for (let attempt = 1; attempt <= MAX_GIVE_BACK_ATTEMPTS; attempt++) {
      const { Item } = await this.client.send(new GetItemCommand({ TableName: this.table, Key: marshallItem(key), ConsistentRead: true }));
      const history = Item ? historyOf(unmarshallItem(Item), this.depth) : { recent: [] };
      const position = history.recent.indexOf(takenAt);
      if (position < 0) return;
      const assignments: string[] = [];
      for (let index = position; index < this.depth - 1; index++) assignments.push(`r${index} = if_not_exists(r${index + 1}, :none)`);
      const update = `${assignments.length > 0 ? `SET ${assignments.join(', ')} ` : ''}REMOVE r${this.depth - 1}`;
      try {
        await this.client.send(
          new UpdateItemCommand({
            TableName: this.table,
            Key: marshallItem(key),
            UpdateExpression: update,
            ConditionExpression: `r${position} = :taken`,
            ExpressionAttributeValues: marshallItem({ ':taken': takenAt, ...(assignments.length > 0 ? { ':none': 0 } : {}) }),
          }),
        );
        return;
      } catch (error) {
        if (!isConditionalCheckFailed(error)) throw error;
      }
    }
  }
}

/** A stored item's history: the non-zero placements, newest first, and the hold. */
function historyOf(item: Record<string, unknown>, depth: number): NumberHistory {
  const recent: number[] = [];
  for (let index = 0; index < depth; index++) {
    const value = item[`r${index}`];
    if (typeof value === 'number' && value > 0) recent.push(value);
  }
  const holdUntil = typeof item.holdUntil === 'number' ? item.holdUntil : undefined;
  const holdWindow = typeof item.holdWindow === 'string' ? item.holdWindow : undefined;
  return { recent, ...(holdUntil === undefined ? {} : { holdUntil }), ...(holdWindow === undefined ? {} : { holdWindow }) };
}

/**
 * The old items of a refused take, one per update (undefined where that update was not refused or
 * the item did not exist), or undefined when the error is not a refusal.
 */
function refusedItems(error: unknown, updates: number): Array<Record<string, AttributeValue> | undefined> | 'conflict' | undefined {
  if (updates === 1 && isConditionalCheckFailed(error)) {
    return [(error as ConditionalCheckFailedException).Item];
  }
  if (error instanceof TransactionCanceledException || (error as { name?: unknown } | null)?.name === 'TransactionCanceledException') {
    const reasons = (error as TransactionCanceledException).CancellationReasons ?? [];
    if (!reasons.some((reason) => reason.Code === 'ConditionalCheckFailed')) {
      return reasons.some((reason) => reason.Code === 'TransactionConflict') ? 'conflict' : undefined;
    }
    return reasons.map((reason) => (reason.Code === 'ConditionalCheckFailed' ? (reason.Item ?? {}) : undefined));
  }
  return undefined;
}
