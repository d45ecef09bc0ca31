/**
 * The receipt queues' MNS API (docs/alibaba/mns.md), driven by our own signer: authentication with the
 * temporary credentials of QueryTokenForMnsQueue, long polling, visibility timeouts and
 * redelivery, batch deletes with partial failures, fault injection and a deep backlog.
 */
import { createHash } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mnsSignature, mnsStringToSign, signMnsRequest, type AlibabaCredentials } from '#shared/signing/index';
import {
  controlRequest,
  decodeReceipt,
  deleteMessages,
  expectMnsError,
  messagesOf,
  mnsRequest,
  parseMnsXml,
  queryToken,
  rawHttp,
  receiptHandlesXml,
  receiveMessages,
  useSandbox,
  type MnsAnswer,
} from './helpers.ts';

const KEY = { accessKeyId: 'LTAImnsTests', accessKeySecret: 'mns-tests-secret' };
/** Long enough that nothing reappears by accident; redelivery tests shorten it. */
const VISIBILITY_MS = 10_000;

const sandbox = useSandbox({ keys: [KEY], visibilityTimeoutMs: VISIBILITY_MS, receiptDelayMs: 0 });
let queue: string;
let token: AlibabaCredentials;

// Vitest runs before-hooks in the order they are registered: these run once useSandbox's have started (and before each test reset) the sandbox.
beforeAll(() => {
  queue = sandbox.queueNames.VoiceReport;
});
beforeEach(async () => {
  token = await queryToken(sandbox, KEY, 'VoiceReport');
});

function enqueue(count = 1): string[] {
  return sandbox.control.enqueue({ messageType: 'VoiceReport', receipts: [{ call_id: 'call-{n}', status_code: '200000' }], count })
    .messageIds;
}

const receive = (options?: { numOfMessages?: number; waitSeconds?: number }): Promise<MnsAnswer> =>
  receiveMessages(sandbox, queue, token, options);

