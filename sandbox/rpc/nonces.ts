/** docs/alibaba/rpc.md#common-parameters: a SignatureNonce may not be used twice within 15 minutes. */
export const NONCE_WINDOW_MS = 15 * 60_000;

/** Nonces seen per AccessKeyId, forgotten once they are older than the window. */
export class NonceCache {
  private readonly seen = new Map<string, number>();

  constructor(private readonly windowMs: number = NONCE_WINDOW_MS) {}

  /** Records the nonce; false if the same key already used it within the window. */
  use(accessKeyId: string, nonce: string, now: number): boolean {
    this.forgetOlderThan(now - this.windowMs);
    const key = `${accessKeyId}\n${nonce}`;
    if (this.seen.has(key)) return false;
    this.seen.set(key, now);
    return true;
  }

  clear(): void {
    this.seen.clear();
  }

  private forgetOlderThan(cutoff: number): void {
    // Map iteration follows insertion order, which is (nearly) time order: stop at the first keeper.
    for (const [key, at] of this.seen) {
      if (at > cutoff) break;
      this.seen.delete(key);
    }
  }
}
