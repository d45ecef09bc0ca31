/**
 * The temporary credentials QueryTokenForMnsQueue hands out (docs/alibaba/receipts.md#querytokenformnsqueue): an STS-shaped key pair
 * plus security token, valid for one message type's queue until its ExpireTime.
 */
import { randomBytes } from 'node:crypto';
import type { VoiceMessageType } from './product.ts';

export interface IssuedToken {
  /** `STS.` + random, like Alibaba's. */
  accessKeyId: string;
  accessKeySecret: string;
  /** `CAIS` + Base64: contains `+`, `/` and `=`, as real tokens do, to catch header-encoding mistakes. */
  securityToken: string;
  messageType: VoiceMessageType;
  /** The only queue these credentials may use. */
  queueName: string;
  /** Epoch ms, sandbox clock. */
  createdAt: number;
  /**
   * Epoch ms, sandbox clock: the token works while `now < expiresAt`. Rounded down to the second,
   * so it is exactly the instant the `ExpireTime` text names.
   */
  expiresAt: number;
}

/** An issued token as the control API shows it (no secrets; times ISO-8601). */
export interface TokenView {
  accessKeyId: string;
  messageType: VoiceMessageType;
  queueName: string;
  createdAt: string;
  expiresAt: string;
  expired: boolean;
}

/** Expired tokens are remembered this long (then they are unknown: InvalidAccessKeyId). */
const FORGET_EXPIRED_AFTER_MS = 60 * 60_000;

export class TokenStore {
  private readonly tokens = new Map<string, IssuedToken>();

  issue(messageType: VoiceMessageType, queueName: string, now: number, lifetimeMs: number): IssuedToken {
    this.forgetExpiredBefore(now - FORGET_EXPIRED_AFTER_MS);
    const token: IssuedToken = {
      accessKeyId: `STS.${alphanumeric(24)}`,
      accessKeySecret: alphanumeric(44),
      securityToken: `CAIS${randomBytes(240).toString('base64')}`,
      messageType,
      queueName,
      createdAt: now,
      expiresAt: Math.floor((now + lifetimeMs) / 1000) * 1000,
    };
    this.tokens.set(token.accessKeyId, token);
    return token;
  }

  get(accessKeyId: string): Readonly<IssuedToken> | undefined {
    return this.tokens.get(accessKeyId);
  }

  /** Every issued token stops working now. Returns how many were still valid. */
  expireAll(now: number): number {
    let expired = 0;
    for (const token of this.tokens.values()) {
      if (token.expiresAt > now) {
        token.expiresAt = now;
        expired += 1;
      }
    }
    return expired;
  }

  /** Oldest first. */
  list(now: number): TokenView[] {
    return [...this.tokens.values()].map((token) => ({
      accessKeyId: token.accessKeyId,
      messageType: token.messageType,
      queueName: token.queueName,
      createdAt: new Date(token.createdAt).toISOString(),
      expiresAt: new Date(token.expiresAt).toISOString(),
      expired: now >= token.expiresAt,
    }));
  }

  clear(): void {
    this.tokens.clear();
  }

  private forgetExpiredBefore(cutoff: number): void {
    for (const [id, token] of this.tokens) {
      if (token.expiresAt < cutoff) this.tokens.delete(id);
    }
  }
}

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function alphanumeric(length: number): string {
  // 248 = 4 * 62: bytes at or above it are skipped, so every character is equally likely.
  let text = '';
  while (text.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248 && text.length < length) text += ALPHANUMERIC[byte % 62];
    }
  }
  return text;
}