describe('authentication (docs/alibaba/mns.md#headers, docs/alibaba/signatures.md#mns-signature)', () => {
  it('accepts a request signed with the token, security-token in its own header', async () => {
    const answer = await receive();

    expectMnsError(answer, 'MessageNotExist', 404);
    expect(answer.headers['x-mns-request-id']).toMatch(/^[0-9A-F]{24}$/);
    expect(answer.headers['content-type']).toBe('text/xml;charset=utf-8');
    expect(sandbox.control.mnsRequests()).toEqual([
      expect.objectContaining({
        operation: 'BatchReceiveMessage',
        queue,
        accessKeyId: token.accessKeyId,
        resource: `/queues/${queue}/messages?numOfMessages=16`,
        response: { httpStatus: 404, code: 'MessageNotExist' },
      }),
    ]);
  });

  it.each([
    ['no Authorization', (h: Record<string, string>) => delete h.authorization, 'MissingAuthorizationHeader', 400],
    ['an Authorization of another scheme', (h: Record<string, string>) => (h.authorization = h.authorization!.replace('MNS ', 'ACS ')), 'InvalidAuthorizationHeader', 400],
    ['no Date', (h: Record<string, string>) => delete h.date, 'MissingDateHeader', 400],
    ['a Date that is not RFC 1123', (h: Record<string, string>) => (h.date = new Date().toISOString()), 'InvalidDateHeader', 400],
    ['no x-mns-version', (h: Record<string, string>) => delete h['x-mns-version'], 'MissingVersionHeader', 400],
    ['another x-mns-version', (h: Record<string, string>) => (h['x-mns-version'] = '2014-07-08'), 'InvalidVersionHeader', 400],
    ['no security-token', (h: Record<string, string>) => delete h['security-token'], 'InvalidAccessKeyId', 403],
    ['an x-mns header added after signing', (h: Record<string, string>) => (h['x-mns-user-request-id'] = 'late'), 'SignatureDoesNotMatch', 403],
  ])('refuses a request with %s', async (_label, tamper, code, status) => {
    enqueue();

    const answer = await mnsRequest(sandbox, { method: 'GET', resource: `/queues/${queue}/messages?numOfMessages=16`, credentials: token, tamper });

    expectMnsError(answer, code, status);
    // Nothing was handed out, and a refused request is not a verified one.
    expect(sandbox.control.queues()[0]).toMatchObject({ visible: 1, inFlight: 0, receivedTotal: 0 });
    expect(sandbox.control.mnsRequests()).toEqual([]);
  });

  it('refuses a signature made with another secret (403 SignatureDoesNotMatch, with the string to sign)', async () => {
    const answer = await receiveMessages(sandbox, queue, { ...token, accessKeySecret: 'forged' });

    expectMnsError(answer, 'SignatureDoesNotMatch', 403);
    expect(parseMnsXml(answer.text).Error.Message).toContain(`x-mns-version:2015-06-06\\n/queues/${queue}/messages?numOfMessages=16`);
  });

  it('signs the query as sent: changing it after signing breaks the signature', async () => {
    const headers = signMnsRequest({ method: 'GET', resource: `/queues/${queue}/messages?numOfMessages=16`, credentials: token });

    const answer = await rawHttp(sandbox.mnsPort, 'GET', `/queues/${queue}/messages?numOfMessages=15`, headers);

    expectMnsError(answer, 'SignatureDoesNotMatch', 403);
  });

  it('accepts x-mns-* headers that were signed', async () => {
    const headers = signMnsRequest({ method: 'GET', resource: `/queues/${queue}/messages?numOfMessages=16`, credentials: token });
    const withExtra = resigned({ ...headers, 'x-mns-user-request-id': 'mine' }, 'GET', `/queues/${queue}/messages?numOfMessages=16`, token);

    expectMnsError(await rawHttp(sandbox.mnsPort, 'GET', `/queues/${queue}/messages?numOfMessages=16`, withExtra), 'MessageNotExist', 404);
  });

  it('refuses a key it never issued, such as the long-term AccessKey (403 InvalidAccessKeyId)', async () => {
    expectMnsError(await receiveMessages(sandbox, queue, KEY), 'InvalidAccessKeyId', 403);
  });

  it("refuses another token's security-token (403 InvalidAccessKeyId)", async () => {
    const other = await queryToken(sandbox, KEY, 'VoiceReport');

    expectMnsError(await receiveMessages(sandbox, queue, { ...token, securityToken: other.securityToken! }), 'InvalidAccessKeyId', 403);
  });

  it('refuses a token of another message type (403 AccessDenied)', async () => {
    const callReports = await queryToken(sandbox, KEY, 'VoiceCallReport');

    const answer = await receiveMessages(sandbox, queue, callReports);

    expectMnsError(answer, 'AccessDenied', 403);
    expect(parseMnsXml(answer.text).Error.Message).toContain(sandbox.queueNames.VoiceCallReport);
  });

  it('refuses an expired token (403 AccessDenied) until a new one is fetched', async () => {
    enqueue();

    const expired = await controlRequest(sandbox, 'POST', 'tokens/expire');
    const refused = await receive();
    const fresh = await queryToken(sandbox, KEY, 'VoiceReport');
    const accepted = await receiveMessages(sandbox, queue, fresh);

    expect(expired.body).toEqual({ expired: 1 });
    expectMnsError(refused, 'AccessDenied', 403);
    expect(parseMnsXml(refused.text).Error.Message).toMatch(/expired/);
    expect(messagesOf(accepted)).toHaveLength(1);
  });

  it('accepts a Date 14 minutes off and refuses one 16 minutes off (408 TimeExpired)', async () => {
    const at = (minutes: number): Promise<MnsAnswer> =>
      mnsRequest(sandbox, {
        method: 'GET',
        resource: `/queues/${queue}/messages?numOfMessages=1`,
        credentials: token,
        date: new Date(Date.now() + minutes * 60_000),
      });

    expectMnsError(await at(-14), 'MessageNotExist', 404);
    expectMnsError(await at(14), 'MessageNotExist', 404);
    expectMnsError(await at(-16), 'TimeExpired', 408);
    expectMnsError(await at(16), 'TimeExpired', 408);
  });

  it.each([
    ['peeking', 'GET', '/messages?peekonly=true'],
    ['sending', 'POST', '/messages'],
    ['changing visibility', 'PUT', '/messages?receiptHandle=1-abc&visibilityTimeout=10'],
    ['reading queue attributes', 'GET', ''],
  ] as const)('refuses %s with the receipt token (403 AccessDenied)', async (_label, method, suffix) => {
    const answer = await mnsRequest(sandbox, { method, resource: `/queues/${queue}${suffix}`, credentials: token });

    expectMnsError(answer, 'AccessDenied', 403);
  });

  it('checks Content-MD5 when sent: Base64 of the hex MD5, as @alicloud/mns computes it', async () => {
    const [handle] = messagesOf(await (enqueue(2), receive())).map((message) => message.ReceiptHandle);
    const body = receiptHandlesXml([handle!]);
    const hex = createHash('md5').update(body).digest('hex');
    const send = (contentMd5: string): Promise<MnsAnswer> =>
      mnsRequest(sandbox, { method: 'DELETE', resource: `/queues/${queue}/messages`, credentials: token, body, contentMd5 });

    const rawDigest = await send(createHash('md5').update(body).digest('base64'));
    const hexBase64 = await send(Buffer.from(hex).toString('base64'));

    expectMnsError(rawDigest, 'InvalidDegist', 400);
    expect(hexBase64.status).toBe(204);
  });
});

