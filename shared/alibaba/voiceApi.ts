import { AlibabaError } from '../errors.ts';

/** dyvmsapi and dybaseapi share this API version (docs/alibaba/rpc.md#endpoints). */
export const VOICE_API_VERSION = '2017-05-25';

/** What the typed actions need of an RPC client (implemented by AlibabaRpcClient). */
export interface RpcCaller {
  /** The longest one attempt may take. */
  readonly attemptTimeoutMs: number;
  call(
    action: string,
    params: Readonly<Record<string, string>>,
    options?: { placesCall?: boolean; changesCallState?: boolean; deadline?: number },
  ): Promise<{ requestId: string; body: Record<string, unknown> }>;
}

export interface CallOptions {
  /** Absolute epoch ms by which the answer must be in. */
  deadline?: number;
}

/** QueryCallDetailByCallId's `Data`, parsed (docs/alibaba/actions.md#querycalldetailbycallid). Keys Alibaba documents, plus whatever else it sends. */
export interface CallDetail {
  caller?: string;
  callerShowNumber?: string;
  callee?: string;
  calleeShowNumber?: string;
  state?: string;
  stateDesc?: string;
  duration?: number;
  startDate?: string;
  endDate?: string;
  gmtCreate?: string;
  [key: string]: unknown;
}

/** The dyvmsapi actions this bundle uses, typed (docs/alibaba/actions.md). */
export class VoiceApi {
  constructor(private readonly rpc: RpcCaller) {}

  /** The longest one request may take once sent: what a caller must leave itself to place a call safely. */
  get attemptTimeoutMs(): number {
    return this.rpc.attemptTimeoutMs;
  }

  /** Any call-placing action (docs/alibaba/actions.md, docs/alibaba/actions.md#smartcall). Never retried once it may have reached Alibaba. */
  async initiateCall(action: string, params: Readonly<Record<string, string>>, options: CallOptions = {}) {
    const { requestId, body } = await this.rpc.call(action, params, { placesCall: true, deadline: options.deadline });
    const callId = body.CallId;
    if (typeof callId !== 'string' || callId === '') {
      // Code OK means Alibaba accepted the request: the call may well exist, so never invite a retry.
      throw new AlibabaError('ambiguous', 'MissingCallId', `${action} answered OK without a CallId`, { action, requestId });
    }
    return { callId, requestId };
  }

  /** docs/alibaba/actions.md#cancelcall CancelCall; `Status` may be a boolean or the string "true". */
  async cancelCall(callId: string, options: CallOptions = {}) {
    // Never re-sent once it may have arrived: a second CancelCall answers false and hides the first.
    const { requestId, body } = await this.rpc.call('CancelCall', { CallId: callId }, { changesCallState: true, deadline: options.deadline });
    return { cancelled: body.Status === true || body.Status === 'true', requestId };
  }

  /** docs/alibaba/actions.md#querycalldetailbycallid QueryCallDetailByCallId; `Data` is a JSON string parsed here (null when Alibaba has none). */
  async queryCallDetail(query: { callId: string; prodId: string; queryDate: number }, options: CallOptions = {}) {
    const { requestId, body } = await this.rpc.call(
      'QueryCallDetailByCallId',
      { CallId: query.callId, ProdId: query.prodId, QueryDate: String(query.queryDate) },
      { deadline: options.deadline },
    );
    return { requestId, detail: parseDetail(body.Data) };
  }
}

function parseDetail(data: unknown): CallDetail | null {
  if (data === undefined || data === null || data === '') return null;
  if (typeof data === 'object') return data as CallDetail;
  try {
    const parsed: unknown = JSON.parse(String(data));
    return typeof parsed === 'object' && parsed !== null ? (parsed as CallDetail) : null;
  } catch {
    return { raw: String(data) };
  }
}
