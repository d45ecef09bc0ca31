/**
 * dybaseapi QueryTokenForMnsQueue (docs/alibaba/receipts.md#querytokenformnsqueue) beside dyvmsapi on the same gateway: temporary
 * credentials scoped to one message type's queue, times in China time, a configurable lifetime.
 */
import { describe, expect, it } from 'vitest';
import { dybaseActions } from '#sandbox/dybase/actions';
import { TokenStore } from '#sandbox/dybase/tokens';
import { ActionRegistry } from '#sandbox/rpc/registry';
import { startSandbox } from '#sandbox/server';
import { DYVMSAPI } from '#sandbox/voice/product';
import {
  CALL_ID_PATTERN,
  callV1,
  callV3,
  commonV1Params,
  expectAlibabaError,
  expectMnsError,
  mnsRequest,
  openApiClient,
  popCoreClient,
  queryToken,
  receiveMessages,
  sendV1Text,
  signV1Params,
  useSandbox,
  type MessageType,
} from './helpers.ts';

const KEY = { accessKeyId: 'LTAIreceiptTokens', accessKeySecret: 'receipt-tokens-secret' };
const ACCOUNT = '1234567890';
const MESSAGE_TYPES: MessageType[] = ['VoiceReport', 'VoiceCallReport', 'VoiceRecordReport'];
const CHINA_TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;

const sandbox = useSandbox({ keys: [KEY], accountId: ACCOUNT, tokenLifetimeMs: 10 * 60_000 });

/** `yyyy-MM-dd HH:mm:ss` read as UTC+8 (docs/alibaba/receipts.md#querytokenformnsqueue). */
function fromChinaTime(text: string): number {
  return Date.parse(`${text.replace(' ', 'T')}+08:00`);
}

