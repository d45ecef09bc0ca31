/**
 * Idempotent placement (shared/calls/placement.ts) over an in-memory Powertools persistence layer
 * and a fake Voice API: what is stored and replayed, how Powertools' errors map into the taxonomy,
 * and what happens when the idempotency table fails around a placement. Against DynamoDB Local and
 * the sandbox: test/integration/placement.
 */
import { IdempotencyItemAlreadyExistsError } from '@aws-lambda-powertools/idempotency';
import { BasePersistenceLayer, IdempotencyRecord } from '@aws-lambda-powertools/idempotency/persistence';
import { describe, expect, it } from 'vitest';
import type { CallOptions, VoiceApi } from '#shared/alibaba/voiceApi';
import { callers } from '#shared/calls/callers';
import {
  IDEMPOTENCY_KEY_NAMESPACE,
  IN_PROGRESS_GRACE_MS,
  idempotencyKeys,
  parsePlacementRequest,
  placeCallOnce,
  unknownOutcomeError,
  type PlacementDependencies,
} from '#shared/calls/placement';
import { AlibabaError, IdempotencyConflictError, IdempotencyInProgressError, ValidationError } from '#shared/errors';
import { toProblem } from '#shared/http/problem';
import { createLogger } from '#shared/logger';
import type { CallStore } from '#shared/calls/callStore';
import { MINIMAL } from './requests.ts';

const REQUEST = MINIMAL.tts;
/** The client every keyed placement here belongs to. */
const CALLER = callers.aws('AIDAEXAMPLEUSERID1234');

/** Powertools' abstract persistence layer over a Map, with failures to inject per operation. */
class MemoryPersistence extends BasePersistenceLayer {
  readonly records = new Map<string, IdempotencyRecord>();
  readonly fail: Partial<Record<'put' | 'update' | 'delete', Error>> = {};

  protected async _putRecord(record: IdempotencyRecord): Promise<void> {
    if (this.fail.put) throw this.fail.put;
    const existing = this.records.get(record.idempotencyKey);
    const takeable =
      !existing ||
      existing.isExpired() ||
      (existing.getStatus() === 'INPROGRESS' && existing.inProgressExpiryTimestamp !== undefined && existing.inProgressExpiryTimestamp < Date.now());
    if (!takeable) throw new IdempotencyItemAlreadyExistsError('exists', existing);
    this.records.set(record.idempotencyKey, record);
  }

  protected async _getRecord(idempotencyKey: string): Promise<IdempotencyRecord> {
    const record = this.records.get(idempotencyKey);
    if (!record) throw new Error('not found');
    return record;
  }

  protected async _updateRecord(record: IdempotencyRecord): Promise<void> {
    if (this.fail.update) throw this.fail.update;
    const existing = this.records.get(record.idempotencyKey);
    this.records.set(
      record.idempotencyKey,
      new IdempotencyRecord({
        idempotencyKey: record.idempotencyKey,
        status: 'COMPLETED',
        expiryTimestamp: record.expiryTimestamp,
        responseData: structuredClone(record.responseData),
        payloadHash: record.payloadHash ?? existing?.payloadHash,
      }),
    );
  }

  protected async _deleteRecord(record: IdempotencyRecord): Promise<void> {
    if (this.fail.delete) throw this.fail.delete;
    this.records.delete(record.idempotencyKey);
  }
}

function setup(answer: () => Promise<{ callId: string; requestId: string }>) {
  const sent: unknown[] = [];
  const voice = {
    async initiateCall(action: string, params: Readonly<Record<string, string>>, options: CallOptions = {}) {
      sent.push({ action, params, options });
      return answer();
    },
  } as unknown as VoiceApi;
  const store: CallStore = { putPlacedCall: async () => undefined, getCall: async () => undefined, advanceStatus: async () => true };
  const lines: string[] = [];
  const persistence = new MemoryPersistence();
  const deps: PlacementDependencies = {
    voice,
    store,
    logger: createLogger({}, { level: 'debug', write: (line) => lines.push(line) }),
    now: () => new Date('2026-11-24T15:41:00.390Z'),
    metrics: { record: () => undefined },
    idempotencyStore: persistence,
    idempotencyTtlSeconds: 3600,
  };
  return { deps, sent, persistence, lines };
}

const placed = async () => ({ callId: '116012354148^102813781234', requestId: 'REQ-1' });
const deadline = () => Date.now() + 5_000;

