/**
 * Keys the bundle derives from the Alibaba AccessKeySecret for its own keyed hashes: the secret every
 * function that places calls already holds, so no other secret has to be kept. Each purpose gets
 * its own key (HMAC of the purpose under the secret), so one use's hashes say nothing about another's.
 * Rotating the key pair changes every derived key; docs/flow-control.md#privacy and
 * docs/call-requests.md#request-ids say what that means for each use.
 */
import { createHmac } from 'node:crypto';
import type { CredentialsProvider } from './alibabaCredentials.ts';

/** Purposes, versioned: a new version gives unrelated hashes. */
export const KEY_PURPOSES = {
  flowControlNumber: 'aliyun-voice/flow-control/number/v1',
  callRequestId: 'aliyun-voice/call-request/id/v1',
  waitingOrigin: 'aliyun-voice/waiting-origin/seal/v1',
} as const;

/**
 * A keyed hash (HMAC-SHA256, base64url) for one purpose, resolved per use: the secret is read
 * through the credentials provider's cache, and a rotated secret gives a new key at once.
 */
export function keyedHasher(credentials: CredentialsProvider, purpose: string): () => Promise<(text: string) => string> {
  let current: { secret: string; hash: (text: string) => string } | undefined;
  return async () => {
    const { accessKeySecret } = await credentials();
    if (current?.secret !== accessKeySecret) {
      const key = createHmac('sha256', accessKeySecret).update(purpose).digest();
      current = { secret: accessKeySecret, hash: (text) => createHmac('sha256', key).update(text).digest('base64url') };
    }
    return current.hash;
  };
}
