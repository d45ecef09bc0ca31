/**
 * DynamoDB failing under the poller (docs/receipts.md: "a message is deleted only after it is
 * stored"): unreachable, or throttling some requests. The pollReceipts handler runs unchanged; only
 * its store is swapped (vi.spyOn) for a DynamoReceiptStore whose client cannot reach DynamoDB or is
 * throttled by a test middleware, and which otherwise writes to the run's DynamoDB Local, the store
 * of record. Nothing that was not stored is ever deleted; after recovery everything is stored once.
 */
import { createServer } from 'node:net';
import { DynamoDBClient, ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { drainReceiptQueues } from '#shared/receipts/poller';
import { DynamoReceiptStore } from '#shared/store/receiptStore';
import {
  auditedReceiptsSuite,
  enqueueCalls,
  enqueueReceipts,
  expectQueuesEmpty,
  expectStoredExactlyOnce,
  itemsWithPrefix,
  mnsAnswers,
  pollUntilEmpty,
  receiptItemsOf,
  rejectionOf,
  statsOf,
  totals,
  uniquePrefix,
  MESSAGE_TYPES,
  TTL_DAYS,
} from './support.ts';

const suite = auditedReceiptsSuite({ receiptDelayMs: 0, visibilityTimeoutMs: 1_500 });
let unreachableEndpoint: string;

beforeAll(async () => {
  // A port nothing listens on: connections are refused.
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  unreachableEndpoint = `http://127.0.0.1:${port}`;
});

function dynamoClientFor(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: process.env.AWS_REGION ?? 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
}

/** The handler's store, replaced for the next polls by `store` (restored after the test). */
function swapStore(store: DynamoReceiptStore): void {
  vi.spyOn(suite.bundle.deps.store, 'storeBatch').mockImplementation((messages, options) => store.storeBatch(messages, options));
}

/**
 * A client of the run's DynamoDB Local that answers ProvisionedThroughputExceededException, before
 * sending anything, to every request for which `throttle(requestText)` says so.
 */
function throttlingClient(throttle: (request: string) => boolean): { client: DynamoDBClient; throttled: () => number } {
  const client = dynamoClientFor(process.env.DYNAMODB_ENDPOINT!);
  let throttled = 0;
  client.middlewareStack.add(
    ((next: (args: { input: unknown }) => Promise<unknown>) => async (args: { input: unknown }) => {
      if (throttle(JSON.stringify(args.input))) {
        throttled += 1;
        throw new ProvisionedThroughputExceededException({ message: 'Rate of requests exceeds the allowed throughput (test).', $metadata: {} });
      }
      return next(args);
    }) as never,
    { step: 'initialize', name: 'testThrottling' },
  );
  return { client, throttled: () => throttled };
}

describe('DynamoDB unreachable', () => {
  it('the poll fails loudly, nothing is deleted and nothing half-written; once DynamoDB is back everything is stored once', async () => {
    const prefix = uniquePrefix('ddbDown');
    const sent = enqueueCalls(suite.bundle.sandbox, prefix, 5);
    swapStore(new DynamoReceiptStore(dynamoClientFor(unreachableEndpoint), process.env.CALLS_TABLE!, TTL_DAYS));

    const error = await rejectionOf(suite.bundle.poll());

    expect(error.name).toBe('ReceiptPollError');
    expect(error.failures.map((failure: { messageType: string }) => failure.messageType).sort()).toEqual([...MESSAGE_TYPES].sort());
    expect(totals(suite.bundle.sandbox)).toMatchObject({ receivedTotal: 15, deletedTotal: 0 });
    expect(mnsAnswers(suite.bundle.sandbox, 'BatchDeleteMessage')).toEqual([]);
    expect(suite.audit.deleteCalls).toBe(0);
    expect(await itemsWithPrefix(prefix)).toEqual([]);

    vi.mocked(suite.bundle.deps.store.storeBatch).mockRestore();
    await pollUntilEmpty(suite.bundle);

    await expectStoredExactlyOnce(sent);
    expectQueuesEmpty(suite.bundle.sandbox, 15);
  });

  it('drainReceiptQueues reports it per queue: received, none stored, none deleted, all left for redelivery, stopped by the error', async () => {
    const sent = enqueueCalls(suite.bundle.sandbox, uniquePrefix('ddbStats'), 3);
    const unavailable = new DynamoReceiptStore(dynamoClientFor(unreachableEndpoint), process.env.CALLS_TABLE!, TTL_DAYS);

    const stats = await drainReceiptQueues({ ...suite.bundle.deps, store: unavailable, deadline: Date.now() + 20_000, waitSeconds: 0 });

    for (const type of MESSAGE_TYPES) {
      expect(statsOf(stats, type)).toMatchObject({ received: 3, stored: 0, deleted: 0, notStored: 3, stoppedBecause: 'error' });
      expect(stats.find((queue) => queue.messageType === type)!.error).toBeDefined();
    }
    expect(totals(suite.bundle.sandbox).deletedTotal).toBe(0);

    await pollUntilEmpty(suite.bundle);
    await expectStoredExactlyOnce(sent);
    expectQueuesEmpty(suite.bundle.sandbox, 9);
  });
});

describe('DynamoDB throttling', () => {
  it('a few throttled writes are retried within the poll: everything stored and deleted at once', async () => {
    const sent = enqueueCalls(suite.bundle.sandbox, uniquePrefix('ddbSlow'), 20);
    // The first three BatchWriteItem requests are throttled.
    let budget = 3;
    const { client, throttled } = throttlingClient((request) => request.includes('"RequestItems"') && budget-- > 0);
    swapStore(new DynamoReceiptStore(client, process.env.CALLS_TABLE!, TTL_DAYS));

    const result = await suite.bundle.poll();

    expect(throttled()).toBe(3);
    for (const type of MESSAGE_TYPES) expect(statsOf(result.queues, type)).toMatchObject({ received: 20, stored: 20, deleted: 20, notStored: 0, stoppedBecause: 'empty' });
    await expectStoredExactlyOnce(sent);
    expectQueuesEmpty(suite.bundle.sandbox, 60);
  });

  it('one call throttled beyond every retry: its round is neither stored nor deleted, other rounds are; the poll fails loudly; afterwards all stored once', async () => {
    const prefix = uniquePrefix('ddbHot');
    const sent = enqueueReceipts(suite.bundle.sandbox, 'VoiceReport', [{ call_id: `${prefix}-{n}^7`, status_code: '200003', smart_status_code: 'NO_ANSWER' }], 48);
    const hot = `${prefix}-30^7`;
    let throttling = true;
    const { client, throttled } = throttlingClient((request) => throttling && request.includes(hot));
    swapStore(new DynamoReceiptStore(client, process.env.CALLS_TABLE!, TTL_DAYS));

    const error = await rejectionOf(suite.bundle.poll());

    expect(error.name).toBe('ReceiptPollError');
    expect(error.failures).toEqual([expect.objectContaining({ messageType: 'VoiceReport' })]);
    expect(throttled()).toBeGreaterThan(1);
    expect(await receiptItemsOf(hot)).toEqual([]);
    const { deletedTotal, visible, inFlight } = totals(suite.bundle.sandbox);
    // Deleted are exactly the messages stored (the suite.audit checked each one); the rest are still queued.
    const storedNow = (await itemsWithPrefix(prefix)).filter((item) => String(item.sk).startsWith('RECEIPT#')).length;
    expect(deletedTotal).toBeGreaterThan(0);
    expect(deletedTotal).toBeLessThan(48);
    expect(deletedTotal).toBeLessThanOrEqual(storedNow);
    expect(deletedTotal + visible + inFlight).toBe(48);

    throttling = false;
    await pollUntilEmpty(suite.bundle);

    await expectStoredExactlyOnce(sent);
    expectQueuesEmpty(suite.bundle.sandbox, 48);
  });
});