describe('BatchReceiveMessage (docs/alibaba/mns.md#batchreceivemessage)', () => {
  it('hands out messages as <Messages>, elements in spec order, and makes them invisible', async () => {
    const [messageId] = enqueue();
    const before = Date.now();

    const answer = await receive({ numOfMessages: 16 });

    expect(answer.text).toMatch(
      /^<\?xml version="1\.0" encoding="UTF-8"\?>\s*<Messages xmlns="http:\/\/mns\.aliyuncs\.com\/doc\/v1\/">\s*<Message>\s*<MessageId>[^<]+<\/MessageId>\s*<ReceiptHandle>[^<]+<\/ReceiptHandle>\s*<MessageBodyMD5>[0-9A-F]{32}<\/MessageBodyMD5>\s*<MessageBody>[^<]+<\/MessageBody>\s*<EnqueueTime>\d{13}<\/EnqueueTime>\s*<NextVisibleTime>\d{13}<\/NextVisibleTime>\s*<FirstDequeueTime>\d{13}<\/FirstDequeueTime>\s*<DequeueCount>1<\/DequeueCount>\s*<Priority>8<\/Priority>\s*<\/Message>\s*<\/Messages>$/,
    );
    const [message] = messagesOf(answer);
    expect(message!.MessageId).toBe(messageId);
    expect(decodeReceipt(message!.MessageBody)).toEqual({ call_id: 'call-1', status_code: '200000' });
    expect(message!.MessageBodyMD5).toBe(createHash('md5').update(message!.MessageBody).digest('hex').toUpperCase());
    expect(Number(message!.FirstDequeueTime)).toBeGreaterThanOrEqual(Number(message!.EnqueueTime));
    expect(Number(message!.FirstDequeueTime)).toBeGreaterThanOrEqual(before - 5);
    expect(Number(message!.NextVisibleTime) - Number(message!.FirstDequeueTime)).toBe(VISIBILITY_MS);
    expect(sandbox.control.queues()[0]).toMatchObject({ visible: 0, inFlight: 1, receivedTotal: 1, deletedTotal: 0 });
    expectMnsError(await receive(), 'MessageNotExist', 404);
  });

  it('hands out at most numOfMessages, oldest first', async () => {
    const ids = enqueue(20);

    const first = messagesOf(await receive({ numOfMessages: 16 }));
    const second = messagesOf(await receive({ numOfMessages: 16 }));
    const third = messagesOf(await (enqueue(3), receive({ numOfMessages: 2 })));

    expect(first.map((message) => message.MessageId)).toEqual(ids.slice(0, 16));
    expect(second.map((message) => message.MessageId)).toEqual(ids.slice(16));
    expect(third).toHaveLength(2);
  });

  it('answers ReceiveMessage (no numOfMessages) with one <Message>', async () => {
    enqueue(2);

    const answer = await mnsRequest(sandbox, { method: 'GET', resource: `/queues/${queue}/messages?waitseconds=1`, credentials: token });

    expect(answer.status).toBe(200);
    expect(parseMnsXml(answer.text).Message).toMatchObject({ DequeueCount: '1', Priority: '8' });
    expect(sandbox.control.queues()[0]).toMatchObject({ visible: 1, inFlight: 1 });
  });

  it.each([
    ['numOfMessages=0', 'numOfMessages=0'],
    ['numOfMessages=17', 'numOfMessages=17'],
    ['numOfMessages=abc', 'numOfMessages=abc'],
    ['an empty numOfMessages', 'numOfMessages='],
    ['waitseconds=31', 'numOfMessages=16&waitseconds=31'],
    ['waitseconds=-1', 'numOfMessages=16&waitseconds=-1'],
  ])('refuses %s (400 InvalidArgument)', async (_label, query) => {
    enqueue();

    const answer = await mnsRequest(sandbox, { method: 'GET', resource: `/queues/${queue}/messages?${query}`, credentials: token });

    expectMnsError(answer, 'InvalidArgument', 400);
    expect(sandbox.control.queues()[0]!.visible).toBe(1);
  });

  it('long-polls an empty queue for waitseconds, then answers 404 MessageNotExist', async () => {
    const started = performance.now();

    const answer = await receive({ waitSeconds: 1 });

    expect(performance.now() - started).toBeGreaterThanOrEqual(950);
    expectMnsError(answer, 'MessageNotExist', 404);
    expect(parseMnsXml(answer.text).Error.Message).toBe('Message not exist.');
  });

  it('answers a long poll as soon as a message is enqueued', async () => {
    const polling = receive({ waitSeconds: 10 });
    await sleep(100);
    const [messageId] = enqueue();

    const messages = messagesOf(await polling);

    expect(messages.map((message) => message.MessageId)).toEqual([messageId]);
  });

  it('does not hand messages to a long poll whose client went away', async () => {
    const headers = signMnsRequest({ method: 'GET', resource: `/queues/${queue}/messages?numOfMessages=16&waitseconds=10`, credentials: token });
    const abandoned = httpRequest({ host: '127.0.0.1', port: sandbox.mnsPort, path: `/queues/${queue}/messages?numOfMessages=16&waitseconds=10`, headers });
    abandoned.on('error', () => undefined);
    abandoned.end();
    await sleep(100);
    abandoned.destroy();
    await sleep(50);

    enqueue();

    expect(sandbox.control.queues()[0]).toMatchObject({ visible: 1, inFlight: 0, receivedTotal: 0 });
    expect(messagesOf(await receive())).toHaveLength(1);
  });
});

