/**
 * Defaults for running on a laptop or in tests against the local sandbox. The key pair is public
 * knowledge and only ever accepted by the sandbox; a deployed stage reads real credentials from
 * SSM Parameter Store or Secrets Manager (ALIYUN_CREDENTIALS_PARAM).
 */
export const SANDBOX_ACCESS_KEY_ID = 'LTAI5tSandboxLocalKey';
export const SANDBOX_ACCESS_KEY_SECRET = 'sandbox-local-secret-not-for-production';
export const SANDBOX_DEFAULT_PORT = 8090;
/**
 * The HTTP push route's token for local runs and tests only (npm start sets RECEIPT_PUSH_TOKEN to it).
 * Deployed stages read theirs from RECEIPT_PUSH_TOKEN_PARAM; code never falls back to this value.
 */
export const LOCAL_RECEIPT_PUSH_TOKEN = 'local-push-token-not-for-production';
