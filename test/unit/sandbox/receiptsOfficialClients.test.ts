/**
 * Fidelity of the receipts path: Alibaba's own clients, unchanged, against the sandbox.
 * `@alicloud/pop-core` (or `@alicloud/openapi-client`) fetches the token from dybaseapi (docs/alibaba/receipts.md#querytokenformnsqueue);
 * `@alicloud/mns` 1.2.0 uses it - STS key, `security-token` header, its own Content-MD5 and
 * x-mns-date - to long-poll, receive and delete (docs/alibaba/mns.md). If one of these fails, the sandbox
 * differs from Alibaba.
 */
import { describe, expect, it } from 'vitest';
import {
  CALL_ID_PATTERN,
  decodeReceipt,
  officialMnsClient,
  openApiClient,
  popCoreClient,
  useSandbox,
  type MessageType,
  type OfficialMnsClient,
} from './helpers.ts';

const KEY = { accessKeyId: 'LTAIreceiptsOfficial', accessKeySecret: 'receipts-official-secret' };

const sandbox = useSandbox({ keys: [KEY], flowControl: false, receiptDelayMs: 0 });

/** The official way: pop-core asks dybaseapi for the queue's token, @alicloud/mns uses it. */
async function officialQueue(messageType: MessageType): Promise<{ client: OfficialMnsClient; queue: string }> {
  const queue = sandbox.queueNames[messageType];
  const answer = await popCoreClient(sandbox, KEY).request(
    'QueryTokenForMnsQueue',
    { MessageType: messageType, QueueName: queue, RegionId: 'cn-hangzhou' },
    { method: 'POST' },
  );
  const dto = answer.MessageTokenDTO as Record<string, string>;
  const client = officialMnsClient(sandbox, {
    accessKeyId: dto.AccessKeyId!,
    accessKeySecret: dto.AccessKeySecret!,
    securityToken: dto.SecurityToken!,
  });
  return { client, queue };
}

async function placeTts(calledNumber: string, outId: string): Promise<string> {
  const answer = await popCoreClient(sandbox, KEY).request(
    'SingleCallByTts',
    { CalledNumber: calledNumber, CalledShowNumber: '057100000000', TtsCode: 'TTS_123456789', OutId: outId },
    { method: 'POST' },
  );
  return answer.CallId as string;
}

describe('@alicloud/mns with a QueryTokenForMnsQueue token from @alicloud/pop-core', () => {
  it("receives a placed call's receipts, deletes them, and then finds the queue empty", async () => {
    const callId = await placeTts('13900000010', 'order-001');
    const { client, queue } = await officialQueue('VoiceReport');

    const received = await client.batchReceiveMessage(queue, 16, 1);
    const deleted = await client.batchDeleteMessage(queue, received.body.map((message: any) => message.ReceiptHandle));
    const empty = client.batchReceiveMessage(queue, 16, 1);

    expect(callId).toMatch(CALL_ID_PATTERN);
    expect(received.code).toBe(200);
    expect(received.body).toHaveLength(1);
    expect(received.body[0]).toMatchObject({ DequeueCount: '1', Priority: '8' });
    expect(decodeReceipt(received.body[0].MessageBody)).toMatchObject({
      call_id: callId,
      out_id: 'order-001',
      status_code: '200000',
      smart_status_code: 'ANSWERED',
      duration: '22',
    });
    expect(deleted.code).toBe(204);
    await expect(empty).rejects.toMatchObject({ name: 'MNSMessageNotExistError' });
    // The client really sent what docs/alibaba/mns.md says it sends (docs/alibaba/mns.md#headers).
    expect(sandbox.control.mnsRequests().map((request) => [request.operation, request.response?.httpStatus])).toEqual([
      ['BatchReceiveMessage', 200],
      ['BatchDeleteMessage', 204],
      ['BatchReceiveMessage', 404],
    ]);
    expect(sandbox.control.mnsRequests()[0]!.resource).toBe(`/queues/${queue}/messages?numOfMessages=16&waitseconds=1`);
  });

  it('receives the intermediate states in order from the VoiceCallReport queue', async () => {
    const callId = await placeTts('13900000010', 'order-002');
    const { client, queue } = await officialQueue('VoiceCallReport');

    const received = await client.batchReceiveMessage(queue, 16, 1);

    expect(received.body.map((message: any) => decodeReceipt(message.MessageBody))).toEqual([
      expect.objectContaining({ call_id: callId, status_code: '200101' }),
      expect.objectContaining({ call_id: callId, status_code: '200201' }),
      expect.objectContaining({ call_id: callId, status_code: '200103', smart_status_code: 'ANSWERED' }),
    ]);
  });

  it('sees a partial batch-delete failure as a 404 listing the failed handles', async () => {
    sandbox.control.enqueue({ messageType: 'VoiceReport', receipts: [{ call_id: 'c{n}' }], count: 3 });
    const { client, queue } = await officialQueue('VoiceReport');
    const handles = (await client.batchReceiveMessage(queue, 16)).body.map((message: any) => message.ReceiptHandle as string);
    await client.batchDeleteMessage(queue, [handles[0]!]);

    const answer = await client.batchDeleteMessage(queue, [handles[0]!, handles[1]!, '1-bm90LWEtaGFuZGxl', handles[2]!]);

    expect(answer.code).toBe(404);
    expect(answer.body).toEqual([
      { ErrorCode: 'MessageNotExist', ErrorMessage: 'Message not exist.', ReceiptHandle: handles[0] },
      { ErrorCode: 'ReceiptHandleError', ErrorMessage: 'The receipt handle you provide is not valid.', ReceiptHandle: '1-bm90LWEtaGFuZGxl' },
    ]);
    expect(sandbox.control.queues()[0]).toMatchObject({ visible: 0, inFlight: 0, deletedTotal: 3 });
  });

  it('deletes one by one with unescaped handles in the query, + / = included', async () => {
    sandbox.control.enqueue({ messageType: 'VoiceReport', receipts: [{ call_id: 'c{n}' }], count: 48 });
    const { client, queue } = await officialQueue('VoiceReport');
    const handles: string[] = [];
    for (let batch = 0; batch < 3; batch += 1) {
      handles.push(...(await client.batchReceiveMessage(queue, 16)).body.map((message: any) => message.ReceiptHandle as string));
    }

    const codes = [];
    for (const handle of handles) codes.push((await client.deleteMessage(queue, handle)).code);

    expect(handles.some((handle) => /[+/]/.test(handle))).toBe(true);
    expect(new Set(codes)).toEqual(new Set([204]));
    expect(sandbox.control.queues()[0]).toMatchObject({ visible: 0, inFlight: 0, deletedTotal: 48 });
  });

  it('receives one message at a time with receiveMessage', async () => {
    sandbox.control.enqueue({ messageType: 'VoiceReport', receipts: [{ call_id: 'one' }, { call_id: 'two' }] });
    const { client, queue } = await officialQueue('VoiceReport');

    const first = await client.receiveMessage(queue, 1);

    expect(decodeReceipt(first.body.MessageBody)).toEqual({ call_id: 'one' });
    expect(sandbox.control.queues()[0]).toMatchObject({ visible: 1, inFlight: 1 });
  });

  it("returns from a long poll when a placed call's receipt arrives", async () => {
    sandbox.control.setReceiptSettings({ receiptDelayMs: 100 });
    const { client, queue } = await officialQueue('VoiceCallReport');
    const polling = client.batchReceiveMessage(queue, 16, 10);

    const callId = await placeTts('13900000011', 'busy-1');
    const received = await polling;

    expect(received.body.map((message: any) => decodeReceipt(message.MessageBody))).toEqual([
      expect.objectContaining({ call_id: callId, status_code: '200101' }),
    ]);
  });

  it('is refused with an expired token, and with a token of another queue', async () => {
    const { client, queue } = await officialQueue('VoiceReport');
    sandbox.control.expireTokens();
    const { client: otherQueue } = await officialQueue('VoiceCallReport');

    await expect(client.batchReceiveMessage(queue, 16)).rejects.toMatchObject({ name: 'MNSAccessDeniedError' });
    await expect(otherQueue.batchReceiveMessage(queue, 16)).rejects.toMatchObject({ name: 'MNSAccessDeniedError' });
  });
});

