/**
 * The drain row's ceiling: the very items the poller wrote (read back from its table before the
 * clock starts), written raw into a fresh table with BatchWriteItem, 25 per request, the store's
 * number of requests in flight, UnprocessedItems sent again. Nothing else: no MNS, no decoding,
 * no conditions. The client is configured like shared/store/dynamoClient.ts.
 */
import { BatchWriteItemCommand, DynamoDBClient, ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { serveWorker } from '../lib/workerProtocol.ts';

const BATCH_WRITE_MAX_ITEMS = 25;

serveWorker({
  async run(payload: { endpoint: string; source: string; target: string; concurrency: number; pkPrefix: string }) {
    const client = new DynamoDBClient({
      endpoint: payload.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 3,
      requestHandler: { connectionTimeout: 1_000, requestTimeout: 2_000 },
    });
    const items: Record<string, AttributeValue>[] = [];
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const page = await client.send(new ScanCommand({ TableName: payload.source, ExclusiveStartKey: startKey }));
      // Only the measured drain's items (its calls' keys), not the warm-up's.
      items.push(...(page.Items ?? []).filter((item) => item.pk?.S?.startsWith(payload.pkPrefix)));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    const receiptItems = items.filter((item) => item.sk?.S?.startsWith('RECEIPT#')).length;
    const callItems = items.filter((item) => item.sk?.S === 'CALL').length;

    const chunks: Record<string, AttributeValue>[][] = [];
    for (let start = 0; start < items.length; start += BATCH_WRITE_MAX_ITEMS) chunks.push(items.slice(start, start + BATCH_WRITE_MAX_ITEMS));
    let next = 0;
    let requests = 0;
    const lane = async () => {
      while (next < chunks.length) {
        let pending = chunks[next++]!.map((item) => ({ PutRequest: { Item: item } }));
        while (pending.length > 0) {
          requests += 1;
          const output = await client.send(new BatchWriteItemCommand({ RequestItems: { [payload.target]: pending } }));
          pending = (output.UnprocessedItems?.[payload.target] ?? []) as typeof pending;
        }
      }
    };
    const started = performance.now();
    await Promise.all(Array.from({ length: Math.min(payload.concurrency, chunks.length) }, lane));
    const elapsedMs = performance.now() - started;
    return { items: items.length, receiptItems, callItems, requests, elapsedMs };
  },
});
