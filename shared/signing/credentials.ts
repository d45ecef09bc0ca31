/** An Alibaba key pair, optionally temporary (STS) with its security token. */
export interface AlibabaCredentials {
  accessKeyId: string;
  accessKeySecret: string;
  /** Present for STS credentials (docs/alibaba/rpc.md#common-parameters `SecurityToken`, docs/alibaba/mns.md#headers `security-token`). */
  securityToken?: string;
}