describe('QueryTokenForMnsQueue', () => {
  it.each(MESSAGE_TYPES)('issues STS credentials for the %s queue, times in China time', async (messageType) => {
    const before = Date.now();
    const client = popCoreClient(sandbox, KEY);

    const body = await client.request(
      'QueryTokenForMnsQueue',
      { MessageType: messageType, QueueName: `Alicom-Queue-${ACCOUNT}-${messageType}`, RegionId: 'cn-hangzhou' },
      { method: 'POST' },
    );

    expect(body).toMatchObject({ Code: 'OK', Message: 'OK' });
    const dto = body.MessageTokenDTO as Record<string, string>;
    expect(dto.AccessKeyId).toMatch(/^STS\.[A-Za-z0-9]{20,}$/);
    expect(dto.AccessKeySecret).toMatch(/^[A-Za-z0-9]{30,}$/);
    expect(dto.SecurityToken).toMatch(/^CAIS[A-Za-z0-9+/=]{100,}$/);
    expect(dto.CreateTime).toMatch(CHINA_TIME);
    expect(dto.ExpireTime).toMatch(CHINA_TIME);
    const created = fromChinaTime(dto.CreateTime!);
    expect(created).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    expect(created).toBeLessThanOrEqual(Date.now());
    expect(fromChinaTime(dto.ExpireTime!) - created).toBeGreaterThan(10 * 60_000 - 1000);
    expect(fromChinaTime(dto.ExpireTime!) - created).toBeLessThanOrEqual(10 * 60_000);
    expect(sandbox.control.tokens()).toEqual([
      expect.objectContaining({ accessKeyId: dto.AccessKeyId, messageType, queueName: `Alicom-Queue-${ACCOUNT}-${messageType}`, expired: false }),
    ]);
    expect(sandbox.control.requests()[0]).toMatchObject({ action: 'QueryTokenForMnsQueue', params: { MessageType: messageType } });
  });

  it('is served to the V3 client (openapi-client) too, and names its product in errors', async () => {
    const call = openApiClient(sandbox, KEY);

    const { body } = await call({ action: 'QueryTokenForMnsQueue', query: { MessageType: 'VoiceReport' } });
    const refused = await callV3(sandbox, { action: 'QueryTokenForMnsQueue', query: {}, credentials: KEY });

    expect(body.MessageTokenDTO.AccessKeyId).toMatch(/^STS\./);
    expectAlibabaError(refused, 'MissingMessageType', 400);
    expect(refused.body.HostId).toBe('dybaseapi.aliyuncs.com');
  });

  it('answers the DTO as nested XML when Format is absent (V1 default)', async () => {
    const params: Record<string, string> = { ...commonV1Params('QueryTokenForMnsQueue', KEY.accessKeyId), MessageType: 'VoiceReport' };
    delete params.Format;

    const answer = await sendV1Text(sandbox, 'POST', signV1Params('POST', params, KEY.accessKeySecret));

    expect(answer.contentType).toMatch(/^text\/xml/);
    expect(answer.text).toMatch(/<QueryTokenForMnsQueueResponse><RequestId>[0-9A-F-]{36}<\/RequestId><Code>OK<\/Code><Message>OK<\/Message><MessageTokenDTO><AccessKeyId>STS\.[^<]+<\/AccessKeyId><AccessKeySecret>/);
    expect(answer.text).toMatch(/<ExpireTime>\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}<\/ExpireTime><\/MessageTokenDTO><\/QueryTokenForMnsQueueResponse>$/);
  });

  it.each([
    ['no MessageType', {}, 'MissingMessageType'],
    ['an empty MessageType', { MessageType: '' }, 'MissingMessageType'],
    ['a MessageType of another product', { MessageType: 'SmsReport' }, 'InvalidParameter'],
    ["another type's queue", { MessageType: 'VoiceReport', QueueName: `Alicom-Queue-${ACCOUNT}-VoiceCallReport` }, 'InvalidParameter'],
    ["another account's queue", { MessageType: 'VoiceReport', QueueName: 'Alicom-Queue-0000000000-VoiceReport' }, 'InvalidParameter'],
  ])('refuses %s (400) and issues nothing', async (_label, params, code) => {
    const answer = await callV1(sandbox, { action: 'QueryTokenForMnsQueue', params, credentials: KEY });

    expectAlibabaError(answer, code, 400);
    expect(answer.body.HostId).toBe('dybaseapi.aliyuncs.com');
    expect(sandbox.control.tokens()).toEqual([]);
  });

  it('names the expected queue when QueueName is wrong', async () => {
    const answer = await callV1(sandbox, {
      action: 'QueryTokenForMnsQueue',
      params: { MessageType: 'VoiceRecordReport', QueueName: 'my-queue' },
      credentials: KEY,
    });

    expect(answer.body.Message).toContain(`Alicom-Queue-${ACCOUNT}-VoiceRecordReport`);
  });

  it('is authenticated like any RPC action (a wrong secret gets no token)', async () => {
    const answer = await callV1(sandbox, {
      action: 'QueryTokenForMnsQueue',
      params: { MessageType: 'VoiceReport' },
      credentials: { ...KEY, accessKeySecret: 'forged' },
    });

    expectAlibabaError(answer, 'SignatureDoesNotMatch', 400);
    expect(sandbox.control.tokens()).toEqual([]);
  });

  it('issues a fresh key pair every time; earlier ones keep working', async () => {
    const first = await queryToken(sandbox, KEY, 'VoiceReport');
    const second = await queryToken(sandbox, KEY, 'VoiceReport');

    expect(second.accessKeyId).not.toBe(first.accessKeyId);
    expect(second.securityToken).not.toBe(first.securityToken);
    expectMnsError(await receiveMessages(sandbox, sandbox.queueNames.VoiceReport, first), 'MessageNotExist', 404);
    expectMnsError(await receiveMessages(sandbox, sandbox.queueNames.VoiceReport, second), 'MessageNotExist', 404);
  });

  it('does not accept its credentials on the RPC gateway', async () => {
    const token = await queryToken(sandbox, KEY, 'VoiceReport');

    const answer = await callV1(sandbox, { action: 'QueryTokenForMnsQueue', params: { MessageType: 'VoiceReport' }, credentials: token });

    expectAlibabaError(answer, 'InvalidAccessKeyId.NotFound', 404);
  });

  it('takes injected faults aimed at the token (target token)', async () => {
    sandbox.control.addFault({ target: 'token', error: { code: 'isp.SYSTEM_ERROR' } });

    const placed = await callV1(sandbox, {
      action: 'SingleCallByTts',
      params: { CalledNumber: '13800138000', TtsCode: 'TTS_1' },
      credentials: KEY,
    });
    const refused = await callV1(sandbox, { action: 'QueryTokenForMnsQueue', params: { MessageType: 'VoiceReport' }, credentials: KEY });
    const next = await callV1(sandbox, { action: 'QueryTokenForMnsQueue', params: { MessageType: 'VoiceReport' }, credentials: KEY });

    expect(placed.body.CallId).toMatch(CALL_ID_PATTERN);
    expectAlibabaError(refused, 'isp.SYSTEM_ERROR', 500);
    expect(refused.body.HostId).toBe('dybaseapi.aliyuncs.com');
    expect(next.status).toBe(200);
  });
});

