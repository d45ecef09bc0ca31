import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';

/**
 * Powertools Idempotency's records in IDEMPOTENCY_TABLE, in Powertools' default layout: partition
 * key `id` (`placeCall#<hash of the key>`), `status` (INPROGRESS / COMPLETED), `expiration` (epoch
 * seconds, the table's TTL attribute), `in_progress_expiration` (epoch ms), `data` (the stored
 * outcome) and `validation` (hash of the request it was placed for).
 *
 * It sends through `client`, the bundle's own DynamoDB client (shared/store/dynamoClient.ts): the
 * same endpoint override, timeouts and attempts as every other table access.
 */
export function createIdempotencyStore(client: DynamoDBClient, tableName: string): DynamoDBPersistenceLayer {
  return new DynamoDBPersistenceLayer({ tableName, awsSdkV3Client: client });
}
