/** What both signature styles yield once their parts are read from the request. */
export type SignatureStyle = 'v1' | 'v3';

export interface SignedRequest {
  style: SignatureStyle;
  action: string;
  version: string;
  accessKeyId: string;
  /** `Timestamp` (V1) or `x-acs-date` (V3), unparsed. */
  timestamp: string;
  nonce: string;
  securityToken: string | undefined;
  /** The action's own parameters: everything but the common ones (docs/alibaba/rpc.md#common-parameters). */
  actionParams: Record<string, string>;
  /** Throws SignatureDoesNotMatch unless the request was signed with this secret. */
  verify(accessKeySecret: string): void;
}

/**
 * Common parameters (docs/alibaba/rpc.md#common-parameters) never count as action parameters. RegionId is not a VMS common
 * parameter, but old SDKs send `cn-hangzhou` everywhere, so it is treated as one.
 */
export const COMMON_PARAMETERS: ReadonlySet<string> = new Set([
  'Action',
  'Version',
  'Format',
  'AccessKeyId',
  'SignatureMethod',
  'SignatureVersion',
  'SignatureNonce',
  'Timestamp',
  'Signature',
  'SecurityToken',
  'RegionId',
]);

export function withoutCommonParameters(params: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(params).filter(([name]) => !COMMON_PARAMETERS.has(name)));
}
