import { DynamoDBClient } from '@aws-sdk/client-dynamodb';

const clients = new Map<string, DynamoDBClient>();

/**
 * One DynamoDB client per endpoint, built once per container and reused across invocations.
 * With an endpoint override (DynamoDB Local) any static key works; DynamoDB Local runs with a shared
 * database so every key sees the same tables.
 */
export function dynamoClient(endpoint: string | undefined): DynamoDBClient {
  const key = endpoint ?? 'aws';
  let client = clients.get(key);
  if (!client) {
    client = endpoint
      ? new DynamoDBClient({
          endpoint,
          region: process.env.AWS_REGION ?? 'us-east-1',
          credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
          maxAttempts: 3,
        })
      : new DynamoDBClient({ maxAttempts: 3 });
    clients.set(key, client);
  }
  return client;
}
