/** The one signing module: RPC V1 (HMAC-SHA1), RPC V3 (ACS3-HMAC-SHA256) and MNS. */
export type { AlibabaCredentials } from './credentials.ts';
export { percentEncode, rpcTimestamp, newNonce, canonicalQuery, sha256Hex } from './encoding.ts';
export { rpcV1StringToSign, rpcV1Signature, signRpcV1, type RpcMethod, type RpcV1SignInput } from './rpcV1.ts';
export {
  ACS3_ALGORITHM,
  acs3CanonicalRequest,
  acs3Signature,
  acs3SignedHeaderNames,
  parseAcs3Authorization,
  signRpcV3,
  type Acs3Authorization,
  type RpcV3SignInput,
} from './rpcV3.ts';
export { MNS_VERSION, mnsStringToSign, mnsSignature, signMnsRequest, type MnsSignInput } from './mns.ts';
