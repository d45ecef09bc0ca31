import type { TestProject } from 'vitest/node';
import { startDynamoDbLocal } from '../../scripts/local/dynamodb.ts';
import { freePort } from '../../scripts/local/ports.ts';
import { createTables, tablesFromServerlessYml } from '../../scripts/local/tables.ts';

export const TEST_STAGE = 'test';

declare module 'vitest' {
  export interface ProvidedContext {
    dynamodbEndpoint: string;
    callsTable: string;
    idempotencyTable: string;
  }
}

/** One DynamoDB Local for the whole run, with the tables serverless.yml declares (TTL on). */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // As in test/setup/env.ts: the SDK's warning about Node 20 (the functions deploy on nodejs22.x), and only it.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const dynamo = await startDynamoDbLocal(await freePort());
  const tables = await createTables(dynamo.client, tablesFromServerlessYml(TEST_STAGE));
  project.provide('dynamodbEndpoint', dynamo.endpoint);
  project.provide('callsTable', tables.find((name) => name.endsWith('-calls'))!);
  project.provide('idempotencyTable', tables.find((name) => name.endsWith('-idempotency'))!);
  return () => dynamo.stop();
}
