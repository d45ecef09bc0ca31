/**
 * Defaults for running on a laptop or in tests against the local sandbox. The key pair is public
 * knowledge and only ever accepted by the sandbox; a deployed stage reads real credentials from
 * SSM Parameter Store or Secrets Manager (ALIYUN_CREDENTIALS_PARAM).
 */
export const SANDBOX_ACCESS_KEY_ID = 'LTAI5tSandboxLocalKey';
export const SANDBOX_ACCESS_KEY_SECRET = 'sandbox-local-secret-not-for-production';
export const SANDBOX_DEFAULT_PORT = 8090;