describe('visibility timeout and redelivery (docs/alibaba/mns.md#batchreceivemessage)', () => {
  beforeEach(() => {
    sandbox.control.setReceiptSettings({ visibilityTimeoutMs: 200 });
  });

  it('redelivers an undeleted message with DequeueCount 2 and a new handle; the old handle then fails', async () => {
    const [first] = messagesOf(await (enqueue(), receive()));
    await sleep(250);
    const [again] = messagesOf(await receive());
    // Keep the redelivered message in flight while we delete.
    sandbox.control.setReceiptSettings({ visibilityTimeoutMs: VISIBILITY_MS });

    const stale = await deleteMessages(sandbox, queue, token, [first!.ReceiptHandle]);
    const current = await deleteMessages(sandbox, queue, token, [again!.ReceiptHandle]);

    expect(again).toMatchObject({ MessageId: first!.MessageId, DequeueCount: '2', FirstDequeueTime: first!.FirstDequeueTime, EnqueueTime: first!.EnqueueTime });
    expect(again!.ReceiptHandle).not.toBe(first!.ReceiptHandle);
    expect(stale.status).toBe(404);
    expect(parseMnsXml(stale.text).Errors.Error).toEqual([
      { ErrorCode: 'ReceiptHandleError', ErrorMessage: 'The receipt handle you provide is not valid.', ReceiptHandle: first!.ReceiptHandle },
    ]);
    expect(current.status).toBe(204);
    expect(sandbox.control.queues()[0]).toMatchObject({ visible: 0, inFlight: 0, receivedTotal: 2, deletedTotal: 1 });
  });

  it('refuses a handle whose window has passed even before the message is received again', async () => {
    const [message] = messagesOf(await (enqueue(), receive()));
    await sleep(250);

    const answer = await deleteMessages(sandbox, queue, token, [message!.ReceiptHandle]);

    expect(answer.status).toBe(404);
    expect(parseMnsXml(answer.text).Errors.Error[0].ErrorCode).toBe('ReceiptHandleError');
    expect(sandbox.control.queues()[0]).toMatchObject({ visible: 1, inFlight: 0 });
  });

  it('does not redeliver a message deleted in time', async () => {
    const [message] = messagesOf(await (enqueue(), receive()));
    expect((await deleteMessages(sandbox, queue, token, [message!.ReceiptHandle])).status).toBe(204);
    await sleep(250);

    expectMnsError(await receive(), 'MessageNotExist', 404);
  });

  it('answers a long poll when an in-flight message becomes visible again', async () => {
    const [message] = messagesOf(await (enqueue(), receive()));
    const started = performance.now();

    const [redelivered] = messagesOf(await receive({ waitSeconds: 5 }));

    expect(performance.now() - started).toBeGreaterThanOrEqual(150);
    expect(redelivered).toMatchObject({ MessageId: message!.MessageId, DequeueCount: '2' });
  });

  it('keeps counting: DequeueCount 3 on the third delivery', async () => {
    enqueue();
    messagesOf(await receive());
    await sleep(250);
    messagesOf(await receive());
    await sleep(250);

    const [third] = messagesOf(await receive());

    expect(third!.DequeueCount).toBe('3');
  });

  it('follows a visibility timeout changed at run time over HTTP', async () => {
    const changed = await controlRequest(sandbox, 'PUT', 'receipt-settings', { visibilityTimeoutMs: 1234 });
    const [message] = messagesOf(await (enqueue(), receive()));

    expect(changed.body).toMatchObject({ visibilityTimeoutMs: 1234 });
    expect(Number(message!.NextVisibleTime) - Number(message!.FirstDequeueTime)).toBe(1234);
  });
});

