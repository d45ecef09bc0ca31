import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { localEndpointOptions } from '../awsSdk.ts';

const clients = new Map<string, DynamoDBClient>();

/**
 * The SDK waits forever by default. Three attempts of at most 2 s each keep a write after a placed
 * call inside a 10 s Lambda, so the caller always gets the 202 instead of a bare gateway timeout.
 */
const REQUEST_TIMEOUTS = { connectionTimeout: 1_000, requestTimeout: 2_000 };

/**
 * One DynamoDB client per endpoint, built once per container and reused across invocations.
 * With an endpoint override (DynamoDB Local) any static key works; DynamoDB Local runs with a shared
 * database so every key sees the same tables.
 */
export function dynamoClient(endpoint: string | undefined): DynamoDBClient {
  const key = endpoint ?? 'aws';
  let client = clients.get(key);
  if (!client) {
    client = createDynamoClient(endpoint);
    clients.set(key, client);
  }
  return client;
}

/** A DynamoDB client configured as dynamoClient()'s, not shared (the init warm-up's throwaway one). */
export function createDynamoClient(endpoint: string | undefined): DynamoDBClient {
  return new DynamoDBClient({ ...localEndpointOptions(endpoint), maxAttempts: 3, requestHandler: REQUEST_TIMEOUTS });
}
