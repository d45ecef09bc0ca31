/**
 * The init warm-up (shared/runtime/warmUp.ts) and the connection opened ahead
 * (shared/alibaba/pool.ts preconnect): the function's own operations run against the in-process
 * stand-in and succeed there, nothing runs outside a Lambda container, a failing warm-up never
 * fails init, and the first request takes the connection opened ahead.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { AlibabaRpcClient } from '#shared/alibaba/rpcClient';
import { destroyPools, preconnect } from '#shared/alibaba/pool';
import { VoiceApi } from '#shared/alibaba/voiceApi';
import { cancelCall, getCall, placeAndRecordCall } from '#shared/calls/service';
import { parseConfig } from '#shared/config';
import { parsePlacementRequest, placeCallOnce } from '#shared/calls/placement';
import { drainReceiptQueues, ROUND_OVERHEAD_MS } from '#shared/receipts/poller';
import { warmCallsDependencies } from '#shared/runtime/calls';
import { WARM_CALL_ID, WARM_PLACE_REQUEST, WARM_UP_CREDENTIALS, warmUp, warmUpEnabled } from '#shared/runtime/warmUp';

const LAMBDA = { AWS_LAMBDA_FUNCTION_NAME: 'aliyun-voice-test' };
const config = parseConfig({ CALLS_TABLE: 'calls', IDEMPOTENCY_TABLE: 'idempotency', RECEIPT_QUEUES: 'VoiceReport=Alicom-Queue-1-VoiceReport' });

afterEach(async () => {
  await destroyPools();
});

describe('warmUp', () => {
  it('runs only in a Lambda container (AWS_LAMBDA_FUNCTION_NAME set)', async () => {
    expect(warmUpEnabled({})).toBe(false);
    expect(warmUpEnabled(LAMBDA)).toBe(true);
    let ran = false;
    await warmUp(async () => {
      ran = true;
    }, {});
    expect(ran).toBe(false);
  });

  it("answers a placement, a cancel and a live read of the call as Alibaba and DynamoDB would", async () => {
    const outcomes: unknown[] = [];
    await warmUp(async (target) => {
      const deps = warmCallsDependencies(config, target);
      const { request } = parsePlacementRequest(structuredClone(WARM_PLACE_REQUEST));
      outcomes.push(await placeAndRecordCall(request, deps, { deadline: Date.now() + 5_000 }));
      outcomes.push(await cancelCall(WARM_CALL_ID, deps, { deadline: Date.now() + 5_000 }));
      outcomes.push(await getCall(WARM_CALL_ID, { live: true }, deps, { deadline: Date.now() + 5_000 }));
    }, LAMBDA);
    expect(outcomes).toMatchObject([
      { callId: WARM_CALL_ID, type: 'tts', status: 'placed' },
      { cancelled: true },
      { callId: WARM_CALL_ID, prodId: '11010000138001', detail: null },
    ]);
  });

  it('places through Powertools Idempotency with a key, claiming and completing its record', async () => {
    let outcome: unknown;
    await warmUp(async (target) => {
      const { createIdempotencyStore } = await import('#shared/store/idempotencyStore');
      const deps = { ...warmCallsDependencies(config, target), idempotencyStore: createIdempotencyStore(target.dynamo(), 'idempotency'), idempotencyTtlSeconds: 3_600 };
      const { request } = parsePlacementRequest(structuredClone(WARM_PLACE_REQUEST));
      outcome = await placeCallOnce(request, 'key:warm-up', deps, { deadline: Date.now() + 5_000 });
    }, LAMBDA);
    expect(outcome).toMatchObject({ outcome: 'placed', replayed: false, call: { callId: WARM_CALL_ID } });
  });

  it('hands a drain one receipt per queue, which it stores and deletes, then an empty queue', async () => {
    let stats: unknown;
    await warmUp(async (target) => {
      const { MnsQueueClient } = await import('#shared/receipts/mnsClient');
      const { ReceiptTokenProvider } = await import('#shared/receipts/tokens');
      const { DynamoReceiptStore } = await import('#shared/store/receiptStore');
      const rpc = new AlibabaRpcClient({ endpoint: target.origin, version: '2017-05-25', signatureVersion: 'v1', credentials: async () => WARM_UP_CREDENTIALS });
      stats = await drainReceiptQueues({
        queues: config.receiptQueues,
        tokens: new ReceiptTokenProvider(rpc),
        mns: new MnsQueueClient(target.origin),
        store: new DynamoReceiptStore(target.dynamo(), 'calls', 30, { metrics: target.metrics }),
        logger: target.logger,
        deadline: Date.now() + ROUND_OVERHEAD_MS + 5_000,
        waitSeconds: 0,
      });
    }, LAMBDA);
    expect(stats).toEqual([expect.objectContaining({ received: 1, stored: 1, deleted: 1, stoppedBecause: 'empty' })]);
  });

  it('never fails init: a throwing operation is swallowed', async () => {
    await expect(
      warmUp(async () => {
        throw new Error('boom');
      }, LAMBDA),
    ).resolves.toBeUndefined();
  });
});

describe('preconnect', () => {
  let server: Server | undefined;
  afterEach(() => {
    server?.closeAllConnections();
    server?.close();
  });

  it("opens the connection the first request then takes: one connection for both", async () => {
    let connections = 0;
    server = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ Code: 'OK', RequestId: 'r', CallId: 'c^1' }));
    });
    server.on('connection', () => (connections += 1));
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    preconnect(origin);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(connections).toBe(1);
    const voice = new VoiceApi(new AlibabaRpcClient({ endpoint: origin, version: '2017-05-25', signatureVersion: 'v1', credentials: async () => WARM_UP_CREDENTIALS }));
    await expect(voice.initiateCall('SingleCallByTts', { CalledNumber: '13800000000', TtsCode: 'TTS_1' }, { deadline: Date.now() + 5_000 })).resolves.toMatchObject({ callId: 'c^1' });
    expect(connections).toBe(1);
  });

  it('connects as usual when the early connection failed', async () => {
    server = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ Code: 'OK', RequestId: 'r', CallId: 'c^2' }));
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    // Nothing listens on the port next to it for the early connection; the request's own origin is the server's.
    preconnect(`http://127.0.0.1:${port + 1}`);
    const voice = new VoiceApi(new AlibabaRpcClient({ endpoint: `http://127.0.0.1:${port}`, version: '2017-05-25', signatureVersion: 'v1', credentials: async () => WARM_UP_CREDENTIALS }));
    await expect(voice.initiateCall('SingleCallByTts', { CalledNumber: '13800000000', TtsCode: 'TTS_1' }, { deadline: Date.now() + 5_000 })).resolves.toMatchObject({ callId: 'c^2' });
  });
});