describe('BatchDeleteMessage and DeleteMessage (docs/alibaba/mns.md#batchdeletemessage)', () => {
  it('answers 204 without a body when every handle was deleted', async () => {
    const handles = messagesOf(await (enqueue(3), receive())).map((message) => message.ReceiptHandle);

    const answer = await deleteMessages(sandbox, queue, token, handles);

    expect(answer.status).toBe(204);
    expect(answer.text).toBe('');
    expect(answer.headers['x-mns-request-id']).toMatch(/^[0-9A-F]{24}$/);
    expect(sandbox.control.queues()[0]).toMatchObject({ visible: 0, inFlight: 0, deletedTotal: 3 });
    expect(sandbox.control.mnsRequests()[1]).toMatchObject({ operation: 'BatchDeleteMessage', receiptHandles: handles, response: { httpStatus: 204 } });
  });

  it('answers 404 <Errors> listing only the handles that failed, and deletes the rest', async () => {
    const [a, b, c] = messagesOf(await (enqueue(3), receive())).map((message) => message.ReceiptHandle);
    await deleteMessages(sandbox, queue, token, [a!]);

    const answer = await deleteMessages(sandbox, queue, token, [a!, b!, 'not-a-handle', c!]);

    expect(answer.status).toBe(404);
    expect(answer.text).toMatch(/^<\?xml version="1\.0" encoding="UTF-8"\?>\s*<Errors xmlns="http:\/\/mns\.aliyuncs\.com\/doc\/v1\/">/);
    expect(parseMnsXml(answer.text).Errors.Error).toEqual([
      { ErrorCode: 'MessageNotExist', ErrorMessage: 'Message not exist.', ReceiptHandle: a },
      { ErrorCode: 'ReceiptHandleError', ErrorMessage: 'The receipt handle you provide is not valid.', ReceiptHandle: 'not-a-handle' },
    ]);
    expect(sandbox.control.queues()[0]).toMatchObject({ visible: 0, inFlight: 0, deletedTotal: 3 });
  });

  it.each([
    ['text that is not XML', 'receipt handles'],
    ['unclosed XML', '<ReceiptHandles><ReceiptHandle>1-abc</ReceiptHandle>'],
    ['another root element', '<Handles><ReceiptHandle>1-abc</ReceiptHandle></Handles>'],
    ['other elements inside', '<ReceiptHandles><ReceiptHandle>1-abc</ReceiptHandle><Other>x</Other></ReceiptHandles>'],
    ['an empty ReceiptHandle', '<ReceiptHandles><ReceiptHandle></ReceiptHandle></ReceiptHandles>'],
    ['no body', ''],
  ])('refuses %s (400 MalformedXML)', async (_label, body) => {
    const answer = await mnsRequest(sandbox, { method: 'DELETE', resource: `/queues/${queue}/messages`, credentials: token, body });

    expectMnsError(answer, 'MalformedXML', 400);
  });

  it.each([0, 17])('refuses %i handles (400 InvalidArgument)', async (count) => {
    const handles = Array.from({ length: count }, (_, index) => `1-handle${index}`);

    expectMnsError(await deleteMessages(sandbox, queue, token, handles), 'InvalidArgument', 400);
  });

  it('deletes one message by ?ReceiptHandle=, escaped or not, and 404s the second time', async () => {
    const [a, b] = messagesOf(await (enqueue(2), receive())).map((message) => message.ReceiptHandle);
    const single = (resource: string): Promise<MnsAnswer> =>
      mnsRequest(sandbox, { method: 'DELETE', resource: `/queues/${queue}/messages?${resource}`, credentials: token });

    const raw = await single(`ReceiptHandle=${a}`);
    const escaped = await single(`ReceiptHandle=${encodeURIComponent(b!)}`);
    const again = await single(`ReceiptHandle=${a}`);
    const garbage = await single('ReceiptHandle=garbage');

    expect(raw.status).toBe(204);
    expect(escaped.status).toBe(204);
    expectMnsError(again, 'MessageNotExist', 404);
    expectMnsError(garbage, 'ReceiptHandleError', 400);
    expect(sandbox.control.queues()[0]).toMatchObject({ visible: 0, inFlight: 0, deletedTotal: 2 });
  });
});

