/**
 * @aliyun-voice/client: a typed client of the aliyun-voice HTTP API (docs/client.md).
 */
export { createClient, OPERATIONS, VoiceClient, type ClientOptions, type PlaceCallOptions, type RequestOptions } from './client.js';
export { EXECUTE_API_SERVICE, type Auth, type AwsCredentials, type AwsCredentialsProvider } from './auth.js';
export { OUTCOME_UNKNOWN_CODES, VoiceApiError, VoiceApiNetworkError } from './errors.js';
export { DEFAULT_RETRY, retryDelayMs, type RetryKind, type RetryOptions } from './retry.js';
export type * from './types.js';
