/**
 * The receipt path end to end, in process: the local Alibaba sandbox (dyvmsapi, dybaseapi, the
 * receipt MNS queues), the real Lambda handlers (pollReceipts, placeCall, getCall) wired as deployed
 * (configuration from the environment, the composition roots of shared/runtime/), and the run's DynamoDB Local as the store
 * of record. Everything here only observes: assertions read DynamoDB and the sandbox's counters.
 *
 * Handlers build their dependencies once per process (the Lambda cold start), so a test file starts
 * one bundle in `beforeAll`, and scenarios needing other sandbox options live in other files.
 *
 * The invariants every scenario checks (docs/receipts.md):
 * - zero loss: every enqueued receipt is an item in DynamoDB (or, for a poison body, an INVALID# item);
 * - zero duplicates: exactly one item per natural key (docs/alibaba/receipts.md#receipt-fields dedup keys);
 * - no status regression: a finished call stays finished (as GET /calls/{callId} shows it: the status
 *   is derived from the stored receipts; the poller writes receipt items only);
 * - a delete goes out only for a message whose item is already in DynamoDB (DeleteAudit);
 * - the queues end empty once a final clean poll ran.
 */
import { randomBytes } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, beforeEach, expect, vi } from 'vitest';
import { endpointVariables, startSandbox, type QueueStats, type Sandbox, type SandboxOptions } from '#sandbox/server';
import type { MnsMessage } from '#shared/receipts/mnsClient';
import type { QueueDrainStats } from '#shared/receipts/poller';
import type { ReceiptsDependencies } from '#shared/runtime/receipts';
import { unmarshallItem } from '#shared/store/items';
import { jsonTextNestsDeeperThan, MAX_JSON_DEPTH } from '#shared/validation';
import { invoke, type Handler, type HttpResponse } from '../handlers/harness.ts';
import { lambdaContext } from '../../support/apiGatewayEvents.ts';
import { callItemOf, getItem, itemsOf, receiptItemsOf, testDynamo, type Item } from '../../support/callsTable.ts';
import { releaseBundle, saveEnvironment } from '../../support/environment.ts';

export const MESSAGE_TYPES = ['VoiceReport', 'VoiceCallReport', 'VoiceRecordReport'] as const;
export type MessageType = (typeof MESSAGE_TYPES)[number];

/** README.md: RECEIPT_TTL_DAYS defaults to 30. */
export const TTL_DAYS = 30;
export const DAY_SECONDS = 86_400;

/** What the pollReceipts handler resolves with: per-queue counters (poller.ts QueueDrainStats without the error). */
export type PollStats = Omit<QueueDrainStats, 'error'>;
export type PollHandler = (event: unknown, context: Context) => Promise<{ queues: PollStats[] }>;

export interface ReceiptsBundle {
  sandbox: Sandbox;
  pollReceipts: PollHandler;
  placeCall: Handler;
  cancelCall: Handler;
  getCall: Handler;
  /** The very dependencies the pollReceipts handler uses (built at its cold start). */
  deps: ReceiptsDependencies;
  /** One scheduled invocation with `remainingMs` of Lambda time left. */
  poll(remainingMs?: number): Promise<{ queues: PollStats[] }>;
  /**
   * Sandbox reset (queues, faults, tokens, request logs) and a cold token cache, so every test
   * starts from nothing. The handler's modules stay loaded (a warm container).
   */
  reset(): void;
  stop(): Promise<void>;
}

const CHANGED_VARIABLES = [
  'ALIYUN_VOICE_ENDPOINT',
  'ALIYUN_DYBASE_ENDPOINT',
  'ALIYUN_MNS_ENDPOINT',
  'ALIYUN_SIGNATURE_VERSION',
  'RECEIPT_QUEUES',
  'RECEIPT_TTL_DAYS',
  'LOG_LEVEL',
] as const;

/** A generous Lambda budget for polls that are meant to finish (the poller keeps ~8 s per round back). */
export const CLEAN_POLL_MS = 30_000;