describe('fault injection on the queues', () => {
  it('answers an injected receive error without handing anything out, then recovers', async () => {
    enqueue();
    const injected = await controlRequest(sandbox, 'POST', 'faults', { target: 'mns-receive', error: { code: 'InternalError' } });

    const failed = await receive();
    const recovered = await receive();

    expect(injected.status).toBe(201);
    expect(injected.body.fault).toMatchObject({ target: 'mns-receive', error: { code: 'InternalError', httpStatus: 500 } });
    expectMnsError(failed, 'InternalError', 500);
    expect(messagesOf(recovered)).toHaveLength(1);
    expect(sandbox.control.mnsRequests()[0]).toMatchObject({ fault: { error: 'InternalError' }, response: { httpStatus: 500 } });
  });

  it.each([
    ['AccessDenied', 403],
    ['SignatureDoesNotMatch', 403],
    ['QpsLimitExceeded', 503],
    ['MessageNotExist', 404],
    ['InvalidArgument', 400],
  ])('gives an injected %s its MNS status %i by default', async (code, status) => {
    sandbox.control.addFault({ target: 'mns-receive', error: { code } });

    expectMnsError(await receive(), code, status);
  });

  it('adds latency to receives', async () => {
    sandbox.control.addFault({ target: 'mns-receive', latencyMs: 200 });
    const started = performance.now();

    expectMnsError(await receive(), 'MessageNotExist', 404);

    expect(performance.now() - started).toBeGreaterThanOrEqual(190);
  });

  it('drops a receive without handing anything out', async () => {
    enqueue();
    sandbox.control.addFault({ target: 'mns-receive', drop: true });

    await expect(receive()).rejects.toThrow();

    expect(sandbox.control.queues()[0]).toMatchObject({ visible: 1, inFlight: 0 });
  });

  it('drops a delete without deleting anything', async () => {
    const handles = messagesOf(await (enqueue(2), receive())).map((message) => message.ReceiptHandle);
    sandbox.control.addFault({ target: 'mns-delete', drop: true });

    await expect(deleteMessages(sandbox, queue, token, handles)).rejects.toThrow();

    expect(sandbox.control.queues()[0]).toMatchObject({ inFlight: 2, deletedTotal: 0 });
  });

  it('fails half of the next batch delete (1st, 3rd, ...) with ReceiptHandleError and keeps those messages', async () => {
    sandbox.control.setReceiptSettings({ visibilityTimeoutMs: 300 });
    const received = messagesOf(await (enqueue(4), receive()));
    const handles = received.map((message) => message.ReceiptHandle);
    await controlRequest(sandbox, 'POST', 'faults', { target: 'mns-delete', partial: true });

    const partial = await deleteMessages(sandbox, queue, token, handles);
    await sleep(350);
    const redelivered = messagesOf(await receive());

    expect(partial.status).toBe(404);
    expect(parseMnsXml(partial.text).Errors.Error.map((error: any) => [error.ErrorCode, error.ReceiptHandle])).toEqual([
      ['ReceiptHandleError', handles[0]],
      ['ReceiptHandleError', handles[2]],
    ]);
    expect(redelivered.map((message) => [message.MessageId, message.DequeueCount])).toEqual([
      [received[0]!.MessageId, '2'],
      [received[2]!.MessageId, '2'],
    ]);
    expect(sandbox.control.mnsRequests()[1]).toMatchObject({ fault: { partial: true }, response: { httpStatus: 404, failedHandles: [handles[0], handles[2]] } });
  });

  it('does not spend an MNS fault on a request that fails authentication, nor an RPC fault', async () => {
    sandbox.control.addFault({ target: 'mns-receive', error: { code: 'InternalError' } });
    sandbox.control.addFault({ target: 'rpc', error: { code: 'isp.SYSTEM_ERROR' } });

    await receiveMessages(sandbox, queue, { ...token, accessKeySecret: 'forged' });
    const answer = await receive();

    expectMnsError(answer, 'InternalError', 500);
    expect(sandbox.control.faults()).toEqual([expect.objectContaining({ target: 'rpc' })]);
  });

  it.each([
    ['partial on a receive', { target: 'mns-receive', partial: true }],
    ['partial with an error', { target: 'mns-delete', partial: true, error: { code: 'InternalError' } }],
    ['an action for an MNS target', { target: 'mns-delete', action: 'SingleCallByTts', drop: true }],
    ['an unknown target', { target: 'mns', drop: true }],
  ])('refuses a fault with %s (400)', async (_label, body) => {
    const answer = await controlRequest(sandbox, 'POST', 'faults', body);

    expect(answer.status).toBe(400);
    expect(sandbox.control.faults()).toEqual([]);
  });
});

