/**
 * The two identifiers a caller sends outside the body (docs/http-api.md): the CallId in the path of
 * GET and DELETE /calls/{callId}, and the Idempotency-Key header of POST /calls. What each accepts,
 * and the message a refused one is answered with.
 */
import { describe, expect, it } from 'vitest';
import { callIdSchema, idempotencyKeySchema } from '#shared/calls/schemas';
import { ValidationError } from '#shared/errors';
import { parseOrThrow } from '#shared/validation';

function refusal(schema: typeof callIdSchema, value: unknown): string[] {
  try {
    parseOrThrow(schema, value, 'value');
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).issues.map((issue) => issue.message);
  }
  return expect.fail(`expected ${JSON.stringify(value)} to be refused`);
}

describe('callIdSchema', () => {
  it.each(['116012354148^102813781234', 'a', 'A-b_c.d^e', 'x'.repeat(64)])('accepts %j', (callId) => {
    expect(callIdSchema.parse(callId)).toBe(callId);
  });

  it.each(['', 'x'.repeat(65), 'a b', 'a/b', '../x', 'a%5Eb', '李'])('refuses %j, saying what a CallId is made of', (callId) => {
    expect(refusal(callIdSchema, callId)).toEqual(['must be 1 to 64 characters of letters, digits and ^ . _ -']);
  });
});

describe('idempotencyKeySchema', () => {
  it.each(['k', 'order 42 / retry #1', '~'.repeat(64)])('accepts %j', (key) => {
    expect(idempotencyKeySchema.parse(key)).toBe(key);
  });

  it.each(['', 'x'.repeat(65), 'tab\there', 'é'])('refuses %j, saying what a key is made of', (key) => {
    expect(refusal(idempotencyKeySchema, key)).toEqual(['must be 1 to 64 printable ASCII characters']);
  });
});
