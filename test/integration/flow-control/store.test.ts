/**
 * The flow-control guard's store (shared/store/flowControlStore.ts) against DynamoDB Local's calls
 * table: one conditional write per take, exactly as many concurrent takes succeed as the windows
 * allow, refusals say exactly when a slot frees, slots are given back, holds learnt from Alibaba
 * hold, and no item holds a number in clear.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { dialledNumbers } from '#shared/calls/flowControl';
import { parseFlowControlLimits, type FlowWindow } from '#shared/flowControlLimits';
import { FlowControlError } from '#shared/errors';
import { createHmac } from 'node:crypto';
import { DynamoFlowControlStore } from '#shared/store/flowControlStore';
import { itemsOf, testDynamo } from '../../support/callsTable.ts';

/** A keyed hash like the one the runtime derives (shared/secrets/derivedKeys.ts). */
const numberHasher = (key: string) => (number: string) => createHmac('sha256', key).update(number).digest('base64url');
const hash = numberHasher('test-flow-control-key');

function store(limits: string, now?: () => number): DynamoFlowControlStore {
  const windows: FlowWindow[] = parseFlowControlLimits(limits)!;
  return new DynamoFlowControlStore(testDynamo(), process.env.CALLS_TABLE!, windows, async () => hash, now ? { now } : {});
}

/** A number no other test uses (the table is shared by the whole run). */
function number(): string {
  return `139${randomUUID().replace(/\D/g, '').padEnd(8, '7').slice(0, 8)}`;
}

async function refusal(promise: Promise<unknown>): Promise<FlowControlError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(FlowControlError);
  return error as FlowControlError;
}

describe('taking slots', () => {
  it('lets exactly one of twenty simultaneous takes through a 1/60 window, and tells the others when', async () => {
    const guard = store('1/60,5/3600,20/86400');
    const target = number();

    const outcomes = await Promise.allSettled(Array.from({ length: 20 }, () => guard.take([target])));

    const taken = outcomes.filter((outcome) => outcome.status === 'fulfilled');
    expect(taken).toHaveLength(1);
    const { takenAt } = (taken[0] as PromiseFulfilledResult<{ takenAt: number }>).value;
    for (const outcome of outcomes.filter((candidate) => candidate.status === 'rejected')) {
      const error = (outcome as PromiseRejectedResult).reason as FlowControlError;
      expect(error).toBeInstanceOf(FlowControlError);
      expect(error.limit).toBe('1/60');
      // Exactly 60 s after the placement that took the slot, rounded up to the second.
      expect(error.retryAt).toBe(Math.ceil((takenAt + 60_000) / 1000) * 1000);
      expect(error.retryAfterSeconds).toBeGreaterThanOrEqual(59);
      expect(error.retryAfterSeconds).toBeLessThanOrEqual(61);
    }
  });

  it('allows as many takes as the tightest window: five within an hour, then the hour window refuses', async () => {
    let now = Date.parse('2026-12-06T10:00:00.000Z');
    const guard = store('1/60,5/3600,20/86400', () => now);
    const target = number();
    const times: number[] = [];
    for (let call = 0; call < 5; call++) {
      times.push(now);
      await guard.take([target]);
      now += 61_000;
    }
    const error = await refusal(guard.take([target]));
    expect(error.limit).toBe('5/3600');
    expect(error.retryAt).toBe(times[0]! + 3_600_000);
    // The hour after the first placement, the sixth fits.
    now = times[0]! + 3_600_000;
    await expect(guard.take([target])).resolves.toMatchObject({ takenAt: now });
  });

  it('takes both legs of a click-to-dial call in one transaction, or neither', async () => {
    const guard = store('1/60');
    const [caller, called] = [number(), number()];
    const request = { type: 'clickToDial' as const, callerShowNumber: '057100000001', callerNumber: caller, calledShowNumber: '057100000002', calledNumber: called };

    await guard.take([called]);
    const error = await refusal(guard.take(dialledNumbers(request)));
    expect(error.limit).toBe('1/60');
    // Refused as a whole: the caller leg took no slot and can still be called.
    await expect(guard.take([caller])).resolves.toMatchObject({ numbers: [caller] });
  });

  it('keeps a number only as a keyed hash, expiring after the longest window', async () => {
    const guard = store('1/60,20/86400');
    const target = number();
    const slot = await guard.take([target]);

    const items = await itemsOf(`FLOW#${hash(target)}`);
    expect(items).toHaveLength(1);
    expect(JSON.stringify(items[0])).not.toContain(target);
    expect(items[0]!.r0).toBe(slot.takenAt);
    expect(items[0]!.expiresAt).toBeGreaterThanOrEqual(Math.floor(slot.takenAt / 1000) + 86_400);
    expect(items[0]!.expiresAt).toBeLessThan(Math.floor(slot.takenAt / 1000) + 2 * 86_400);
    // Another key names another item: the hash is keyed, not a plain digest of the number.
    expect(numberHasher('another key')(target)).not.toBe(hash(target));
  });
});

describe('giving a slot back', () => {
  it('removes that placement from the history, so the number can be called again at once', async () => {
    const guard = store('1/60,5/3600');
    const target = number();
    const slot = await guard.take([target]);
    await refusal(guard.take([target]));

    await guard.giveBack(slot);

    await expect(guard.take([target])).resolves.toMatchObject({ numbers: [target] });
  });

  it('finds the placement even after later placements moved it down the history', async () => {
    let now = Date.parse('2026-12-06T12:00:00.000Z');
    const guard = store('2/60,5/3600', () => now);
    const target = number();
    const first = await guard.take([target]);
    now += 1_000;
    const second = await guard.take([target]);
    await refusal(guard.take([target]));

    await guard.giveBack(first);

    const [item] = await itemsOf(`FLOW#${hash(target)}`);
    expect(item!.r0).toBe(second.takenAt);
    expect(item!.r1 ?? 0).toBe(0);
    await expect(guard.take([target])).resolves.toBeDefined();
  });
});

describe("holding a number Alibaba refused", () => {
  it('refuses it until the hold ends, under the window Alibaba named, and never shortens a hold', async () => {
    let now = Date.parse('2026-12-06T14:00:00.000Z');
    const guard = store('1/60,5/3600,20/86400', () => now);
    const target = number();

    await guard.hold([target], now + 3_600_000, '5/3600');
    await guard.hold([target], now + 60_000, '1/60');

    const error = await refusal(guard.take([target]));
    expect(error).toMatchObject({ limit: '5/3600', retryAt: now + 3_600_000 });
    now += 3_600_000;
    await expect(guard.take([target])).resolves.toBeDefined();
  });
});
