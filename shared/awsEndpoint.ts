/**
 * The AWS SDK client options for an endpoint override (DynamoDB Local, the local event bus of
 * scripts/local/eventBus.ts): the emulators accept any static key, and the region only names the
 * signing scope. Without an override the SDK's own resolution applies (the Lambda's region and role).
 * Deployed functions never get an override (shared/config.ts refuses one).
 */
export function localEndpointOptions(endpoint: string | undefined): {
  endpoint?: string;
  region?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
} {
  if (!endpoint) return {};
  return { endpoint, region: process.env.AWS_REGION ?? 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };
}
