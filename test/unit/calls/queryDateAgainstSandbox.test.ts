/**
 * GET /calls/{callId}?live=true for a call placed across China midnight, end to end against the
 * sandbox: the sandbox files the call under the instant it received it (docs/alibaba/actions.md#querycalldetailbycallid: the call must
 * be "within the queried day"), we record `createdAt` when its answer arrives, a moment later and
 * on the next day. The call is found through the neighbouring day.
 */
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { AlibabaRpcClient } from '#shared/alibaba/rpcClient';
import { VOICE_API_VERSION, VoiceApi } from '#shared/alibaba/voiceApi';
import { getCall, placeAndRecordCall, type CallsDependencies } from '#shared/calls/service';
import { SANDBOX_ACCESS_KEY_ID, SANDBOX_ACCESS_KEY_SECRET } from '#shared/localDefaults';
import { createLogger } from '#shared/logger';
import type { CallRecord, StoredCall } from '#shared/calls/callStore';
import { startSandbox, type Sandbox } from '#sandbox/server';

/** The sandbox (and Alibaba) receive the call here: 2024-01-14 23:59:59.500 China time. */
const RECEIVED_AT = Date.parse('2024-01-14T23:59:59.500+08:00');
const JAN_14 = Date.parse('2024-01-14T00:00:00+08:00');
const JAN_15 = Date.parse('2024-01-15T00:00:00+08:00');

let sandbox: Sandbox;

beforeEach(async () => {
  // Only Date is frozen: both sides sign and timestamp at the same instant; sockets and timers run.
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(RECEIVED_AT);
  sandbox = await startSandbox({ port: 0 });
});

afterEach(async () => {
  await sandbox.close();
  const { destroyPools } = await import('#shared/alibaba/pool');
  await destroyPools();
  vi.useRealTimers();
});

it('finds a call Alibaba filed just before midnight that we recorded just after it', async () => {
  // arrange
  const calls = new Map<string, StoredCall>();
  const deps: CallsDependencies = {
    voice: new VoiceApi(
      new AlibabaRpcClient({
        endpoint: sandbox.url,
        version: VOICE_API_VERSION,
        signatureVersion: 'v1',
        credentials: async () => ({ accessKeyId: SANDBOX_ACCESS_KEY_ID, accessKeySecret: SANDBOX_ACCESS_KEY_SECRET }),
      }),
    ),
    store: {
      putPlacedCall: async (call: CallRecord) => {
        calls.set(call.callId, { ...call, receipts: [] });
      },
      getCall: async (callId: string) => calls.get(callId),
      advanceStatus: async () => false,
    },
    logger: createLogger({}, { write: () => undefined }),
    // The answer arrives one second later, on the 15th.
    now: () => new Date(RECEIVED_AT + 1_000),
  };
  const placed = await placeAndRecordCall({ type: 'tts', calledNumber: '13800138000', ttsCode: 'TTS_123456789' }, deps);
  // act
  const view = await getCall(placed.callId, { live: true }, deps);
  // assert
  expect(placed.createdAt).toBe('2024-01-14T16:00:00.500Z');
  expect(view.detail).toMatchObject({ callee: expect.any(String) });
  const queries = sandbox.control.requests().filter((request) => request.action === 'QueryCallDetailByCallId');
  expect(queries.map((request) => Number(request.params.QueryDate))).toEqual([JAN_15, JAN_14]);
});
