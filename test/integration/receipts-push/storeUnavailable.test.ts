/**
 * A push that cannot be stored must not be answered 200 (docs/alibaba/receipts.md#flow: any other answer makes Alibaba
 * redeliver after 1, 5 and 10 minutes). This file's handler is wired to a DynamoDB endpoint where
 * nothing listens; the domain function is also run against one that accepts connections and never
 * answers, to show the store gives up at its deadline.
 */
import { createServer as createNetServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StoreUnavailableError } from '#shared/errors';
import { createLogger } from '#shared/logger';
import { acceptReceiptPush } from '#shared/receipts/push';
import { dynamoClient } from '#shared/store/dynamoClient';
import { DynamoReceiptStore } from '#shared/store/receiptStore';
import { expectProblem, loadPushHandler, newCallId, push, TEST_PUSH_TOKEN, voiceReport, type PushHandler } from './support.ts';

let handler: PushHandler;
let hanging: Server;
const sockets = new Set<Socket>();
let hangingEndpoint: string;
const savedEndpoint = process.env.DYNAMODB_ENDPOINT;

/** A port nothing listens on: bound, then released. */
async function deadPort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

beforeAll(async () => {
  process.env.DYNAMODB_ENDPOINT = `http://127.0.0.1:${await deadPort()}`;
  handler = await loadPushHandler();
  hanging = createNetServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
  hangingEndpoint = `http://127.0.0.1:${(hanging.address() as AddressInfo).port}`;
});

afterAll(async () => {
  process.env.DYNAMODB_ENDPOINT = savedEndpoint;
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => hanging.close(resolve));
});

describe('pushReceipts with DynamoDB unreachable', () => {
  it('answers 503 problem+json (not 200, not code 0) with no internal detail, and logs the failure', async () => {
    const started = Date.now();
    const response = await push(handler, { messageType: 'VoiceReport', body: [voiceReport(newCallId())] });
    const output = response.log;
    const elapsed = Date.now() - started;

    expectProblem(response, 503, 'STORE_UNAVAILABLE');
    expect(response.text).not.toMatch(/127\.0\.0\.1|ECONNREFUSED|stack/);
    expect(response.text).not.toContain(TEST_PUSH_TOKEN);
    expect(output).toContain('receipt push not stored');
    expect(output).not.toContain(TEST_PUSH_TOKEN);
    // Bounded by the store budget (3 s), not by the Lambda's 10 s.
    expect(elapsed).toBeLessThan(4_000);
  });

  it('still checks the token first: a wrong token is 401 even while DynamoDB is down', async () => {
    const response = await push(handler, { messageType: 'VoiceReport', token: 'wrong-token-of-some-length', body: [] });

    expectProblem(response, 401, 'UNAUTHORIZED');
  });

  it('gives up at the deadline when DynamoDB accepts connections but never answers', async () => {
    const store = new DynamoReceiptStore(dynamoClient(hangingEndpoint), process.env.CALLS_TABLE!, 30);
    const deps = {
      messageTypes: new Set(['VoiceReport']),
      store,
      pushToken: async () => TEST_PUSH_TOKEN,
      logger: createLogger({}, { write: () => undefined }),
    };
    const started = Date.now();

    const error = await acceptReceiptPush(
      { messageType: 'VoiceReport', token: TEST_PUSH_TOKEN, body: () => Buffer.from(JSON.stringify([voiceReport(newCallId())])), requestId: 'hang' },
      deps,
      { deadline: started + 400 },
    ).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect(Date.now() - started).toBeGreaterThanOrEqual(350);
    expect(Date.now() - started).toBeLessThan(1_500);
  });
});
