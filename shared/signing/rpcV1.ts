import type { AlibabaCredentials } from './credentials.ts';
import { canonicalQuery, hmacBase64, newNonce, percentEncode, rpcTimestamp } from './encoding.ts';

export type RpcMethod = 'GET' | 'POST';

/** spec §2.1 step 4: `METHOD&%2F&pe(canonical query)`. `params` must not contain `Signature`. */
export function rpcV1StringToSign(method: RpcMethod | string, params: Readonly<Record<string, string>>): string {
  return `${method}&${percentEncode('/')}&${percentEncode(canonicalQuery(params))}`;
}

/** spec §2.1 steps 5-6: Base64(HMAC-SHA1(secret + "&", StringToSign)). */
export function rpcV1Signature(
  method: RpcMethod | string,
  params: Readonly<Record<string, string>>,
  accessKeySecret: string,
): string {
  return hmacBase64('sha1', `${accessKeySecret}&`, rpcV1StringToSign(method, params));
}

export interface RpcV1SignInput {
  method: RpcMethod;
  action: string;
  version: string;
  /** Action parameters, already flattened to wire names and string values. */
  params: Readonly<Record<string, string>>;
  credentials: AlibabaCredentials;
  /** Fixed only by tests; every real attempt gets a new nonce and timestamp. */
  nonce?: string;
  timestamp?: string;
}

/**
 * Adds the common parameters (spec §1.2) to the action parameters and signs them.
 * Returns the full `k=v&...&Signature=...` text: the form body of a POST or the query of a GET.
 */
export function signRpcV1(input: RpcV1SignInput): string {
  const params: Record<string, string> = {
    ...input.params,
    Action: input.action,
    Version: input.version,
    Format: 'JSON',
    AccessKeyId: input.credentials.accessKeyId,
    SignatureMethod: 'HMAC-SHA1',
    SignatureVersion: '1.0',
    SignatureNonce: input.nonce ?? newNonce(),
    Timestamp: input.timestamp ?? rpcTimestamp(),
  };
  if (input.credentials.securityToken) params.SecurityToken = input.credentials.securityToken;
  const signature = rpcV1Signature(input.method, params, input.credentials.accessKeySecret);
  return `${canonicalQuery(params)}&Signature=${percentEncode(signature)}`;
}
