/** The control API's receipt endpoints, in process and over HTTP: enqueue, queues, tokens, settings, reset. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONTROL_ENDPOINTS } from '#sandbox/controlRoutes';
import { callV1, controlRequest, decodeReceipt, deleteMessages, messagesOf, queryToken, receiveMessages, useSandbox } from './helpers.ts';

const KEY = { accessKeyId: 'LTAIreceiptsControl', accessKeySecret: 'receipts-control-secret' };

const sandbox = useSandbox({
  keys: [KEY],
  flowControl: false,
  receiptDelayMs: 0,
  visibilityTimeoutMs: 20_000,
  tokenLifetimeMs: 300_000,
});

describe('POST /__sandbox/messages', () => {
  it('enqueues receipts Base64-encoded into the queue named, and raw bodies as given', async () => {
    const receipts = await controlRequest(sandbox, 'POST', 'messages', {
      queue: sandbox.queueNames.VoiceCallReport,
      receipts: [{ call_id: 'a', status_code: '200101' }, { call_id: 'b' }],
    });
    const raw = await controlRequest(sandbox, 'POST', 'messages', { messageType: 'VoiceCallReport', bodies: ['%%% poison %%%'] });
    const token = await queryToken(sandbox, KEY, 'VoiceCallReport');

    const messages = messagesOf(await receiveMessages(sandbox, sandbox.queueNames.VoiceCallReport, token));

    expect(receipts.status).toBe(201);
    expect(receipts.body).toEqual({ queue: sandbox.queueNames.VoiceCallReport, enqueued: 2, messageIds: [expect.any(String), expect.any(String)] });
    expect(messages.map((message) => message.MessageId)).toEqual([...receipts.body.messageIds, ...raw.body.messageIds]);
    expect(decodeReceipt(messages[0]!.MessageBody)).toEqual({ call_id: 'a', status_code: '200101' });
    expect(messages[2]!.MessageBody).toBe('%%% poison %%%');
  });

  it('cycles through the list for count messages, numbering {n}', () => {
    const result = sandbox.control.enqueue({ messageType: 'VoiceReport', bodies: ['x-{n}', 'y-{n}'], count: 5 });

    expect(result.enqueued).toBe(5);
    expect(sandbox.control.queues()[0]).toMatchObject({ visible: 5 });
  });

  it.each([
    ['no queue', { bodies: ['x'] }],
    ['both queue and messageType', { queue: 'Alicom-Queue-0000000000-VoiceReport', messageType: 'VoiceReport', bodies: ['x'] }],
    ['an unknown queue', { queue: 'Alicom-Queue-1-VoiceReport', bodies: ['x'] }],
    ['an unknown message type', { messageType: 'SmsReport', bodies: ['x'] }],
    ['neither bodies nor receipts', { messageType: 'VoiceReport' }],
    ['both bodies and receipts', { messageType: 'VoiceReport', bodies: ['x'], receipts: [{}] }],
    ['an empty list', { messageType: 'VoiceReport', bodies: [] }],
    ['a body that is not a string', { messageType: 'VoiceReport', bodies: [1] }],
    ['a body XML cannot carry', { messageType: 'VoiceReport', bodies: ['nul\u0000'] }],
    ['a receipt that is not an object', { messageType: 'VoiceReport', receipts: ['x'] }],
    ['count 0', { messageType: 'VoiceReport', bodies: ['x'], count: 0 }],
    ['count above 100,000', { messageType: 'VoiceReport', bodies: ['x'], count: 100_001 }],
    ['not an object', ['x']],
  ])('refuses %s (400) and enqueues nothing', async (_label, body) => {
    const answer = await controlRequest(sandbox, 'POST', 'messages', body);

    expect(answer.status).toBe(400);
    expect(answer.body.error).toEqual(expect.any(String));
    expect(sandbox.control.queues().map((queue) => queue.visible)).toEqual([0, 0, 0]);
  });
});

describe('GET /__sandbox/queues', () => {
  it('counts visible, in-flight, delayed, received and deleted messages per queue', async () => {
    sandbox.control.enqueue({ messageType: 'VoiceReport', bodies: ['a', 'b', 'c'] });
    sandbox.control.setReceiptSettings({ receiptDelayMs: 60_000 });
    await controlRequest(sandbox, 'POST', 'messages', { messageType: 'VoiceRecordReport', bodies: ['r'] });
    const token = await queryToken(sandbox, KEY, 'VoiceReport');
    const received = messagesOf(await receiveMessages(sandbox, sandbox.queueNames.VoiceReport, token, { numOfMessages: 2 }));
    sandbox.control.enqueue({ messageType: 'VoiceReport', bodies: ['d'] });
    await deleteMessages(sandbox, sandbox.queueNames.VoiceReport, token, [received[0]!.ReceiptHandle]);
    await callV1(sandbox, { action: 'SingleCallByTts', params: { CalledNumber: '13800138000', TtsCode: 'TTS_1' }, credentials: KEY });

    const answer = await controlRequest(sandbox, 'GET', 'queues');

    expect(answer.body.queues).toEqual([
      { name: 'Alicom-Queue-0000000000-VoiceReport', messageType: 'VoiceReport', visible: 2, inFlight: 1, delayed: 1, receivedTotal: 2, deletedTotal: 1 },
      { name: 'Alicom-Queue-0000000000-VoiceCallReport', messageType: 'VoiceCallReport', visible: 0, inFlight: 0, delayed: 3, receivedTotal: 0, deletedTotal: 0 },
      { name: 'Alicom-Queue-0000000000-VoiceRecordReport', messageType: 'VoiceRecordReport', visible: 1, inFlight: 0, delayed: 0, receivedTotal: 0, deletedTotal: 0 },
    ]);
  });
});

describe('tokens and receipt settings', () => {
  it('lists issued tokens without secrets and expires them all over HTTP', async () => {
    const token = await queryToken(sandbox, KEY, 'VoiceRecordReport');

    const listed = await controlRequest(sandbox, 'GET', 'tokens');
    const expired = await controlRequest(sandbox, 'POST', 'tokens/expire');
    const after = await controlRequest(sandbox, 'GET', 'tokens');

    expect(listed.body.tokens).toEqual([
      {
        accessKeyId: token.accessKeyId,
        messageType: 'VoiceRecordReport',
        queueName: 'Alicom-Queue-0000000000-VoiceRecordReport',
        createdAt: expect.stringMatching(/Z$/),
        expiresAt: expect.stringMatching(/Z$/),
        expired: false,
      },
    ]);
    expect(JSON.stringify(listed.body)).not.toContain(token.accessKeySecret);
    expect(expired.body).toEqual({ expired: 1 });
    expect(after.body.tokens[0].expired).toBe(true);
  });

  it('reads and changes the receipt settings over HTTP, refusing bad values', async () => {
    const initial = await controlRequest(sandbox, 'GET', 'receipt-settings');
    const changed = await controlRequest(sandbox, 'PUT', 'receipt-settings', { receiptDelayMs: 5, visibilityTimeoutMs: 700 });
    const refused = await Promise.all([
      controlRequest(sandbox, 'PUT', 'receipt-settings', { visibilityTimeoutMs: 0 }),
      controlRequest(sandbox, 'PUT', 'receipt-settings', { receiptDelayMs: '5' }),
      controlRequest(sandbox, 'PUT', 'receipt-settings', { pollingWaitSeconds: 3 }),
      controlRequest(sandbox, 'PUT', 'receipt-settings', [1]),
    ]);

    expect(initial.body).toEqual({ tokenLifetimeMs: 300_000, visibilityTimeoutMs: 20_000, receiptDelayMs: 0 });
    expect(changed.body).toEqual({ tokenLifetimeMs: 300_000, visibilityTimeoutMs: 700, receiptDelayMs: 5 });
    expect(refused.map((answer) => answer.status)).toEqual([400, 400, 400, 400]);
    expect(sandbox.control.receiptSettings()).toEqual(changed.body);
  });
});

describe('reset', () => {
  it('forgets queued messages, tokens, MNS requests and settings', async () => {
    sandbox.control.enqueue({ messageType: 'VoiceReport', bodies: ['a'] });
    const token = await queryToken(sandbox, KEY, 'VoiceReport');
    await receiveMessages(sandbox, sandbox.queueNames.VoiceReport, token);
    sandbox.control.setReceiptSettings({ visibilityTimeoutMs: 5 });

    const reset = await controlRequest(sandbox, 'POST', 'reset');

    expect(reset.status).toBe(200);
    expect(sandbox.control.queues().map(({ visible, inFlight, receivedTotal }) => [visible, inFlight, receivedTotal])).toEqual([
      [0, 0, 0],
      [0, 0, 0],
      [0, 0, 0],
    ]);
    expect(sandbox.control.tokens()).toEqual([]);
    expect(sandbox.control.mnsRequests()).toEqual([]);
    expect(sandbox.control.receiptSettings().visibilityTimeoutMs).toBe(20_000);
    // The forgotten token no longer opens the queue.
    expect((await receiveMessages(sandbox, sandbox.queueNames.VoiceReport, token)).status).toBe(403);
  });
});

it('documents every control endpoint in sandbox/README.md', () => {
  const readme = readFileSync(new URL('../../../sandbox/README.md', import.meta.url), 'utf8');

  for (const endpoint of CONTROL_ENDPOINTS) {
    const [method, path] = endpoint.split(/\s+/);
    expect(readme, endpoint).toContain(`${method} ${path}`);
  }
});