describe('two products on one gateway', () => {
  it('routes by action name, so it refuses a second product registering a name already taken', () => {
    const settings = { tokenLifetimeMs: 1000, visibilityTimeoutMs: 1000, receiptDelayMs: 0 };
    const registry = new ActionRegistry(DYVMSAPI).register(...dybaseActions({ tokens: new TokenStore(), accountId: '1', settings }));
    const clash = { name: 'QueryTokenForMnsQueue', product: DYVMSAPI, isKnownParam: () => true, handle: () => ({}) };

    expect(registry.resolve('2017-05-25', 'QueryTokenForMnsQueue').product.code).toBe('dybaseapi');
    expect(() => registry.register(clash)).toThrow('RPC action QueryTokenForMnsQueue registered twice');
  });

  it('still serves dyvmsapi beside it', async () => {
    const placed = await callV1(sandbox, { action: 'SingleCallByTts', params: { CalledNumber: '13800138000', TtsCode: 'TTS_1' }, credentials: KEY });
    const unknown = await callV1(sandbox, { action: 'QueryTokenForMnsQueues', params: {}, credentials: KEY });

    expect(placed.body.CallId).toMatch(CALL_ID_PATTERN);
    expectAlibabaError(unknown, 'InvalidAction.NotFound', 404);
  });
});

describe('account and lifetime settings', () => {
  it('uses account 0000000000 by default, matching the bundle’s default RECEIPT_QUEUES', async () => {
    const defaults = await startSandbox({ port: 0, keys: [KEY] });
    try {
      expect(defaults.queueNames).toEqual({
        VoiceReport: 'Alicom-Queue-0000000000-VoiceReport',
        VoiceCallReport: 'Alicom-Queue-0000000000-VoiceCallReport',
        VoiceRecordReport: 'Alicom-Queue-0000000000-VoiceRecordReport',
      });
    } finally {
      await defaults.close();
    }
  });

  it('issues tokens that expire after the configured lifetime, on the sandbox clock', async () => {
    let clock = Date.parse('2030-01-01T00:00:00.250Z');
    const clocked = await startSandbox({ port: 0, keys: [KEY], tokenLifetimeMs: 5 * 60_000, now: () => clock });
    try {
      const answer = await callV1(clocked, {
        action: 'QueryTokenForMnsQueue',
        params: { MessageType: 'VoiceReport' },
        credentials: KEY,
        timestamp: '2030-01-01T00:00:00Z',
      });
      const dto = answer.body.MessageTokenDTO as Record<string, string>;
      const token = { accessKeyId: dto.AccessKeyId!, accessKeySecret: dto.AccessKeySecret!, securityToken: dto.SecurityToken! };
      // MNS checks Date against the sandbox clock too, so requests are dated by it.
      const receiveAt = (at: number) =>
        mnsRequest(clocked, {
          method: 'GET',
          resource: `/queues/${clocked.queueNames.VoiceReport}/messages?numOfMessages=1`,
          credentials: token,
          date: new Date(at),
        });

      // 2030-01-01 00:00 UTC is 08:00 in China.
      expect(dto.CreateTime).toBe('2030-01-01 08:00:00');
      expect(dto.ExpireTime).toBe('2030-01-01 08:05:00');
      clock = Date.parse('2030-01-01T00:04:59.900Z');
      const justBefore = await receiveAt(clock);
      clock = Date.parse('2030-01-01T00:05:00.000Z');
      const atExpiry = await receiveAt(clock);

      expectMnsError(justBefore, 'MessageNotExist', 404);
      expectMnsError(atExpiry, 'AccessDenied', 403);
      expect(clocked.control.tokens()[0]).toMatchObject({ expired: true, expiresAt: '2030-01-01T00:05:00.000Z' });
    } finally {
      await clocked.close();
    }
  });

  it('changes the lifetime at run time, and back on reset', async () => {
    const changed = sandbox.control.setReceiptSettings({ tokenLifetimeMs: 60_000 });
    const dto = (await callV1(sandbox, { action: 'QueryTokenForMnsQueue', params: { MessageType: 'VoiceReport' }, credentials: KEY })).body
      .MessageTokenDTO as Record<string, string>;

    expect(changed.tokenLifetimeMs).toBe(60_000);
    expect(fromChinaTime(dto.ExpireTime!) - fromChinaTime(dto.CreateTime!)).toBeLessThanOrEqual(60_000);
    expect(fromChinaTime(dto.ExpireTime!) - fromChinaTime(dto.CreateTime!)).toBeGreaterThanOrEqual(59_000);
    sandbox.control.reset();
    expect(sandbox.control.receiptSettings().tokenLifetimeMs).toBe(10 * 60_000);
  });

  it.each([
    [{ accountId: 'abc' }, /accountId must be digits/],
    [{ tokenLifetimeMs: -1 }, /tokenLifetimeMs must be an integer/],
    [{ visibilityTimeoutMs: 0 }, /visibilityTimeoutMs must be an integer/],
    [{ receiptDelayMs: 1.5 }, /receiptDelayMs must be an integer/],
  ])('refuses to start with %o', async (options, message) => {
    await expect(startSandbox({ port: 0, keys: [KEY], ...options })).rejects.toThrow(message);
  });
});
