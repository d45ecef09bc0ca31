/**
 * What the bundle's AWS SDK clients and calls share.
 *
 * The client options for an endpoint override (DynamoDB Local, the local event bus of
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

/**
 * A request's options that abort it at `deadline` (epoch ms), or none without one: an aborted
 * request fails like any other, and the caller's own accounting decides what is retried.
 */
export function untilDeadline(deadline: number): { abortSignal?: AbortSignal } {
  return Number.isFinite(deadline) ? { abortSignal: AbortSignal.timeout(Math.max(1, Math.floor(deadline - Date.now()))) } : {};
}

/** The error's name as the SDK sets it (`ValidationException`, `ThrottlingException`, ...), or `Error`. */
export function errorName(error: unknown): string {
  const name = (error as { name?: unknown } | null)?.name;
  return typeof name === 'string' && name !== '' ? name : 'Error';
}