describe('placeCallOnce', () => {
  it('places once per key and replays the stored outcome, marked as replayed', async () => {
    const { deps, sent, persistence } = setup(placed);
    const key = idempotencyKeys.client('order-1', CALLER);

    const first = await placeCallOnce(REQUEST, key, deps, { deadline: deadline() });
    const again = await placeCallOnce(REQUEST, key, deps, { deadline: deadline() });

    expect(first).toMatchObject({ outcome: 'placed', replayed: false, call: { callId: '116012354148^102813781234', requestId: 'REQ-1' } });
    expect(again).toEqual({ ...first, replayed: true });
    expect(sent).toHaveLength(1);
    const [id] = persistence.records.keys();
    expect(id).toMatch(new RegExp(`^${IDEMPOTENCY_KEY_NAMESPACE}#`));
  });

  it('keeps client keys, SQS message ids and event ids apart, even with the same text', async () => {
    const { deps, sent } = setup(placed);

    for (const key of [idempotencyKeys.client('x', CALLER), idempotencyKeys.sqsMessage('x'), idempotencyKeys.event('x')]) {
      await placeCallOnce(REQUEST, key, deps, { deadline: deadline() });
    }

    expect(sent).toHaveLength(3);
  });

  it('without a key places every time and stores nothing', async () => {
    const { deps, sent, persistence } = setup(placed);

    await placeCallOnce(REQUEST, undefined, deps, { deadline: deadline() });
    await placeCallOnce(REQUEST, undefined, deps, { deadline: deadline() });

    expect(sent).toHaveLength(2);
    expect(persistence.records.size).toBe(0);
  });

  it('maps a reused key with another request to IdempotencyConflictError (422)', async () => {
    const { deps } = setup(placed);
    const key = idempotencyKeys.client('order-2', CALLER);
    await placeCallOnce(REQUEST, key, deps, { deadline: deadline() });

    const error = await placeCallOnce({ ...REQUEST, calledNumber: '13800138999' }, key, deps, { deadline: deadline() }).catch((caught) => caught);

    expect(error).toBeInstanceOf(IdempotencyConflictError);
    expect(toProblem(error).problem).toMatchObject({ status: 422, code: 'IDEMPOTENCY_CONFLICT' });
  });

  it('maps a duplicate while the first is in flight to IdempotencyInProgressError (409)', async () => {
    let release: () => void = () => undefined;
    const { deps, sent } = setup(() => new Promise((resolve) => (release = () => resolve({ callId: '1^2', requestId: 'R' }))));
    const key = idempotencyKeys.client('order-3', CALLER);
    const first = placeCallOnce(REQUEST, key, deps, { deadline: deadline() });
    await new Promise((resolve) => setTimeout(resolve, 10));

    const error = await placeCallOnce(REQUEST, key, deps, { deadline: deadline() }).catch((caught) => caught);
    release();
    await first;

    expect(error).toBeInstanceOf(IdempotencyInProgressError);
    expect(toProblem(error)).toMatchObject({ problem: { status: 409, code: 'IDEMPOTENCY_CONFLICT' }, headers: { 'retry-after': '1' } });
    expect(sent).toHaveLength(1);
  });

  it('marks a record in progress until the deadline plus IN_PROGRESS_GRACE_MS', async () => {
    let release: () => void = () => undefined;
    const { deps, persistence } = setup(() => new Promise((resolve) => (release = () => resolve({ callId: '1^2', requestId: 'R' }))));
    const until = Date.now() + 4_000;
    const pending = placeCallOnce(REQUEST, idempotencyKeys.client('order-4', CALLER), deps, { deadline: until });
    await new Promise((resolve) => setTimeout(resolve, 10));

    const [record] = persistence.records.values();
    release();
    await pending;

    expect(record!.getStatus()).toBe('INPROGRESS');
    expect(record!.inProgressExpiryTimestamp).toBeGreaterThan(until + IN_PROGRESS_GRACE_MS - 50);
    expect(record!.inProgressExpiryTimestamp).toBeLessThanOrEqual(until + IN_PROGRESS_GRACE_MS + 50);
  });

  it('stores an unknown outcome like a success and replays it as the same 504 problem', async () => {
    const { deps, sent } = setup(async () => {
      throw new AlibabaError('ambiguous', 'RequestOutcomeUnknown', 'SingleCallByTts: no answer', { action: 'SingleCallByTts', timedOut: true, cause: new Error('socket') });
    });
    const key = idempotencyKeys.sqsMessage('m-1');

    const first = await placeCallOnce(REQUEST, key, deps, { deadline: deadline() });
    const again = await placeCallOnce(REQUEST, key, deps, { deadline: deadline() });

    expect(first).toEqual({
      outcome: 'unknown',
      replayed: false,
      failure: { code: 'RequestOutcomeUnknown', message: 'SingleCallByTts: no answer', action: 'SingleCallByTts', timedOut: true },
    });
    expect(again).toEqual({ ...first, replayed: true });
    expect(sent).toHaveLength(1);
    const problem = toProblem(unknownOutcomeError(again.outcome === 'unknown' ? again.failure : (undefined as never)), 'api-req').problem;
    expect(problem).toMatchObject({ status: 504, code: 'RequestOutcomeUnknown', title: 'Outcome unknown' });
  });

  it.each([
    ['rejected', 'isv.MOBILE_NUMBER_ILLEGAL'],
    ['throttled', 'isv.BUSINESS_LIMIT_CONTROL'],
    ['account', 'isv.AMOUNT_NOT_ENOUGH'],
    ['transient', 'isp.SYSTEM_ERROR'],
  ] as const)('releases the key after a %s failure (nothing was placed) and throws it unchanged', async (kind, code) => {
    const failure = new AlibabaError(kind, code, 'refused');
    const { deps, sent, persistence } = setup(async () => {
      throw failure;
    });
    const key = idempotencyKeys.client(`order-${kind}`, CALLER);

    const first = await placeCallOnce(REQUEST, key, deps, { deadline: deadline() }).catch((caught) => caught);
    const retry = await placeCallOnce(REQUEST, key, deps, { deadline: deadline() }).catch((caught) => caught);

    expect(first).toBe(failure);
    expect(retry).toBe(failure);
    expect(sent).toHaveLength(2);
    expect(persistence.records.size).toBe(0);
  });

  it('answers a placed call truthfully when its record cannot be completed, and logs it as an error', async () => {
    const { deps, persistence, lines } = setup(placed);
    persistence.fail.update = new Error('DynamoDB unavailable');

    const result = await placeCallOnce(REQUEST, idempotencyKeys.client('order-5', CALLER), deps, { deadline: deadline() });

    expect(result).toMatchObject({ outcome: 'placed', replayed: false, call: { callId: '116012354148^102813781234' } });
    expect(lines.map((line) => JSON.parse(line))).toContainEqual(
      expect.objectContaining({ level: expect.stringMatching(/^error$/i), message: expect.stringContaining('not recorded in the idempotency table') }),
    );
  });

  it('throws the real failure when the record of a failed placement cannot be deleted', async () => {
    const failure = new AlibabaError('rejected', 'isv.TTS_TEMPLATE_ILLEGAL', 'bad template');
    const { deps, persistence } = setup(async () => {
      throw failure;
    });
    persistence.fail.delete = new Error('DynamoDB unavailable');

    const error = await placeCallOnce(REQUEST, idempotencyKeys.client('order-6', CALLER), deps, { deadline: deadline() }).catch((caught) => caught);

    expect(error).toBe(failure);
  });

  it('sends nothing when the record cannot be written first, and lets that failure through', async () => {
    const { deps, sent, persistence } = setup(placed);
    persistence.fail.put = new Error('DynamoDB unavailable');

    const error = await placeCallOnce(REQUEST, idempotencyKeys.client('order-7', CALLER), deps, { deadline: deadline() }).catch((caught) => caught);

    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('IdempotencyPersistenceLayerError');
    expect(toProblem(error).problem).toMatchObject({ status: 500, code: 'INTERNAL_ERROR' });
    expect(sent).toHaveLength(0);
  });
});