describe('bodies and backlog', () => {
  it('delivers raw bodies exactly, markup escaped, MD5 of the text', async () => {
    const bodies = ['<not xml & "quotes" \'too\'>', 'not base64 at all', '{"call_id":"raw-json"}', 'line\r\nbreaks', '中文回执'];
    sandbox.control.enqueue({ queue, bodies });

    const messages = messagesOf(await receive());

    expect(messages.map((message) => message.MessageBody)).toEqual(bodies);
    expect(messages.map((message) => message.MessageBodyMD5)).toEqual(
      bodies.map((body) => createHash('md5').update(body, 'utf8').digest('hex').toUpperCase()),
    );
  });

  it('enqueues 10,000 receipts in one control call and hands every one out exactly once', async () => {
    const enqueued = await controlRequest(sandbox, 'POST', 'messages', {
      messageType: 'VoiceReport',
      receipts: [{ call_id: 'bulk-{n}', status_code: '200000', out_id: 'o{n}' }],
      count: 10_000,
    });
    expect(enqueued.status).toBe(201);
    expect(enqueued.body).toMatchObject({ queue, enqueued: 10_000 });

    const seen = new Set<string>();
    const mismatched: unknown[] = [];
    const deleteStatuses = new Set<number>();
    for (;;) {
      const answer = await receive();
      if (answer.status === 404) break;
      const messages = messagesOf(answer);
      for (const message of messages) {
        const receipt = decodeReceipt(message.MessageBody);
        if (receipt.out_id !== `o${String(receipt.call_id).slice('bulk-'.length)}`) mismatched.push(receipt);
        seen.add(receipt.call_id as string);
      }
      deleteStatuses.add((await deleteMessages(sandbox, queue, token, messages.map((message) => message.ReceiptHandle))).status);
    }

    expect(mismatched).toEqual([]);
    expect(deleteStatuses).toEqual(new Set([204]));
    expect(seen.size).toBe(10_000);
    expect(seen.has('bulk-1') && seen.has('bulk-10000')).toBe(true);
    expect(sandbox.control.queues()[0]).toMatchObject({ visible: 0, inFlight: 0, receivedTotal: 10_000, deletedTotal: 10_000 });
  });
});

/** `headers` with a fresh Authorization over all of them, so extra x-mns-* headers are signed too. */
function resigned(headers: Record<string, string>, method: string, resource: string, credentials: AlibabaCredentials): Record<string, string> {
  const stringToSign = mnsStringToSign({ method, date: headers.date!, headers, resource });
  return { ...headers, authorization: `MNS ${credentials.accessKeyId}:${mnsSignature(stringToSign, credentials.accessKeySecret)}` };
}
