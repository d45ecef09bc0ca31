/**
 * The local stand-in for Lambda's DynamoDB stream event source mapping: reads a table's stream from
 * DynamoDB Local (DescribeStream, GetShardIterator, GetRecords; parent shards before their children),
 * turns the records into the Lambda `DynamoDBStreamEvent` shape and hands them, in order, to a
 * callback — `npm start` invokes `processCallChanges` through serverless-offline's Lambda invoke API.
 *
 * Like the event source mapping with ReportBatchItemFailures, a batch is delivered again from the
 * lowest reported sequence number on (the whole batch when the function fails or reports an unknown
 * identifier), with backoff, up to `maxRetryAttempts` times; then the rest of the batch is skipped and
 * logged, as the mapping would hand it to its on-failure destination.
 */
import {
  DescribeStreamCommand,
  ExpiredIteratorException,
  GetRecordsCommand,
  GetShardIteratorCommand,
  TrimmedDataAccessException,
  type AttributeValue as StreamsAttributeValue,
  type DynamoDBStreamsClient,
  type Shard,
  type _Record,
} from '@aws-sdk/client-dynamodb-streams';
import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { AttributeValue, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { withoutUndefined } from './lambda.ts';

export type StartingPosition = 'LATEST' | 'TRIM_HORIZON';

export interface StreamPumpOptions {
  streams: DynamoDBStreamsClient;
  streamArn: string;
  /** LATEST (default, as the deployed mapping): only changes made after `open`. TRIM_HORIZON: all kept records. */
  startingPosition?: StartingPosition;
  /** Records per delivery (GetRecords Limit), 1-1000; default 100, the deployed batchSize. */
  batchSize?: number;
  /** Pause between polls when the stream had nothing new (run()). */
  pollIntervalMs?: number;
  /** Deliveries again after a failure before the rest of the batch is skipped; -1 = forever. Default 10. */
  maxRetryAttempts?: number;
  /** Backoff before retry n (1-based); default 200 ms doubling to 5 s. */
  retryDelayMs?: (retry: number) => number;
  /** Lambda event filtering: records it refuses are dropped, as if processed. */
  filter?: (record: DynamoDBRecord) => boolean;
  /** The function: may return batchItemFailures; throwing counts as a function error. */
  deliver: (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse | void | undefined | null>;
  log?: (message: string) => void;
}

interface ShardState {
  shardId: string;
  parentShardId?: string;
  /** Where the next GetRecords reads; undefined until the shard may be read. */
  iterator?: string;
  /** Iterator type to (re)start from when the shard has delivered nothing yet. */
  start: StartingPosition;
  lastSequenceNumber?: string;
  finished: boolean;
}

const GET_RECORDS_MAX = 1_000;

export class StreamPump {
  private readonly shards = new Map<string, ShardState>();
  private readonly batchSize: number;
  private readonly maxRetryAttempts: number;
  private readonly retryDelayMs: (retry: number) => number;
  private readonly log: (message: string) => void;
  private round: Promise<unknown> = Promise.resolve();
  private stopping = false;
  private running: Promise<void> | undefined;

  private constructor(private readonly options: StreamPumpOptions) {
    this.batchSize = Math.min(GET_RECORDS_MAX, Math.max(1, options.batchSize ?? 100));
    this.maxRetryAttempts = options.maxRetryAttempts ?? 10;
    this.retryDelayMs = options.retryDelayMs ?? ((retry) => Math.min(5_000, 200 * 2 ** (retry - 1)));
    this.log = options.log ?? ((message) => console.log(`[streams] ${message}`));
  }

  /** Describes the stream and positions every shard, so every change made after this resolves is read. */
  static async open(options: StreamPumpOptions): Promise<StreamPump> {
    const pump = new StreamPump(options);
    const startingPosition = options.startingPosition ?? 'LATEST';
    for (const shard of await pump.describeShards()) {
      const closed = shard.SequenceNumberRange?.EndingSequenceNumber !== undefined;
      // At LATEST, a closed shard can never show a new change.
      if (startingPosition === 'LATEST' && closed) continue;
      pump.shards.set(shard.ShardId!, { shardId: shard.ShardId!, parentShardId: shard.ParentShardId, start: startingPosition, finished: false });
    }
    for (const state of pump.shards.values()) {
      if (pump.readable(state)) state.iterator = await pump.iterator(state);
    }
    return pump;
  }

  /** One pass over the readable shards; resolves to the number of records read. Calls never overlap. */
  poll(): Promise<number> {
    const next = this.round.then(() => this.pollShards());
    this.round = next.catch(() => undefined);
    return next;
  }

  /** Polls until a pass reads nothing: every change made before the call has been delivered (tests). */
  async drain(): Promise<void> {
    while ((await this.poll()) > 0);
  }

  /** Polls until stop(), pausing when the stream is idle; errors are logged and polling goes on. */
  run(): void {
    if (this.running) return;
    const interval = this.options.pollIntervalMs ?? 500;
    this.running = (async () => {
      while (!this.stopping) {
        let read = 0;
        try {
          read = await this.poll();
        } catch (error) {
          if (!this.stopping) this.log(`reading the stream failed: ${describe(error)}`);
        }
        if (read === 0 && !this.stopping) await sleep(interval);
      }
    })();
  }

  /** Stops polling and waits for the delivery in progress, if any. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.running;
    await this.round;
  }

  private async pollShards(): Promise<number> {
    await this.discoverShards();
    let read = 0;
    for (const state of this.shards.values()) {
      if (this.stopping) break;
      if (state.finished || !this.readable(state)) continue;
      state.iterator ??= await this.iterator(state);
      read += await this.readShard(state);
    }
    return read;
  }

  /** One GetRecords on the shard (again with a fresh iterator if its iterator had expired) and the delivery of what it returned. */
  private async readShard(state: ShardState, renewed = false): Promise<number> {
    let output;
    try {
      output = await this.options.streams.send(new GetRecordsCommand({ ShardIterator: state.iterator, Limit: this.batchSize }));
    } catch (error) {
      if (renewed) throw error;
      if (error instanceof ExpiredIteratorException) {
        // Iterators last 15 minutes: a long retry of a batch can outlive one. Resume after the last record delivered.
        state.iterator = await this.iterator(state);
        return this.readShard(state, true);
      }
      if (error instanceof TrimmedDataAccessException) {
        // Resume after the last record delivered, or from the oldest record kept when none was yet.
        this.log(`shard ${state.shardId}: ${error.message}; resuming ${state.lastSequenceNumber ? `after ${state.lastSequenceNumber}` : 'from the oldest record kept'}`);
        if (!state.lastSequenceNumber) state.start = 'TRIM_HORIZON';
        state.iterator = await this.iterator(state);
        return this.readShard(state, true);
      }
      throw error;
    }
    const records = output.Records ?? [];
    if (records.length > 0) {
      const batch = records.map((record) => toLambdaRecord(record, this.options.streamArn)).filter((record) => this.options.filter?.(record) ?? true);
      if (batch.length > 0) await this.deliverWithRetries(batch);
      state.lastSequenceNumber = records.at(-1)!.dynamodb?.SequenceNumber ?? state.lastSequenceNumber;
    }
    state.iterator = output.NextShardIterator;
    // No next iterator: a closed shard read to its end. Its children may now be read.
    if (!state.iterator) state.finished = true;
    return records.length;
  }

  private async deliverWithRetries(records: DynamoDBRecord[]): Promise<void> {
    let batch = records;
    for (let retry = 0; batch.length > 0 && !this.stopping; retry++) {
      if (retry > 0) await sleep(this.retryDelayMs(retry));
      let from: number;
      try {
        const response = await this.options.deliver({ Records: batch });
        from = checkpoint(batch, response?.batchItemFailures ?? []);
      } catch (error) {
        this.log(`delivery failed (${describe(error)}); the batch will be delivered again`);
        from = 0;
      }
      if (from === batch.length) return;
      batch = batch.slice(from);
      if (this.maxRetryAttempts >= 0 && retry >= this.maxRetryAttempts) {
        this.log(
          `giving up after ${retry} retries: skipping ${batch.length} records, sequence numbers ${batch[0]!.dynamodb?.SequenceNumber}..${batch.at(-1)!.dynamodb?.SequenceNumber}`,
        );
        return;
      }
    }
  }

  private readable(state: ShardState): boolean {
    const parent = state.parentShardId === undefined ? undefined : this.shards.get(state.parentShardId);
    return parent === undefined || parent.finished;
  }

  private async iterator(state: ShardState): Promise<string | undefined> {
    const input = state.lastSequenceNumber
      ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER' as const, SequenceNumber: state.lastSequenceNumber }
      : { ShardIteratorType: state.start };
    const output = await this.options.streams.send(new GetShardIteratorCommand({ StreamArn: this.options.streamArn, ShardId: state.shardId, ...input }));
    return output.ShardIterator;
  }

  /** Shards created since (a parent closed and split): all of their records are new, read from the start. */
  private async discoverShards(): Promise<void> {
    for (const shard of await this.describeShards()) {
      if (this.shards.has(shard.ShardId!)) continue;
      this.shards.set(shard.ShardId!, { shardId: shard.ShardId!, parentShardId: shard.ParentShardId, start: 'TRIM_HORIZON', finished: false });
    }
  }

  private async describeShards(): Promise<Shard[]> {
    const shards: Shard[] = [];
    let start: string | undefined;
    do {
      const output = await this.options.streams.send(new DescribeStreamCommand({ StreamArn: this.options.streamArn, ExclusiveStartShardId: start }));
      shards.push(...(output.StreamDescription?.Shards ?? []));
      start = output.StreamDescription?.LastEvaluatedShardId;
    } while (start);
    return shards.filter((shard) => shard.ShardId);
  }
}

/** The table's current stream (DescribeTable LatestStreamArn); fails when the table has none. */
export async function latestStreamArn(client: DynamoDBClient, table: string): Promise<string> {
  const output = await client.send(new DescribeTableCommand({ TableName: table }));
  const arn = output.Table?.LatestStreamArn;
  if (!arn || output.Table?.StreamSpecification?.StreamEnabled === false) throw new Error(`table ${table} has no DynamoDB stream`);
  return arn;
}

/**
 * Where delivery resumes: the index of the lowest reported sequence number; the batch length when
 * nothing was reported; 0 (the whole batch) when an identifier is empty or not in the batch, as
 * Lambda treats it ("Configuring partial batch response with DynamoDB Streams").
 */
function checkpoint(batch: DynamoDBRecord[], failures: { itemIdentifier?: string }[]): number {
  let lowest = batch.length;
  for (const failure of failures) {
    const index = failure.itemIdentifier ? batch.findIndex((record) => record.dynamodb?.SequenceNumber === failure.itemIdentifier) : -1;
    if (index < 0) return 0;
    lowest = Math.min(lowest, index);
  }
  return lowest;
}

/** A DynamoDB Streams API record in the shape Lambda delivers it (epoch-second times, Base64 binaries). */
export function toLambdaRecord(record: _Record, streamArn: string): DynamoDBRecord {
  const stream = record.dynamodb ?? {};
  const images = (value: Record<string, StreamsAttributeValue> | undefined) => (value === undefined ? undefined : toLambdaAttributes(value));
  return withoutUndefined({
    eventID: record.eventID,
    eventName: record.eventName,
    eventVersion: record.eventVersion,
    eventSource: record.eventSource ?? 'aws:dynamodb',
    awsRegion: record.awsRegion,
    dynamodb: withoutUndefined({
      ApproximateCreationDateTime: stream.ApproximateCreationDateTime ? stream.ApproximateCreationDateTime.getTime() / 1000 : undefined,
      Keys: images(stream.Keys),
      NewImage: images(stream.NewImage),
      OldImage: images(stream.OldImage),
      SequenceNumber: stream.SequenceNumber,
      SizeBytes: stream.SizeBytes,
      StreamViewType: stream.StreamViewType,
    }),
    eventSourceARN: streamArn,
    // TTL deletions carry { type: 'Service', principalId: 'dynamodb.amazonaws.com' }.
    userIdentity: record.userIdentity ? { type: record.userIdentity.Type, principalId: record.userIdentity.PrincipalId } : undefined,
  });
}

function toLambdaAttributes(attributes: Record<string, StreamsAttributeValue>): Record<string, AttributeValue> {
  return Object.fromEntries(Object.entries(attributes).map(([name, value]) => [name, toLambdaAttribute(value)]));
}

function toLambdaAttribute(value: StreamsAttributeValue): AttributeValue {
  if (value.B !== undefined) return { B: Buffer.from(value.B).toString('base64') };
  if (value.BS !== undefined) return { BS: value.BS.map((item) => Buffer.from(item).toString('base64')) };
  if (value.M !== undefined) return { M: toLambdaAttributes(value.M) };
  if (value.L !== undefined) return { L: value.L.map(toLambdaAttribute) };
  if (value.S !== undefined) return { S: value.S };
  if (value.N !== undefined) return { N: value.N };
  if (value.SS !== undefined) return { SS: value.SS };
  if (value.NS !== undefined) return { NS: value.NS };
  if (value.NULL !== undefined) return { NULL: value.NULL };
  if (value.BOOL !== undefined) return { BOOL: value.BOOL };
  throw new TypeError('unknown DynamoDB attribute value type');
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
