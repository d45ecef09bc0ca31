/** Reading and verifying RPC signature V1, HMAC-SHA1 (docs/alibaba/rpc.md#common-parameters, docs/alibaba/signatures.md#rpc-signature-v1). */
import { rpcV1Signature, rpcV1StringToSign } from '#shared/signing/index';
import { constantTimeEqual } from './constantTime.ts';
import { incompleteSignature, missingParameter, missingSignature, signatureDoesNotMatch } from './errors.ts';
import type { IncomingRpcRequest } from './request.ts';
import { withoutCommonParameters, type SignedRequest } from './signedRequest.ts';

/** docs/alibaba/rpc.md#common-parameters: required common parameters, checked in this order. */
const REQUIRED_COMMON = ['Action', 'Version', 'AccessKeyId', 'SignatureMethod', 'SignatureVersion', 'SignatureNonce', 'Timestamp'] as const;

export function readV1(request: IncomingRpcRequest): SignedRequest {
  const params = request.params;
  if (!params.Signature) throw missingSignature();
  for (const name of REQUIRED_COMMON) {
    if (!params[name]) throw missingParameter(name);
  }
  // docs/alibaba/rpc.md#common-parameters: HMAC-SHA1 is the only method and 1.0 the only version.
  if (params.SignatureMethod !== 'HMAC-SHA1' || params.SignatureVersion !== '1.0') {
    throw incompleteSignature('SignatureMethod must be HMAC-SHA1 and SignatureVersion 1.0.');
  }
  const { Signature: signature, ...signedParams } = params;
  return {
    style: 'v1',
    action: params.Action!,
    version: params.Version!,
    accessKeyId: params.AccessKeyId!,
    timestamp: params.Timestamp!,
    nonce: params.SignatureNonce!,
    securityToken: params.SecurityToken,
    actionParams: withoutCommonParameters(params),
    verify(accessKeySecret) {
      // docs/alibaba/signatures.md#rpc-signature-v1: every sent parameter but Signature, with the HTTP method actually used.
      const expected = rpcV1Signature(request.method, signedParams, accessKeySecret);
      if (!constantTimeEqual(expected, signature)) {
        throw signatureDoesNotMatch(rpcV1StringToSign(request.method, signedParams));
      }
    },
  };
}
