/**
 * The local PutEvents endpoint (scripts/local/eventBus.ts) is only worth anything if the official
 * @aws-sdk/client-eventbridge works against it unchanged and it refuses what EventBridge refuses.
 */
import { EventBridgeClient, ListRulesCommand, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startLocalEventBus, type LocalEventBus } from '../../../scripts/local/eventBus.ts';

let bus: LocalEventBus;
let client: EventBridgeClient;
const printed: string[] = [];

beforeAll(async () => {
  bus = await startLocalEventBus({ print: (line) => printed.push(line) });
  client = new EventBridgeClient({ endpoint: bus.url, region: 'eu-west-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 1 });
});
afterAll(async () => {
  client.destroy();
  await bus.close();
});
beforeEach(() => {
  bus.clear();
  printed.length = 0;
});

const entry = (n: number, extra: Partial<PutEventsRequestEntry> = {}): PutEventsRequestEntry => ({
  Source: 'aliyun-voice',
  DetailType: 'Voice Call Status Changed',
  Detail: JSON.stringify({ callId: `1000${n}^2000${n}`, status: 'completed', n }),
  EventBusName: 'calls-bus',
  ...extra,
});

describe('local event bus with the official EventBridge client', () => {
  it('accepts PutEvents, answers EventIds and keeps the events as a rule target receives them', async () => {
    const output = await client.send(new PutEventsCommand({ Entries: [entry(1, { Time: new Date('2026-11-24T15:41:00.390Z') }), entry(2), entry(3)] }));

    expect(output.FailedEntryCount).toBe(0);
    expect(output.Entries).toHaveLength(3);
    const events = bus.events();
    expect(events.map((event) => event.id)).toEqual(output.Entries!.map((result) => result.EventId));
    expect(events[0]).toEqual({
      version: '0',
      id: output.Entries![0]!.EventId,
      'detail-type': 'Voice Call Status Changed',
      source: 'aliyun-voice',
      account: '000000000000',
      time: '2026-11-24T15:41:00Z',
      region: 'eu-west-1',
      resources: [],
      detail: { callId: '10001^20001', status: 'completed', n: 1 },
    });
    expect(bus.requests()).toEqual([{ entries: 3, bytes: expect.any(Number), eventBusNames: ['calls-bus'], outcome: { accepted: 3, failed: 0 } }]);
  });

  it('serves the events at GET /events and forgets them on DELETE /events', async () => {
    await client.send(new PutEventsCommand({ Entries: [entry(1), entry(2)] }));

    const listed = (await (await fetch(`${bus.url}/events`)).json()) as { detail: { n: number } }[];
    expect(listed.map((event) => event.detail.n)).toEqual([1, 2]);
    expect((await fetch(`${bus.url}/events`, { method: 'DELETE' })).status).toBe(204);
    expect(await (await fetch(`${bus.url}/events`)).json()).toEqual([]);
  });

  it('prints one line per event naming the call, never the detail (phone numbers)', async () => {
    const detail = { callId: '116012354148^102813781234', messageType: 'VoiceReport', status: 'busy', raw: { callee: '13800138000', caller: '057100000000' } };
    await client.send(new PutEventsCommand({ Entries: [entry(1, { DetailType: 'Voice Call Receipt', Detail: JSON.stringify(detail) })] }));

    expect(printed).toHaveLength(1);
    expect(printed[0]).toMatch(/^\[event-bus\] \S+Z aliyun-voice "Voice Call Receipt" callId=116012354148\^102813781234 messageType=VoiceReport status=busy$/);
    expect(printed[0]).not.toContain('13800138000');
  });

  it('refuses more than 10 entries, and over 256 KB of entries, as a ValidationException', async () => {
    const eleven = Array.from({ length: 11 }, (_, n) => entry(n));
    await expect(client.send(new PutEventsCommand({ Entries: eleven }))).rejects.toMatchObject({ name: 'ValidationException', $metadata: { httpStatusCode: 400 } });

    const big = 'x'.repeat(130 * 1024);
    const tooLarge = [entry(1, { Detail: JSON.stringify({ big }) }), entry(2, { Detail: JSON.stringify({ big }) })];
    await expect(client.send(new PutEventsCommand({ Entries: tooLarge }))).rejects.toMatchObject({ name: 'ValidationException' });
    expect(bus.events()).toEqual([]);
  });

  it('fails bad entries one by one (MalformedDetail, InvalidArgument) and accepts the rest', async () => {
    const output = await client.send(
      new PutEventsCommand({ Entries: [entry(1), entry(2, { Detail: '{not json' }), entry(3, { Detail: '[1,2]' }), { Source: 'aliyun-voice', DetailType: 'x' }] }),
    );

    expect(output.FailedEntryCount).toBe(3);
    expect(output.Entries!.map((result) => result.ErrorCode)).toEqual([undefined, 'MalformedDetail', 'MalformedDetail', 'InvalidArgument']);
    expect(output.Entries![0]!.EventId).toBeTruthy();
    expect(bus.events().map((event) => event.detail.n)).toEqual([1]);
  });

  it('test hook: fails the next entries with an ErrorCode, then accepts again', async () => {
    bus.inject({ kind: 'entries', count: 2 });

    const first = await client.send(new PutEventsCommand({ Entries: [entry(1), entry(2), entry(3)] }));
    const second = await client.send(new PutEventsCommand({ Entries: [entry(4)] }));

    expect(first.FailedEntryCount).toBe(2);
    expect(first.Entries!.map((result) => result.ErrorCode)).toEqual(['InternalFailure', 'InternalFailure', undefined]);
    expect(second.FailedEntryCount).toBe(0);
    expect(bus.events().map((event) => event.detail.n)).toEqual([3, 4]);
  });

  it('test hook: fails whole requests with a status and an AWS error code', async () => {
    bus.inject({ kind: 'requests', count: 1, status: 503, code: 'ServiceUnavailable' });

    await expect(client.send(new PutEventsCommand({ Entries: [entry(1)] }))).rejects.toMatchObject({ name: 'ServiceUnavailable', $metadata: { httpStatusCode: 503 } });
    await expect(client.send(new PutEventsCommand({ Entries: [entry(2)] }))).resolves.toMatchObject({ FailedEntryCount: 0 });
    expect(bus.events().map((event) => event.detail.n)).toEqual([2]);
  });

  it('answers other EventBridge operations with UnknownOperationException', async () => {
    await expect(client.send(new ListRulesCommand({}))).rejects.toMatchObject({ name: 'UnknownOperationException' });
  });
});