describe('parsePlacementRequest', () => {
  it('returns the validated request and key', () => {
    expect(parsePlacementRequest(REQUEST, { value: 'order-1', path: 'header.idempotency-key' })).toEqual({ request: REQUEST, idempotencyKey: 'order-1' });
    expect(parsePlacementRequest(REQUEST, { value: undefined, path: 'header.idempotency-key' })).toEqual({ request: REQUEST, idempotencyKey: undefined });
  });

  it('lists a bad key and the body\'s own errors in one ValidationError, the key under the given path', () => {
    const error = (() => {
      try {
        parsePlacementRequest({ ...REQUEST, playTimes: 7 }, { value: 'x'.repeat(65), path: 'idempotencyKey' });
      } catch (caught) {
        return caught;
      }
    })();

    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues).toEqual([
      { path: 'idempotencyKey', message: 'must be 1 to 64 printable ASCII characters' },
      { path: 'playTimes', message: 'must be at most 3' },
    ]);
  });

  it.each([['a number', 17], ['null', null], ['a tab', 'a\tb'], ['65 characters', 'k'.repeat(65)], ['empty', '']])('refuses a key that is %s', (_name, value) => {
    expect(() => parsePlacementRequest(REQUEST, { value, path: 'idempotencyKey' })).toThrow(ValidationError);
  });
});
