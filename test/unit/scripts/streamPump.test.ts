/**
 * scripts/local/streams.ts as the event source mapping's stand-in, against a scripted DynamoDB
 * Streams API: the cases DynamoDB Local does not produce on demand (a shard closing and splitting,
 * an expired iterator) and Lambda's redelivery rules for ReportBatchItemFailures.
 */
import {
  DescribeStreamCommand,
  ExpiredIteratorException,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type DynamoDBStreamsClient,
  type _Record,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { StreamPump, toLambdaRecord, type StreamPumpOptions } from '../../../scripts/local/streams.ts';

const ARN = 'arn:aws:dynamodb:ddblocal:000000000000:table/calls/stream/2026-11-24T00:00:00.000';

interface ScriptedShard {
  id: string;
  parent?: string;
  records: _Record[];
  closed: boolean;
}

const streamRecord = (sequence: number, name: 'INSERT' | 'MODIFY' | 'REMOVE' = 'INSERT'): _Record => ({
  eventID: `e-${sequence}`,
  eventName: name,
  eventVersion: '1.1',
  eventSource: 'aws:dynamodb',
  awsRegion: 'ddblocal',
  dynamodb: {
    ApproximateCreationDateTime: new Date('2026-11-24T15:41:00Z'),
    Keys: { pk: { S: `CALL#${sequence}^1` }, sk: { S: 'CALL' } },
    NewImage: { pk: { S: `CALL#${sequence}^1` }, sk: { S: 'CALL' }, blob: { B: new Uint8Array([1, 2, 3]) }, n: { N: '7' } },
    SequenceNumber: String(sequence).padStart(21, '0'),
    SizeBytes: 40,
    StreamViewType: 'NEW_AND_OLD_IMAGES',
  },
});

/** A Streams API over `shards`: iterators are `<shard>|<position>`; `expireOnce` makes the first GetRecords on a shard fail. */
function scriptedStreams(shards: ScriptedShard[], options: { expireOnce?: string } = {}) {
  const calls: string[] = [];
  let expire = options.expireOnce;
  const client = {
    send: async (command: unknown) => {
      if (command instanceof DescribeStreamCommand) {
        calls.push('DescribeStream');
        return {
          StreamDescription: {
            StreamArn: ARN,
            Shards: shards.map((shard) => ({
              ShardId: shard.id,
              ParentShardId: shard.parent,
              SequenceNumberRange: { StartingSequenceNumber: '1', EndingSequenceNumber: shard.closed ? 'end' : undefined },
            })),
          },
        };
      }
      if (command instanceof GetShardIteratorCommand) {
        const { ShardId, ShardIteratorType, SequenceNumber } = command.input;
        calls.push(`GetShardIterator ${ShardId} ${ShardIteratorType}${SequenceNumber ? ` ${SequenceNumber}` : ''}`);
        const shard = shards.find((candidate) => candidate.id === ShardId)!;
        const position =
          ShardIteratorType === 'LATEST'
            ? shard.records.length
            : ShardIteratorType === 'AFTER_SEQUENCE_NUMBER'
              ? shard.records.findIndex((record) => record.dynamodb!.SequenceNumber === SequenceNumber) + 1
              : 0;
        return { ShardIterator: `${ShardId}|${position}` };
      }
      if (command instanceof GetRecordsCommand) {
        const [shardId, at] = command.input.ShardIterator!.split('|');
        calls.push(`GetRecords ${shardId} ${at}`);
        if (expire === shardId) {
          expire = undefined;
          throw new ExpiredIteratorException({ message: 'Iterator expired', $metadata: {} });
        }
        const shard = shards.find((candidate) => candidate.id === shardId)!;
        const position = Number(at);
        const records = shard.records.slice(position, position + (command.input.Limit ?? 1000));
        const next = position + records.length;
        return { Records: records, NextShardIterator: shard.closed && next >= shard.records.length ? undefined : `${shardId}|${next}` };
      }
      throw new Error(`unexpected command ${String(command)}`);
    },
  };
  return { client: client as unknown as DynamoDBStreamsClient, calls };
}

function recorder(answer: (event: DynamoDBStreamEvent, delivery: number) => DynamoDBBatchResponse | Error = () => ({ batchItemFailures: [] })) {
  const delivered: string[][] = [];
  const deliver: StreamPumpOptions['deliver'] = async (event) => {
    delivered.push(event.Records.map((record) => record.dynamodb!.SequenceNumber!.replace(/^0+/, '')));
    const result = answer(event, delivered.length);
    if (result instanceof Error) throw result;
    return result;
  };
  return { delivered, deliver };
}

const base = { streamArn: ARN, retryDelayMs: () => 1, log: () => undefined };

describe('StreamPump (local event source mapping)', () => {
  it('reads a closed parent shard to its end before its children, from the oldest record (TRIM_HORIZON)', async () => {
    const shards: ScriptedShard[] = [
      { id: 'child-a', parent: 'parent', records: [streamRecord(4)], closed: false },
      { id: 'parent', records: [streamRecord(1), streamRecord(2), streamRecord(3)], closed: true },
      { id: 'child-b', parent: 'parent', records: [streamRecord(5)], closed: false },
    ];
    const { client } = scriptedStreams(shards);
    const { delivered, deliver } = recorder();
    const pump = await StreamPump.open({ ...base, streams: client, startingPosition: 'TRIM_HORIZON', batchSize: 2, deliver });

    await pump.drain();

    // The parent's records first, in order; the two children (siblings: no order between them) after.
    expect(delivered.slice(0, 2)).toEqual([['1', '2'], ['3']]);
    expect(delivered.slice(2).sort()).toEqual([['4'], ['5']]);
  });

  it('at LATEST, delivers only what is written after open, and a shard split later from its start', async () => {
    const shards: ScriptedShard[] = [{ id: 'live', records: [streamRecord(1)], closed: false }];
    const { client } = scriptedStreams(shards);
    const { delivered, deliver } = recorder();
    const pump = await StreamPump.open({ ...base, streams: client, deliver });

    shards[0]!.records.push(streamRecord(2));
    await pump.drain();
    // The shard closes with one more record, and a child takes over.
    shards[0]!.records.push(streamRecord(3));
    shards[0]!.closed = true;
    shards.push({ id: 'next', parent: 'live', records: [streamRecord(4)], closed: false });
    await pump.drain();

    expect(delivered).toEqual([['2'], ['3'], ['4']]);
  });

  it('re-delivers from the lowest reported sequence number on, as Lambda does', async () => {
    const shards: ScriptedShard[] = [{ id: 's', records: [1, 2, 3, 4, 5].map((n) => streamRecord(n)), closed: true }];
    const { client } = scriptedStreams(shards);
    const { delivered, deliver } = recorder((event, delivery) =>
      delivery === 1
        ? { batchItemFailures: [{ itemIdentifier: event.Records[3]!.dynamodb!.SequenceNumber! }, { itemIdentifier: event.Records[1]!.dynamodb!.SequenceNumber! }] }
        : { batchItemFailures: [] },
    );
    const pump = await StreamPump.open({ ...base, streams: client, startingPosition: 'TRIM_HORIZON', deliver });

    await pump.drain();

    expect(delivered).toEqual([
      ['1', '2', '3', '4', '5'],
      ['2', '3', '4', '5'],
    ]);
  });

  it('re-delivers the whole batch after a function error or an identifier not in the batch', async () => {
    const shards: ScriptedShard[] = [{ id: 's', records: [streamRecord(1), streamRecord(2)], closed: true }];
    const { client } = scriptedStreams(shards);
    const { delivered, deliver } = recorder((_event, delivery) =>
      delivery === 1 ? new Error('function failed') : delivery === 2 ? { batchItemFailures: [{ itemIdentifier: 'not-in-batch' }] } : { batchItemFailures: [] },
    );
    const pump = await StreamPump.open({ ...base, streams: client, startingPosition: 'TRIM_HORIZON', deliver });

    await pump.drain();

    expect(delivered).toEqual([
      ['1', '2'],
      ['1', '2'],
      ['1', '2'],
    ]);
  });

  it('skips (and logs) the rest of a batch after maxRetryAttempts, then goes on with the stream', async () => {
    const shards: ScriptedShard[] = [{ id: 's', records: [streamRecord(1), streamRecord(2)], closed: false }];
    const { client } = scriptedStreams(shards);
    const logged: string[] = [];
    const { delivered, deliver } = recorder((event) =>
      event.Records[0]!.dynamodb!.SequenceNumber!.endsWith('1') ? { batchItemFailures: [{ itemIdentifier: event.Records[0]!.dynamodb!.SequenceNumber! }] } : { batchItemFailures: [] },
    );
    const pump = await StreamPump.open({ ...base, streams: client, startingPosition: 'TRIM_HORIZON', maxRetryAttempts: 2, deliver, log: (line) => logged.push(line) });

    await pump.drain();
    shards[0]!.records.push(streamRecord(3));
    await pump.drain();

    expect(delivered).toEqual([['1', '2'], ['1', '2'], ['1', '2'], ['3']]);
    expect(logged).toEqual([expect.stringMatching(/^giving up after 2 retries: skipping 2 records/)]);
  });

  it('takes a new iterator after the last delivered record when one expires', async () => {
    const shards: ScriptedShard[] = [{ id: 's', records: [streamRecord(1)], closed: false }];
    const { client, calls } = scriptedStreams(shards, { expireOnce: 's' });
    const { delivered, deliver } = recorder();
    const pump = await StreamPump.open({ ...base, streams: client, startingPosition: 'TRIM_HORIZON', deliver });

    await pump.drain();

    expect(delivered).toEqual([['1']]);
    expect(calls.filter((call) => call.startsWith('GetShardIterator'))).toEqual(['GetShardIterator s TRIM_HORIZON', 'GetShardIterator s TRIM_HORIZON']);
  });

  it('applies the filter like Lambda event filtering: refused records are never delivered', async () => {
    const shards: ScriptedShard[] = [{ id: 's', records: [streamRecord(1), streamRecord(2, 'REMOVE'), streamRecord(3, 'MODIFY')], closed: true }];
    const { client } = scriptedStreams(shards);
    const { delivered, deliver } = recorder();
    const pump = await StreamPump.open({ ...base, streams: client, startingPosition: 'TRIM_HORIZON', filter: (record) => record.eventName !== 'REMOVE', deliver });

    await pump.drain();

    expect(delivered).toEqual([['1', '3']]);
  });

  it('shapes records as Lambda delivers them: epoch-second times, Base64 binaries, the stream ARN', () => {
    const record = toLambdaRecord(streamRecord(9), ARN);

    expect(record).toEqual({
      eventID: 'e-9',
      eventName: 'INSERT',
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: 'ddblocal',
      eventSourceARN: ARN,
      dynamodb: {
        ApproximateCreationDateTime: Date.parse('2026-11-24T15:41:00Z') / 1000,
        Keys: { pk: { S: 'CALL#9^1' }, sk: { S: 'CALL' } },
        NewImage: { pk: { S: 'CALL#9^1' }, sk: { S: 'CALL' }, blob: { B: 'AQID' }, n: { N: '7' } },
        SequenceNumber: '000000000000000000009',
        SizeBytes: 40,
        StreamViewType: 'NEW_AND_OLD_IMAGES',
      },
    });
  });
});