/**
 * Starts a sandbox with `options`, points all three Alibaba endpoints at it (MNS at its own
 * origin; RECEIPT_QUEUES unset: the defaults are the sandbox's queues), then loads the handlers:
 * their cold start.
 */
export async function startReceiptsBundle(options: SandboxOptions = {}): Promise<ReceiptsBundle> {
  const saved = saveEnvironment(CHANGED_VARIABLES);
  const sandbox = await startSandbox({ port: 0, flowControl: false, ...options });
  Object.assign(process.env, endpointVariables(sandbox));
  delete process.env.ALIYUN_SIGNATURE_VERSION;
  delete process.env.RECEIPT_QUEUES;
  delete process.env.RECEIPT_TTL_DAYS;
  // Fault scenarios make the poller warn on purpose; errors still show.
  process.env.LOG_LEVEL = 'error';

  const [poll, place, cancel, get, runtime] = await Promise.all([
    import('../../../functions/pollReceipts.ts'),
    import('../../../functions/placeCall.ts'),
    import('../../../functions/cancelCall.ts'),
    import('../../../functions/getCall.ts'),
    import('#shared/runtime/receipts'),
  ]);
  const deps = runtime.receiptsDependencies();
  const pollReceipts = poll.handler as unknown as PollHandler;
  return {
    sandbox,
    pollReceipts,
    placeCall: place.handler as Handler,
    cancelCall: cancel.handler as Handler,
    getCall: get.handler as Handler,
    deps,
    poll: (remainingMs = CLEAN_POLL_MS) => pollReceipts({}, lambdaContext(remainingMs)),
    reset() {
      sandbox.control.reset();
      for (const type of MESSAGE_TYPES) deps.tokens.invalidate(type);
    },
    async stop() {
      vi.restoreAllMocks();
      await sandbox.close();
      await releaseBundle(saved);
    },
  };
}

/** A prefix no other test (or test file running in parallel) uses: call ids are `<prefix>-<n>`. */
export function uniquePrefix(label: string): string {
  return `${label}${randomBytes(5).toString('hex')}`;
}

/** GET /calls/{callId} through the getCall handler. */
export function getCall(bundle: ReceiptsBundle, callId: string): Promise<HttpResponse> {
  return invoke(bundle.getCall, {
    method: 'GET',
    route: '/calls/{callId}',
    path: `/calls/${encodeURIComponent(callId)}`,
    pathParameters: { callId: encodeURIComponent(callId) },
  });
}

/**
 * The status GET /calls/{callId} shows for each of `callIds`, `concurrency` requests at a time
 * (the handler in process, its DynamoDB Query against DynamoDB Local).
 */
export async function statusesViaGet(bundle: ReceiptsBundle, callIds: readonly string[], concurrency = 8): Promise<Map<string, unknown>> {
  const statuses = new Map<string, unknown>();
  let next = 0;
  const lane = async () => {
    while (next < callIds.length) {
      const callId = callIds[next++]!;
      const response = await getCall(bundle, callId);
      expect(response.status, `${callId}: ${response.text}`).toBe(200);
      statuses.set(callId, response.body.status);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, callIds.length) }, lane));
  return statuses;
}

/** POST /calls/{callId}/cancel through the cancelCall handler. */
export function cancelCall(bundle: ReceiptsBundle, callId: string): Promise<HttpResponse> {
  return invoke(bundle.cancelCall, {
    method: 'POST',
    route: '/calls/{callId}/cancel',
    path: `/calls/${encodeURIComponent(callId)}/cancel`,
    pathParameters: { callId: encodeURIComponent(callId) },
  });
}

/** POST /calls through the placeCall handler; resolves with the CallId. */
export async function placeCall(bundle: ReceiptsBundle, body: Record<string, unknown>): Promise<string> {
  const response = await invoke(bundle.placeCall, { method: 'POST', route: '/calls', body });
  expect(response.status, response.text).toBe(202);
  return response.body.callId as string;
}

// ---------------------------------------------------------------------------------------------
// Queues

