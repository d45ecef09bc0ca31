/**
 * The RPC gateway on path `/` (docs/alibaba/rpc.md): read the request, authenticate it, apply injected
 * faults, dispatch to the action, and answer Alibaba's envelope.
 */
import type { ServerResponse } from 'node:http';
import type { AlibabaCredentials } from '#shared/signing/index';
import { playFault, type FaultQueue, type PendingFault } from '../faults.ts';
import { authenticate, checkTimestamp, readSignedRequest, responseFormatOf } from './authenticate.ts';
import { internalError, RpcError, unsupportedMethod } from './errors.ts';
import type { NonceCache } from './nonces.ts';
import type { ActionRegistry, RpcAction } from './registry.ts';
import type { IncomingRpcRequest } from './request.ts';
import type { RecordedRequest, RequestLog } from './requestLog.ts';
import { errorBody, newRequestId, sendEnvelope, successBody } from './response.ts';
import type { SignedRequest } from './signedRequest.ts';

export interface RpcGatewayDeps {
  registry: ActionRegistry;
  keys: ReadonlyMap<string, AlibabaCredentials>;
  nonces: NonceCache;
  faults: FaultQueue;
  requestLog: RequestLog;
  now: () => number;
}

export type RpcGateway = (request: IncomingRpcRequest, res: ServerResponse) => Promise<void>;

export function createRpcGateway(deps: RpcGatewayDeps): RpcGateway {
  return async (request, res) => {
    const requestId = newRequestId();
    const format = responseFormatOf(request);
    let hostId = deps.registry.defaultProduct.hostId;
    let record: RecordedRequest | undefined;
    try {
      // docs/alibaba/rpc.md#get-or-post: RPC actions are GET or POST.
      if (request.method !== 'GET' && request.method !== 'POST') throw unsupportedMethod(request.method);
      const signed = readSignedRequest(request);
      checkTimestamp(signed.timestamp, deps.now());
      const action = deps.registry.resolve(signed.version, signed.action);
      hostId = action.product.hostId;
      authenticate(signed, deps);
      record = deps.requestLog.add(recordOf(requestId, request, signed, action, deps.now()));

      const fault = deps.faults.takeRpc(action.name);
      if (fault) {
        record.fault = describeFault(fault);
        const played = await playFault(fault, res, (error) => new RpcError(error.code, error.httpStatus, error.message));
        if (played === 'dropped') return;
      }

      const fields = action.handle({ params: signed.actionParams, now: deps.now() });
      record.response = { httpStatus: 200, code: 'OK' };
      sendEnvelope(res, 200, format, `${action.name}Response`, successBody(requestId, fields));
    } catch (caught) {
      const error = caught instanceof RpcError ? caught : unexpected(caught);
      if (record) record.response = { httpStatus: error.httpStatus, code: error.code };
      sendEnvelope(res, error.httpStatus, format, 'Error', errorBody(error, requestId, hostId));
    }
  };
}

function recordOf(
  requestId: string,
  request: IncomingRpcRequest,
  signed: SignedRequest,
  action: RpcAction,
  now: number,
): RecordedRequest {
  return {
    requestId,
    receivedAt: new Date(now).toISOString(),
    action: action.name,
    method: request.method,
    signatureVersion: signed.style,
    accessKeyId: signed.accessKeyId,
    securityToken: signed.securityToken !== undefined,
    params: { ...signed.actionParams },
    ignoredParams: Object.keys(signed.actionParams).filter((name) => !action.isKnownParam(name)),
  };
}

function describeFault(fault: PendingFault): NonNullable<RecordedRequest['fault']> {
  return {
    ...(fault.error ? { error: fault.error.code } : {}),
    ...(fault.latencyMs > 0 ? { latencyMs: fault.latencyMs } : {}),
    ...(fault.drop ? { drop: true } : {}),
  };
}

/** A sandbox bug must still look like Alibaba (InternalError, 500), and be visible to its developer. */
function unexpected(caught: unknown): RpcError {
  console.error('[sandbox] unexpected error in the RPC gateway', caught);
  return internalError();
}
