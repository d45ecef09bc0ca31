import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CreateTableCommand,
  DescribeTimeToLiveCommand,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
  type CreateTableCommandInput,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { parse } from 'yaml';

export interface TableDefinition {
  create: CreateTableCommandInput;
  ttlAttribute?: string;
}

/**
 * The DynamoDB tables declared in serverless.yml's `resources`, with `${self:service}` and
 * `${sls:stage}` resolved, so local runs and tests use exactly the deployed table shape.
 */
export function tablesFromServerlessYml(stage = 'dev', root = process.cwd()): TableDefinition[] {
  const document = parse(readFileSync(join(root, 'serverless.yml'), 'utf8')) as {
    service: string;
    custom?: Record<string, unknown>;
    resources?: { Resources?: Record<string, { Type: string; Properties: Record<string, unknown> }> };
  };
  const resolve = (value: string): string =>
    value.replace(/\$\{([^}]+)\}/g, (_match, expression: string) => {
      if (expression === 'self:service') return document.service;
      if (expression === 'sls:stage') return stage;
      if (expression.startsWith('self:custom.')) return resolve(String(document.custom?.[expression.slice('self:custom.'.length)]));
      throw new Error(`serverless.yml table definition uses an unsupported variable: \${${expression}}`);
    });

  return Object.values(document.resources?.Resources ?? {})
    .filter((resource) => resource.Type === 'AWS::DynamoDB::Table')
    .map(({ Properties: properties }) => {
      const ttl = properties.TimeToLiveSpecification as { AttributeName: string; Enabled: boolean } | undefined;
      return {
        create: {
          TableName: resolve(String(properties.TableName)),
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: properties.AttributeDefinitions as CreateTableCommandInput['AttributeDefinitions'],
          KeySchema: properties.KeySchema as CreateTableCommandInput['KeySchema'],
          GlobalSecondaryIndexes: properties.GlobalSecondaryIndexes as CreateTableCommandInput['GlobalSecondaryIndexes'],
          // DynamoDB Local keeps streams too: the event publisher reads the calls table's stream locally.
          StreamSpecification: properties.StreamSpecification
            ? { StreamEnabled: true, ...(properties.StreamSpecification as { StreamViewType: 'NEW_AND_OLD_IMAGES' }) }
            : undefined,
        },
        ttlAttribute: ttl?.Enabled ? ttl.AttributeName : undefined,
      };
    });
}

/** Creates the tables (leaving existing ones) and switches TTL on where declared. */
export async function createTables(client: DynamoDBClient, tables: TableDefinition[]): Promise<string[]> {
  const names: string[] = [];
  for (const table of tables) {
    const name = table.create.TableName!;
    try {
      await client.send(new CreateTableCommand(table.create));
    } catch (error) {
      if (!(error instanceof ResourceInUseException)) throw error;
    }
    if (table.ttlAttribute) {
      const current = await client.send(new DescribeTimeToLiveCommand({ TableName: name }));
      if (current.TimeToLiveDescription?.TimeToLiveStatus !== 'ENABLED') {
        await client.send(
          new UpdateTimeToLiveCommand({
            TableName: name,
            TimeToLiveSpecification: { AttributeName: table.ttlAttribute, Enabled: true },
          }),
        );
      }
    }
    names.push(name);
  }
  return names;
}