export function totals(sandbox: Sandbox): { visible: number; inFlight: number; delayed: number; receivedTotal: number; deletedTotal: number } {
  const sum = (pick: (queue: QueueStats) => number) => sandbox.control.queues().reduce((total, queue) => total + pick(queue), 0);
  return {
    visible: sum((queue) => queue.visible),
    inFlight: sum((queue) => queue.inFlight),
    delayed: sum((queue) => queue.delayed),
    receivedTotal: sum((queue) => queue.receivedTotal),
    deletedTotal: sum((queue) => queue.deletedTotal),
  };
}

/** Nothing visible, nothing in flight, nothing still to come from placed calls. */
export function queuesEmpty(sandbox: Sandbox): boolean {
  const { visible, inFlight, delayed } = totals(sandbox);
  return visible === 0 && inFlight === 0 && delayed === 0;
}

export function expectQueuesEmpty(sandbox: Sandbox, deletedTotal?: number): void {
  for (const queue of sandbox.control.queues()) {
    expect(queue, queue.name).toMatchObject({ visible: 0, inFlight: 0, delayed: 0 });
  }
  if (deletedTotal !== undefined) expect(totals(sandbox).deletedTotal).toBe(deletedTotal);
}

/**
 * Invokes the handler until the queues are empty (messages left in flight by a failed delete come
 * back after the visibility timeout; the first receive of a poll long-polls for them). Every poll
 * must succeed. The last poll is therefore always a clean one.
 */
export async function pollUntilEmpty(bundle: ReceiptsBundle, options: { remainingMs?: number; maxPolls?: number } = {}): Promise<{ polls: number; stats: PollStats[][] }> {
  const maxPolls = options.maxPolls ?? 10;
  const stats: PollStats[][] = [];
  for (let poll = 1; poll <= maxPolls; poll++) {
    const result = await bundle.poll(options.remainingMs ?? CLEAN_POLL_MS);
    stats.push(result.queues);
    for (const queue of result.queues) expect(queue.stoppedBecause, JSON.stringify(queue)).not.toBe('error');
    if (queuesEmpty(bundle.sandbox)) return { polls: poll, stats };
  }
  throw new Error(`queues not empty after ${maxPolls} polls: ${JSON.stringify(bundle.sandbox.control.queues())}`);
}

