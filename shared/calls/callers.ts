/**
 * Who asked for a call, as far as its channel can tell: the principal a client's idempotency keys
 * belong to (placement.ts idempotencyKeys.client, docs/security.md#idempotency-keys-per-caller). Two
 * callers never share a key, so one client can neither replay nor block another's; the same AWS
 * identity over HTTP (IAM) and SQS is one caller, so its key places one call on either path.
 */

/**
 * A caller, made only by `callers`: a kind (`aws:`, `jwt:`, `account:`, or `unknown`) and its
 * percent-encoded parts, so no two callers are the same text and none holds `#` (which
 * idempotencyKeys.client puts between a caller and its key).
 */
export type Caller = string & { readonly caller: unique symbol };

const caller = (kind: string, ...parts: string[]) => `${kind}:${parts.map(encodeURIComponent).join(':')}` as Caller;

/** A federated user's id is `<account id>:<name>`; an assumed role's is `<role id>:<session name>`. */
const ACCOUNT_ID = /^\d{12}$/;

export const callers = {
  /**
   * An AWS identity by its unique id, as IAM authorisation (`requestContext.authorizer.iam.userId`)
   * and SQS (`SenderId`) both give it: a user's `AIDA...`, an account's id, a federated user's
   * `<account>:<name>`. Every session of an assumed role (`<role id>:<session>`) is the role.
   *
   * @example callers.aws('AROAEXAMPLEROLEID1234:build-17') === callers.aws('AROAEXAMPLEROLEID1234:i-0a1b') // true
   */
  aws(uniqueId: string): Caller {
    const colon = uniqueId.indexOf(':');
    const head = colon < 0 ? uniqueId : uniqueId.slice(0, colon);
    return caller('aws', colon >= 0 && !ACCOUNT_ID.test(head) ? head : uniqueId);
  },
  /** A JWT's subject at its issuer (the `iss` and `sub` claims). */
  jwt(issuer: string, subject: string): Caller {
    return caller('jwt', issuer, subject);
  },
  /** An EventBridge event: only the account that put it is known, not which identity of it. */
  account(accountId: string): Caller {
    return caller('account', accountId);
  },
  /** No identity at all: a route without authorisation (npm start), a hand-made invoke. */
  unknown: 'unknown' as Caller,
} as const;
