/** An Alibaba key pair, optionally temporary (STS) with its security token. */
export interface AlibabaCredentials {
  accessKeyId: string;
  accessKeySecret: string;
  /** Present for STS credentials (spec §1.2 `SecurityToken`, §6.1 `security-token`). */
  securityToken?: string;
}
