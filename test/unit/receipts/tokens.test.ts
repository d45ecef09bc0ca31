import { describe, expect, it } from 'vitest';
import { AlibabaError } from '#shared/errors';
import {
  ReceiptTokenProvider,
  TOKEN_REFRESH_MARGIN_MS,
  parseChinaTime,
  parseTokenResponse,
  refreshMarginMs,
  type TokenCacheEntry,
  type TokenRpc,
} from '#shared/receipts/tokens';

const QUEUE = 'Alicom-Queue-1234567890-VoiceReport';

describe('parseChinaTime (docs/alibaba/receipts.md#querytokenformnsqueue: ExpireTime is China time, UTC+8)', () => {
  it.each([
    ['2024-01-15 16:30:00', '2024-01-15T08:30:00.000Z'],
    ['2024-01-01 07:59:59', '2023-12-31T23:59:59.000Z'],
    ['2024-02-29 00:00:00', '2024-02-28T16:00:00.000Z'],
    ['2024-01-15T16:30:00', '2024-01-15T08:30:00.000Z'],
    [' 2024-01-15 16:30:00 ', '2024-01-15T08:30:00.000Z'],
    ['2024-01-15 16:30:00.250', '2024-01-15T08:30:00.250Z'],
    // A value that names its zone is read in that zone.
    ['2024-01-15T08:30:00Z', '2024-01-15T08:30:00.000Z'],
    ['2024-01-15 16:30:00+08:00', '2024-01-15T08:30:00.000Z'],
  ])('%s → %s', (text, iso) => {
    expect(parseChinaTime(text)).toBe(Date.parse(iso));
  });

  it.each(['', 'tomorrow', '2024-01-15', '2024-13-01 00:00:00', '2024-02-30 00:00:00', '2024-01-15 24:00:00', '2024-01-15 16:60:00', '1705307400000'])(
    'unreadable: %j',
    (text) => {
      expect(parseChinaTime(text)).toBeUndefined();
    },
  );
});

describe('parseTokenResponse (docs/alibaba/receipts.md#querytokenformnsqueue MessageTokenDTO)', () => {
  const dto = {
    AccessKeyId: 'STS.testid',
    AccessKeySecret: 'testsecret',
    SecurityToken: 'CAISexampleSecurityToken+/=',
    CreateTime: '2024-01-15 16:30:00',
    ExpireTime: '2024-01-15 17:30:00',
  };

  it('reads the credentials and converts ExpireTime from China time', () => {
    expect(parseTokenResponse({ Code: 'OK', MessageTokenDTO: dto })).toEqual({
      token: {
        accessKeyId: 'STS.testid',
        accessKeySecret: 'testsecret',
        securityToken: 'CAISexampleSecurityToken+/=',
        expiresAt: Date.parse('2024-01-15T09:30:00Z'),
      },
      marginMs: TOKEN_REFRESH_MARGIN_MS,
    });
  });

  it.each(['AccessKeyId', 'AccessKeySecret', 'SecurityToken', 'ExpireTime'])('fails loudly without %s', (field) => {
    const { [field as keyof typeof dto]: _dropped, ...rest } = dto;
    expect(() => parseTokenResponse({ Code: 'OK', MessageTokenDTO: rest }, 'REQ-1')).toThrow(AlibabaError);
  });

  it('fails loudly without a MessageTokenDTO or with an unreadable ExpireTime', () => {
    expect(() => parseTokenResponse({ Code: 'OK' })).toThrow(/MessageTokenDTO/);
    expect(() => parseTokenResponse({ Code: 'OK', MessageTokenDTO: { ...dto, ExpireTime: 'soon' } })).toThrow(/MessageTokenDTO/);
  });
});

describe('refreshMarginMs (docs/alibaba/receipts.md#flow: refresh when less than 2 minutes remain)', () => {
  it('is 2 minutes for ordinary tokens', () => {
    expect(refreshMarginMs(0, 60 * 60_000)).toBe(2 * 60_000);
    expect(refreshMarginMs(undefined, 60_000)).toBe(2 * 60_000);
  });

  it('is half the lifetime of a token living less than 4 minutes', () => {
    expect(refreshMarginMs(0, 60_000)).toBe(30_000);
  });
});

/** A fake dybaseapi: hands out numbered tokens, CreateTime = now, ExpireTime = now + lifetime, in China time. */
class FakeDybase implements TokenRpc {
  readonly requests: Record<string, string>[] = [];
  lifetimeMs = 60 * 60_000;
  failNext: Error | undefined;
  delayMs = 0;

  constructor(private readonly clock: { now: number }) {}

  async call(action: string, params: Readonly<Record<string, string>>) {
    expect(action).toBe('QueryTokenForMnsQueue');
    this.requests.push({ ...params });
    if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    if (this.failNext) {
      const error = this.failNext;
      this.failNext = undefined;
      throw error;
    }
    const n = this.requests.length;
    return {
      requestId: `REQ-${n}`,
      body: {
        Code: 'OK',
        MessageTokenDTO: {
          AccessKeyId: `STS.id-${n}`,
          AccessKeySecret: `secret-${n}`,
          SecurityToken: `token-${n}`,
          CreateTime: chinaTime(this.clock.now),
          ExpireTime: chinaTime(this.clock.now + this.lifetimeMs),
        },
      },
    };
  }
}