/** Waits until `condition` holds. */
export async function eventually(condition: () => boolean | Promise<boolean>, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > until) throw new Error(`${what} not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The error a rejected promise carries (fails the test when it resolves). */
export async function rejectionOf(promise: Promise<unknown>): Promise<Error & Record<string, any>> {
  return promise.then(
    (value) => expect.fail(`expected a rejection, got ${JSON.stringify(value)}`),
    (reason: unknown) => reason as Error & Record<string, any>,
  );
}

// ---------------------------------------------------------------------------------------------
// DynamoDB Local, read back by key (or by a scan filtered on this test's prefix)

export { callItemOf, getItem, itemsOf, receiptItemsOf, testDynamo, type Item };

/** Every item whose pk starts with `CALL#<prefix>` (a parallel, filtered scan of the shared table). */
export async function itemsWithPrefix(prefix: string): Promise<Item[]> {
  const segments = 4;
  const pages = await Promise.all(
    Array.from({ length: segments }, async (_, segment) => {
      const items: Record<string, AttributeValue>[] = [];
      let startKey: Record<string, AttributeValue> | undefined;
      do {
        const page = await testDynamo().send(
          new ScanCommand({
            TableName: process.env.CALLS_TABLE,
            FilterExpression: 'begins_with(pk, :prefix)',
            ExpressionAttributeValues: { ':prefix': { S: `CALL#${prefix}` } },
            ExclusiveStartKey: startKey,
            ConsistentRead: true,
            Segment: segment,
            TotalSegments: segments,
          }),
        );
        items.push(...(page.Items ?? []));
        startKey = page.LastEvaluatedKey;
      } while (startKey);
      return items;
    }),
  );
  return pages.flat().map(unmarshallItem);
}

/** The INVALID# item of a poison message (pk `INVALID#<type>`, sk `<EnqueueTime ISO>#<MessageId>`). */
export async function invalidItemsOf(messageType: MessageType, messageIds: readonly string[]): Promise<Item[]> {
  const wanted = new Set(messageIds);
  return (await itemsOf(`INVALID#${messageType}`)).filter((item) => wanted.has(String(item.messageId)));
}

// ---------------------------------------------------------------------------------------------
// The invariants

/** A receipt as enqueued: its type and the decoded JSON object Alibaba would send. */
export interface SentReceipt {
  messageType: MessageType;
  receipt: Record<string, unknown>;
}

/**
 * docs/alibaba/receipts.md#receipt-fields dedup keys: VoiceReport and VoiceRecordReport → call_id; VoiceCallReport → call_id +
 * status_code + status_time (+ dtmf). Computed from the raw receipt, not from the product.
 */
export function naturalKeyOf(messageType: string, raw: Record<string, unknown>): string {
  const parts = [messageType, String(raw.call_id)];
  if (messageType === 'VoiceCallReport') parts.push(String(raw.status_code ?? ''), String(raw.status_time ?? ''), String(raw.dtmf ?? ''));
  return parts.join('|');
}

/** `{n}` templating of the sandbox's enqueue, done here too so tests know exactly what was sent. */
export function expand(messageType: MessageType, templates: Record<string, unknown>[], count: number): SentReceipt[] {
  return Array.from({ length: count }, (_, index) => {
    const text = JSON.stringify(templates[index % templates.length]).replaceAll('{n}', String(index + 1));
    return { messageType, receipt: JSON.parse(text) as Record<string, unknown> };
  });
}

/** Enqueues `count` receipts cycling through `templates` (with `{n}`), and returns what was sent. */
export function enqueueReceipts(sandbox: Sandbox, messageType: MessageType, templates: Record<string, unknown>[], count = templates.length): SentReceipt[] {
  const result = sandbox.control.enqueue({ messageType, receipts: templates, count });
  expect(result.enqueued).toBe(count);
  return expand(messageType, templates, count);
}

/**
 * Zero loss and zero duplicates: the receipt items among `items` are exactly one per natural key
 * of `sent`, each holding the receipt as sent in `raw`, a RECEIPT#<type># sort key and a TTL in
 * epoch seconds; no receipt item that was not sent.
 */
export function expectExactlyOnce(sent: readonly SentReceipt[], items: readonly Item[]): void {
  const expected = new Map<string, Record<string, unknown>>();
  for (const { messageType, receipt } of sent) expected.set(naturalKeyOf(messageType, receipt), receipt);
  const found = new Map<string, Item[]>();
  for (const item of items.filter((candidate) => String(candidate.sk).startsWith('RECEIPT#'))) {
    const key = naturalKeyOf(String(item.messageType), item.raw as Record<string, unknown>);
    found.set(key, [...(found.get(key) ?? []), item]);
  }
  const missing = [...expected.keys()].filter((key) => !found.has(key));
  const duplicated = [...found].filter(([, group]) => group.length > 1).map(([key, group]) => `${key} ×${group.length}`);
  const unexpected = [...found.keys()].filter((key) => !expected.has(key));
  expect({ missing: missing.slice(0, 10), missingCount: missing.length }, 'receipts lost').toEqual({ missing: [], missingCount: 0 });
  expect(duplicated.slice(0, 10), 'receipts stored twice').toEqual([]);
  expect(unexpected.slice(0, 10), 'receipt items nobody sent').toEqual([]);
  const nowSeconds = Math.floor(Date.now() / 1000);
  for (const [key, [item]] of found) {
    expect(item!.raw, key).toEqual(expected.get(key));
    expect(String(item!.sk).startsWith(`RECEIPT#${item!.messageType}#`), String(item!.sk)).toBe(true);
    expectTtlSeconds(item!, nowSeconds);
  }
}

/** `expiresAt` is epoch SECONDS (not ms), RECEIPT_TTL_DAYS (30) from about now. */
export function expectTtlSeconds(item: Item, nowSeconds = Math.floor(Date.now() / 1000)): void {
  const ttl = item.expiresAt as number;
  expect(Number.isInteger(ttl), `expiresAt of ${item.pk} ${item.sk}: ${ttl}`).toBe(true);
  expect(ttl).toBeGreaterThan(nowSeconds + TTL_DAYS * DAY_SECONDS - 3_600);
  expect(ttl).toBeLessThanOrEqual(nowSeconds + TTL_DAYS * DAY_SECONDS + 5);
}

/** Reads every call of `sent` back by key and checks the invariants on them. */
export async function expectStoredExactlyOnce(sent: readonly SentReceipt[]): Promise<Item[]> {
  const callIds = [...new Set(sent.map(({ receipt }) => String(receipt.call_id)))];
  const items = (await Promise.all(callIds.map((callId) => itemsOf(`CALL#${callId}`)))).flat();
  expectExactlyOnce(sent, items);
  return items;
}

// ---------------------------------------------------------------------------------------------
// Delete audit: no message is deleted before its item is in DynamoDB

export interface DeleteAudit {
  /** Handles whose delete went out while their item was not in DynamoDB (must stay empty). */
  violations: string[];
  /** Handles checked before being deleted. */
  checked: number;
  /** Delete requests seen (attempted), whatever their outcome. */
  deleteCalls: number;
}

/**
 * Spies on the handler's own MNS client: remembers what each receive handed out, and before each
 * BatchDeleteMessage checks, in DynamoDB Local, that every message about to be deleted is stored:
 * its receipt (a RECEIPT# item under its call whose `raw` is the body's receipt) or, for a body
 * that is not a receipt, its INVALID# item. The delete then goes ahead unchanged.
 */
export function auditDeletes(
  bundle: Pick<ReceiptsBundle, 'deps' | 'sandbox'>,
  hooks: { afterDelete?: (queue: string) => void } = {},
): DeleteAudit {
  const audit: DeleteAudit = { violations: [], checked: 0, deleteCalls: 0 };
  const { mns } = bundle.deps;
  const typeOfQueue = new Map(Object.entries(bundle.sandbox.queueNames).map(([type, name]) => [name, type]));
  const received = new Map<string, MnsMessage>();
  const receive = mns.receive.bind(mns);
  const remove = mns.delete.bind(mns);
  vi.spyOn(mns, 'receive').mockImplementation(async (...args: Parameters<typeof receive>) => {
    const messages = await receive(...args);
    for (const message of messages) received.set(message.receiptHandle, message);
    return messages;
  });
  vi.spyOn(mns, 'delete').mockImplementation(async (...args: Parameters<typeof remove>) => {
    const [queue, , handles] = args;
    audit.deleteCalls += 1;
    const messageType = typeOfQueue.get(queue)!;
    await Promise.all(
      handles.map(async (handle) => {
        const message = received.get(handle);
        audit.checked += 1;
        if (!message) audit.violations.push(`${handle}: never received`);
        else if (!(await isStored(messageType, message))) audit.violations.push(`${message.messageId} (${messageType}) deleted before it was stored`);
      }),
    );
    try {
      return await remove(...args);
    } finally {
      hooks.afterDelete?.(queue);
    }
  });
  return audit;
}

/**
 * The body's receipt object (Base64 JSON, or raw JSON), when it is one with a call_id that the
 * bundle takes as a receipt: not nested more than MAX_JSON_DEPTH deep (docs/security.md#input-limits).
 */
export function receiptOfBody(body: string): Record<string, unknown> | undefined {
  for (const text of [Buffer.from(body, 'base64').toString('utf8'), body]) {
    if (jsonTextNestsDeeperThan(text, MAX_JSON_DEPTH)) continue;
    try {
      const value = JSON.parse(text) as unknown;
      if (value && typeof value === 'object' && !Array.isArray(value) && typeof (value as Record<string, unknown>).call_id === 'string') {
        return value as Record<string, unknown>;
      }
    } catch {
      // not this encoding
    }
  }
  return undefined;
}

async function isStored(messageType: string, message: MnsMessage): Promise<boolean> {
  const receipt = receiptOfBody(message.body);
  if (receipt && receipt.call_id !== '') {
    const items = await itemsOf(`CALL#${String(receipt.call_id)}`);
    return items.some((item) => String(item.sk).startsWith(`RECEIPT#${messageType}#`) && isDeepStrictEqual(item.raw, receipt));
  }
  return (await getItem(`INVALID#${messageType}`, `${new Date(message.enqueueTime).toISOString()}#${message.messageId}`)) !== undefined;
}

/** The stats entry of one queue. */
export function statsOf(queues: readonly PollStats[], messageType: MessageType): PollStats {
  const found = queues.find((queue) => queue.messageType === messageType);
  expect(found, `no stats for ${messageType}`).toBeDefined();
  return found!;
}

/** Sum of a counter over polls and queues. */
export function sumStats(polls: readonly PollStats[][], counter: keyof Pick<PollStats, 'received' | 'stored' | 'deleted' | 'invalid' | 'deleteFailures' | 'notStored'>): number {
  return polls.flat().reduce((total, queue) => total + queue[counter], 0);
}

/**
 * `count` calls `<prefix>-1^1` … `<prefix>-<count>^1`, each with a final VoiceReport (answered), a
 * ringing VoiceCallReport and a VoiceRecordReport: receipts in all three queues.
 */
export function enqueueCalls(sandbox: Sandbox, prefix: string, count: number): SentReceipt[] {
  const callId = `${prefix}-{n}^1`;
  return [
    ...enqueueReceipts(sandbox, 'VoiceReport', [{ call_id: callId, status_code: '200000', smart_status_code: 'ANSWERED', duration: '22' }], count),
    ...enqueueReceipts(sandbox, 'VoiceCallReport', [{ call_id: callId, status_code: '200201', status_time: '2024-01-15 16:30:04' }], count),
    ...enqueueReceipts(sandbox, 'VoiceRecordReport', [{ call_id: callId, duration: 22, record_file: 'https://sandbox-recordings.invalid/{n}.wav' }], count),
  ];
}

/** How many QueryTokenForMnsQueue tokens the sandbox issued per message type since the last reset. */
export function tokensIssued(sandbox: Sandbox): Record<MessageType, number> {
  const counts = { VoiceReport: 0, VoiceCallReport: 0, VoiceRecordReport: 0 };
  for (const token of sandbox.control.tokens()) counts[token.messageType as MessageType] += 1;
  return counts;
}

/** The sandbox's MNS request log, by operation and answer code, per queue name. */
export function mnsAnswers(sandbox: Sandbox, operation: 'BatchReceiveMessage' | 'BatchDeleteMessage', code?: string) {
  return sandbox.control
    .mnsRequests()
    .filter((request) => request.operation === operation && (code === undefined || request.response?.code === code));
}

/**
 * Registers what every receipts fault suite needs: one bundle per file; per test a fresh sandbox
 * and a delete audit; and after each test the invariant itself — whatever the fault, no delete
 * ever went out for a message that was not in DynamoDB. Read `suite.bundle` / `suite.audit` in tests.
 */
export function auditedReceiptsSuite(options: SandboxOptions): { readonly bundle: ReceiptsBundle; readonly audit: DeleteAudit } {
  let bundle: ReceiptsBundle | undefined;
  let audit: DeleteAudit | undefined;
  beforeAll(async () => {
    bundle = await startReceiptsBundle(options);
  });
  afterAll(async () => {
    await bundle?.stop();
  });
  beforeEach(() => {
    bundle!.reset();
    audit = auditDeletes(bundle!);
  });
  afterEach(() => {
    expect(audit!.violations).toEqual([]);
    vi.restoreAllMocks();
  });
  return {
    get bundle() {
      return bundle!;
    },
    get audit() {
      return audit!;
    },
  };
}
