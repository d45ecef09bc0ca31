/**
 * Items of the bundle's tables as plain values, both ways, with `@aws-sdk/util-dynamodb`: one
 * marshalling for every writer and reader, so what is written is what is read back.
 */
import { ConditionalCheckFailedException, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';

/**
 * Plain JSON values to DynamoDB attribute values; undefined fields are left out. Numbers are stored
 * as their decimal text whatever their size (a raw receipt may carry an integer beyond 2^53, which
 * is then stored as written rather than refused).
 */
export function marshallItem(record: Record<string, unknown>): Record<string, AttributeValue> {
  return marshall(record, { removeUndefinedValues: true, allowImpreciseNumbers: true }) as Record<string, AttributeValue>;
}

/**
 * Attribute values to plain values. Numbers become JS numbers: the SDK default would throw on, or
 * make a BigInt of, an integer beyond 2^53 inside a raw receipt, and a BigInt cannot be sent as JSON.
 */
export function unmarshallItem(item: Record<string, AttributeValue>): Record<string, unknown> {
  return unmarshall(item, { wrapNumbers: (value: string) => Number(value) });
}

/** The TTL value of an item kept `retentionDays` from `fromIso`, in epoch SECONDS. */
export function expiresAtSeconds(fromIso: string, retentionDays: number): number {
  return Math.floor(Date.parse(fromIso) / 1000) + retentionDays * 86_400;
}

/**
 * A conditional write refused because its condition did not hold. By name too: an error that
 * crossed a bundle boundary (or a test double) is not an instance of this bundle's class.
 */
export function isConditionalCheckFailed(error: unknown): boolean {
  return error instanceof ConditionalCheckFailedException || (error as { name?: unknown } | null)?.name === 'ConditionalCheckFailedException';
}
