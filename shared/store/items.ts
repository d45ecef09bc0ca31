/**
 * Items of the bundle's tables as plain values, both ways, with `@aws-sdk/util-dynamodb`: one
 * marshalling for every writer and reader, so what is written is what is read back.
 */
import { ConditionalCheckFailedException, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';

/** What @aws-sdk/util-dynamodb is asked for, for every value it converts here. */
const MARSHALL_OPTIONS = { removeUndefinedValues: true, allowImpreciseNumbers: true } as const;

/**
 * Plain JSON values to DynamoDB attribute values; undefined fields are left out. Numbers are stored
 * as their decimal text whatever their size (a raw receipt may carry an integer beyond 2^53, which
 * is then stored as written rather than refused).
 *
 * Maps and lists are built here, their keys copied as data: a raw receipt is untrusted JSON, and
 * @aws-sdk/util-dynamodb assigns each key (`map[key] = ...`), which for `__proto__` sets the map's
 * prototype instead of an attribute (the SDK then sends the prototype's keys as bogus attributes).
 * Every other value is converted by util-dynamodb.
 */
export function marshallItem(record: Record<string, unknown>): Record<string, AttributeValue> {
  return attributeMap(record);
}

function attributeMap(value: object): Record<string, AttributeValue> {
  return Object.fromEntries(
    Object.entries(value).flatMap(([key, item]) => {
      const attribute = attributeOf(item);
      return attribute === undefined ? [] : [[key, attribute]];
    }),
  );
}

function attributeOf(value: unknown): AttributeValue | undefined {
  if (Array.isArray(value)) return { L: value.flatMap((item) => attributeOf(item) ?? []) };
  if (isPlainObject(value)) return { M: attributeMap(value) };
  return (marshall({ value }, MARSHALL_OPTIONS) as Record<string, AttributeValue>).value;
}

function isPlainObject(value: unknown): value is object {
  if (typeof value !== 'object' || value === null) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/** How util-dynamodb reads numbers here (see unmarshallItem). */
const UNMARSHALL_OPTIONS = { wrapNumbers: (value: string) => Number(value) };

/**
 * Attribute values to plain values. Numbers become JS numbers: the SDK default would throw on, or
 * make a BigInt of, an integer beyond 2^53 inside a raw receipt, and a BigInt cannot be sent as JSON.
 * Maps and lists are read here, keys as data (`__proto__` included), as marshallItem writes them.
 */
export function unmarshallItem(item: Record<string, AttributeValue>): Record<string, unknown> {
  return nativeMap(item);
}

function nativeMap(map: Record<string, AttributeValue>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(map).map(([key, attribute]) => [key, nativeOf(attribute)]));
}

function nativeOf(attribute: AttributeValue): unknown {
  if (attribute.M !== undefined) return nativeMap(attribute.M);
  if (attribute.L !== undefined) return attribute.L.map(nativeOf);
  return unmarshall({ value: attribute }, UNMARSHALL_OPTIONS).value;
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
