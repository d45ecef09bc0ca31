/**
 * Whose idempotency keys are whose (shared/calls/callers.ts, docs/security.md#idempotency-keys-per-caller):
 * the principal each channel can establish, and the record key built from it. Two callers never
 * share a key; the same IAM identity over HTTP and SQS does.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { callers } from '#shared/calls/callers';
import { idempotencyKeys } from '#shared/calls/placement';
import { requestCaller } from '#shared/http/apiGateway';
import { eventMessage, sqsMessage } from '#shared/triggers/messageTriggers';
import { httpEvent } from '../../support/apiGatewayEvents.ts';
import { eventBridgeEvent, sqsEvent } from '../../support/triggerEvents.ts';

describe('callers.aws: an AWS identity by its unique id (IAM\'s userId, SQS\'s SenderId)', () => {
  it('is the role for every session of an assumed role (`<role id>:<session>`)', () => {
    expect(callers.aws('AROAEXAMPLEROLEID1234:build-17')).toBe(callers.aws('AROAEXAMPLEROLEID1234:i-0a1b2c3d'));
    expect(callers.aws('AROAEXAMPLEROLEID1234:build-17')).toBe(callers.aws('AROAEXAMPLEROLEID1234'));
  });

  it('tells roles, users, federated users and accounts apart', () => {
    const ids = [
      'AROAEXAMPLEROLEID1234:s',
      'AROAOTHERROLEID567890:s',
      'AIDAEXAMPLEUSERID1234',
      'AIDAOTHERUSERID567890',
      // A federated user is `<account>:<name>`: the name is the caller, not the account.
      '123456789012:alice',
      '123456789012:bob',
      '123456789012',
    ];
    expect(new Set(ids.map((id) => callers.aws(id))).size).toBe(ids.length);
  });
});

describe('callers.jwt: a token\'s subject at its issuer', () => {
  it('tells subjects and issuers apart, whatever characters they hold', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.string(), fc.string(), (issuerA, subjectA, issuerB, subjectB) => {
        const same = issuerA === issuerB && subjectA === subjectB;
        expect(callers.jwt(issuerA, subjectA) === callers.jwt(issuerB, subjectB)).toBe(same);
      }),
      { numRuns: 500 },
    );
    expect(callers.jwt('https://issuer/ a', 'b')).not.toBe(callers.jwt('https://issuer/', 'a b'));
  });
});

describe('idempotencyKeys.client', () => {
  const caller = fc.oneof(
    fc.string().map((id) => callers.aws(id)),
    fc.tuple(fc.string(), fc.string()).map(([issuer, subject]) => callers.jwt(issuer, subject)),
    fc.string().map((id) => callers.account(id)),
    fc.constant(callers.unknown),
  );

  it('gives two callers, or two keys, two records: no key of one caller is ever another\'s', () => {
    fc.assert(
      fc.property(caller, fc.string({ maxLength: 64 }), caller, fc.string({ maxLength: 64 }), (callerA, keyA, callerB, keyB) => {
        const same = callerA === callerB && keyA === keyB;
        expect(idempotencyKeys.client(keyA, callerA) === idempotencyKeys.client(keyB, callerB)).toBe(same);
      }),
      { numRuns: 1_000 },
    );
  });

  it('never equals a message\'s or an event\'s own key', () => {
    fc.assert(
      fc.property(caller, fc.string({ maxLength: 64 }), fc.string(), (who, key, id) => {
        expect([idempotencyKeys.sqsMessage(id), idempotencyKeys.event(id)]).not.toContain(idempotencyKeys.client(key, who));
      }),
      { numRuns: 300 },
    );
  });
});

describe('the caller each channel establishes', () => {
  it('HTTP with IAM: the signing identity (requestContext.authorizer.iam.userId)', () => {
    const event = httpEvent({ method: 'POST', route: '/calls', authorizer: { iam: { userId: 'AROAEXAMPLEROLEID1234:build-17', accountId: '123456789012' } } });

    expect(requestCaller(event)).toBe(callers.aws('AROAEXAMPLEROLEID1234'));
  });

  it('HTTP with a JWT: its subject at its issuer (requestContext.authorizer.jwt.claims)', () => {
    const event = httpEvent({
      method: 'POST',
      route: '/calls',
      authorizer: { jwt: { claims: { iss: 'https://issuer.example.com/', sub: 'client-a' }, scopes: ['calls:write'] } },
    });

    expect(requestCaller(event)).toBe(callers.jwt('https://issuer.example.com/', 'client-a'));
  });

  it('HTTP without an authorizer (npm start runs without one): unknown', () => {
    expect(requestCaller(httpEvent({ method: 'POST', route: '/calls', authorizer: null }))).toBe(callers.unknown);
  });

  it('SQS: the sender (attributes.SenderId), the same caller as that identity over HTTP', () => {
    const [record] = sqsEvent([{ body: {} }]).Records;
    record!.attributes.SenderId = 'AROAEXAMPLEROLEID1234:i-0a1b2c3d';

    expect(sqsMessage(record!).caller).toBe(callers.aws('AROAEXAMPLEROLEID1234'));
  });

  it('EventBridge: only the account that put the event', () => {
    expect(eventMessage(eventBridgeEvent({ detail: {} })).caller).toBe(callers.account('111122223333'));
  });
});