/**
 * `@alicloud/openapi-client` and `@alicloud/mns` send through the `httpx` module's shared keep-alive
 * agent, and an openapi-client call leaves its read timer (3 s by default) armed on the socket it
 * used. A long poll on that same socket has its own timer cleared when the old one fires, and its
 * answer, when it comes, is reported as `RequestTimeoutError: ReadTimeout`. At Alibaba MNS is
 * another host, so the two never share a socket; the sandbox's MNS has an origin of its own for
 * the same reason (sandbox/README.md, "Endpoints").
 */
describe('@alicloud/mns long polls after @alicloud/openapi-client (V3) calls in the same process', () => {
  /** The generated dybaseapi SDK's way: QueryTokenForMnsQueue through openapi-client, V3-signed. */
  async function teaQueue(messageType: MessageType): Promise<{ client: OfficialMnsClient; queue: string }> {
    const queue = sandbox.queueNames[messageType];
    const { body } = await openApiClient(sandbox, KEY)({ action: 'QueryTokenForMnsQueue', query: { MessageType: messageType, QueueName: queue } });
    const dto = body.MessageTokenDTO as Record<string, string>;
    const client = officialMnsClient(sandbox, { accessKeyId: dto.AccessKeyId!, accessKeySecret: dto.AccessKeySecret!, securityToken: dto.SecurityToken! });
    return { client, queue };
  }

  it('waits out an empty long poll and answers 404 MessageNotExist, not a read timeout', async () => {
    const { client, queue } = await teaQueue('VoiceReport');

    const polled = client.batchReceiveMessage(queue, 16, 5);

    await expect(polled).rejects.toMatchObject({ name: 'MNSMessageNotExistError' });
    expect(sandbox.control.mnsRequests().map((request) => [request.resource, request.response?.httpStatus])).toEqual([
      [`/queues/${queue}/messages?numOfMessages=16&waitseconds=5`, 404],
    ]);
  });

  it('returns from a waiting long poll with the receipt of a call placed through openapi-client', async () => {
    sandbox.control.setReceiptSettings({ receiptDelayMs: 4_000 });
    const placed = await openApiClient(sandbox, KEY)({
      action: 'SingleCallByTts',
      query: { CalledNumber: '13900000011', CalledShowNumber: '057100000000', TtsCode: 'TTS_123456789', OutId: 'busy-tea' },
    });
    const { client, queue } = await teaQueue('VoiceCallReport');

    const received = await client.batchReceiveMessage(queue, 16, 10);

    expect(placed.body.CallId).toMatch(CALL_ID_PATTERN);
    expect(received.body.map((message: any) => decodeReceipt(message.MessageBody))).toEqual([
      expect.objectContaining({ call_id: placed.body.CallId, out_id: 'busy-tea', status_code: '200101' }),
    ]);
  });
});
