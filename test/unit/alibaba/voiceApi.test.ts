import { describe, expect, it } from 'vitest';
import { VoiceApi, type RpcCaller } from '#shared/alibaba/voiceApi';
import { AlibabaError } from '#shared/errors';

/** An RPC caller that answers one fixed body and records what it was asked. */
function answering(body: Record<string, unknown>) {
  const calls: { action: string; params: Readonly<Record<string, string>>; placesCall?: boolean; changesCallState?: boolean }[] = [];
  const rpc: RpcCaller = {
    attemptTimeoutMs: 5_000,
    call: async (action, params, options) => {
      calls.push({ action, params, placesCall: options?.placesCall, ...(options?.changesCallState ? { changesCallState: true } : {}) });
      return { requestId: 'REQ-1', body };
    },
  };
  return { api: new VoiceApi(rpc), calls };
}

describe('VoiceApi.placeCall', () => {
  it('returns the CallId and marks the request as call-placing (never re-sent blindly)', async () => {
    const { api, calls } = answering({ Code: 'OK', CallId: '116012354148^102813781234' });

    await expect(api.initiateCall('SingleCallByTts', { CalledNumber: '13800138000' })).resolves.toEqual({
      callId: '116012354148^102813781234',
      requestId: 'REQ-1',
    });
    expect(calls).toEqual([{ action: 'SingleCallByTts', params: { CalledNumber: '13800138000' }, placesCall: true }]);
  });

  it('treats an OK answer without a CallId as an unknown outcome, not as a failure to retry', async () => {
    const { api } = answering({ Code: 'OK' });

    const error = await api.initiateCall('SingleCallByVoice', {}).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(AlibabaError);
    expect(error).toMatchObject({ kind: 'ambiguous', code: 'MissingCallId' });
  });
});

describe('VoiceApi.cancelCall and queryCallDetail', () => {
  it.each([
    [true, true],
    ['true', true],
    [false, false],
    ['false', false],
    [undefined, false],
  ])('reads Status %j as cancelled=%j (docs/alibaba/actions.md#cancelcall: boolean or string)', async (status, cancelled) => {
    const { api, calls } = answering({ Code: 'OK', Status: status });
    await expect(api.cancelCall('1^2')).resolves.toEqual({ cancelled, requestId: 'REQ-1' });
    // Never re-sent once it may have arrived: a second CancelCall would answer false.
    expect(calls[0]).toMatchObject({ action: 'CancelCall', params: { CallId: '1^2' }, changesCallState: true });
  });

  it.each([
    ['a JSON string', '{"callee":"13800138000","state":"200000","duration":22}', { callee: '13800138000', state: '200000', duration: 22 }],
    ['absent', undefined, null],
    ['empty', '', null],
    ['not JSON', 'oops', { raw: 'oops' }],
  ])('parses Data when it is %s (docs/alibaba/actions.md#querycalldetailbycallid)', async (_name, data, detail) => {
    const { api, calls } = answering({ Code: 'OK', Data: data });

    await expect(api.queryCallDetail({ callId: '1^2', prodId: '11010000138001', queryDate: 1_671_552_000_000 })).resolves.toEqual({
      requestId: 'REQ-1',
      detail,
    });
    expect(calls[0]!.params).toEqual({ CallId: '1^2', ProdId: '11010000138001', QueryDate: '1671552000000' });
  });
});