function chinaTime(ms: number): string {
  return new Date(ms + 8 * 3_600_000).toISOString().slice(0, 19).replace('T', ' ');
}

function setup() {
  const clock = { now: Date.parse('2024-01-15T08:30:00Z') };
  const rpc = new FakeDybase(clock);
  const cache = new Map<string, TokenCacheEntry>();
  const provider = new ReceiptTokenProvider(rpc, { now: () => clock.now, cache });
  return { clock, rpc, cache, provider };
}

describe('ReceiptTokenProvider', () => {
  it('asks QueryTokenForMnsQueue with MessageType and QueueName, and caches the token per message type', async () => {
    const { rpc, provider } = setup();
    const first = await provider.get('VoiceReport', QUEUE);
    expect(first).toMatchObject({ accessKeyId: 'STS.id-1', securityToken: 'token-1' });
    expect(await provider.get('VoiceReport', QUEUE)).toBe(first);
    expect(rpc.requests).toEqual([{ MessageType: 'VoiceReport', QueueName: QUEUE }]);

    await provider.get('VoiceCallReport', 'Alicom-Queue-1234567890-VoiceCallReport');
    expect(rpc.requests).toHaveLength(2);
  });

  it('keeps the token until 2 minutes before ExpireTime, then fetches a new one', async () => {
    const { clock, rpc, provider } = setup();
    const first = await provider.get('VoiceReport', QUEUE);
    clock.now = first.expiresAt - TOKEN_REFRESH_MARGIN_MS - 1;
    expect(await provider.get('VoiceReport', QUEUE)).toBe(first);
    clock.now = first.expiresAt - TOKEN_REFRESH_MARGIN_MS;
    const second = await provider.get('VoiceReport', QUEUE);
    expect(second.securityToken).toBe('token-2');
    expect(rpc.requests).toHaveLength(2);
  });

  it('uses short-lived tokens for half their lifetime', async () => {
    const { clock, rpc, provider } = setup();
    rpc.lifetimeMs = 60_000;
    const first = await provider.get('VoiceReport', QUEUE);
    clock.now += 29_000;
    expect(await provider.get('VoiceReport', QUEUE)).toBe(first);
    clock.now += 1_000;
    expect((await provider.get('VoiceReport', QUEUE)).securityToken).toBe('token-2');
  });

  it('shares one request between concurrent callers', async () => {
    const { rpc, provider } = setup();
    rpc.delayMs = 20;
    const tokens = await Promise.all([1, 2, 3, 4].map(() => provider.get('VoiceReport', QUEUE)));
    expect(new Set(tokens.map((token) => token.securityToken))).toEqual(new Set(['token-1']));
    expect(rpc.requests).toHaveLength(1);
  });

  it('does not cache a failure', async () => {
    const { rpc, provider } = setup();
    rpc.failNext = new AlibabaError('transient', 'InternalError', 'boom');
    await expect(provider.get('VoiceReport', QUEUE)).rejects.toThrow('boom');
    expect((await provider.get('VoiceReport', QUEUE)).securityToken).toBe('token-2');
  });

  it('invalidate(type, stale) drops that token only; a token someone already refreshed stays', async () => {
    const { rpc, provider } = setup();
    const first = await provider.get('VoiceReport', QUEUE);
    provider.invalidate('VoiceReport', first);
    const second = await provider.get('VoiceReport', QUEUE);
    expect(second.securityToken).toBe('token-2');
    // A second lane reporting the same stale token must not throw away the fresh one.
    provider.invalidate('VoiceReport', first);
    expect(await provider.get('VoiceReport', QUEUE)).toBe(second);
    provider.invalidate('VoiceReport');
    expect((await provider.get('VoiceReport', QUEUE)).securityToken).toBe('token-3');
    expect(rpc.requests).toHaveLength(3);
  });

  it('a different queue name for the same type gets its own token', async () => {
    const { rpc, provider } = setup();
    await provider.get('VoiceReport', QUEUE);
    const other = await provider.get('VoiceReport', 'Alicom-Queue-999-VoiceReport');
    expect(other.securityToken).toBe('token-2');
    expect(rpc.requests[1]).toEqual({ MessageType: 'VoiceReport', QueueName: 'Alicom-Queue-999-VoiceReport' });
  });

  it('the default cache outlives provider instances (a warm Lambda container)', async () => {
    const clock = { now: Date.now() };
    const rpc = new FakeDybase(clock);
    const type = `TestType-${Math.random()}`;
    await new ReceiptTokenProvider(rpc).get(type, QUEUE);
    await new ReceiptTokenProvider(rpc).get(type, QUEUE);
    expect(rpc.requests).toHaveLength(1);
  });
});
