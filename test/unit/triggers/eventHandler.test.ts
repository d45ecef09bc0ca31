/**
 * What leaves a non-HTTP handler (shared/triggers/eventHandler.ts, docs/security.md#logs-and-errors):
 * the Lambda runtime logs an error a handler throws (its name, message and stack) outside the
 * masking logger, so the error thrown carries a sanitised message only, and the logger writes the
 * full one, masked.
 */
import { inspect } from 'node:util';
import { describe, expect, it, vi } from 'vitest';
import { AlibabaError } from '#shared/errors';
import { eventHandler } from '#shared/triggers/eventHandler';

const NUMBER = '13800138000';
const CODE = 'QZ8K4X';
const ECHOED = `server string to sign is:POST&%2F&CalledNumber%3D${NUMBER}%26TtsParam%3D%257B%2522code%2522%253A%2522${CODE}%2522%257D`;

/** What the Lambda runtime writes for a handler that threw (errorType, errorMessage, trace), and console.error's own form. */
function runtimeLines(error: unknown): string {
  const thrown = error as Error;
  return `${JSON.stringify({ errorType: thrown.name, errorMessage: thrown.message, trace: thrown.stack?.split('\n') })}\n${inspect(error, { depth: null })}`;
}

async function thrownBy(logic: () => Promise<unknown>): Promise<{ error: unknown; stdout: string }> {
  const chunks: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation(((chunk: string) => {
    chunks.push(String(chunk));
    return true;
  }) as typeof process.stdout.write);
  try {
    const error = await eventHandler('test', logic)({}).then(
      () => expect.fail('the handler was expected to throw'),
      (caught: unknown) => caught,
    );
    return { error, stdout: chunks.join('') };
  } finally {
    spy.mockRestore();
  }
}

describe('an error leaving a handler', () => {
  it.each([
    ['an AlibabaError quoting its string to sign, with a cause', new AlibabaError('account', 'SignatureDoesNotMatch', `Specified signature is not matched. ${ECHOED}`, { requestId: 'REQ-1', cause: new Error(`socket to ${NUMBER}`) })],
    ['an Error naming a number', new Error(`number ${NUMBER} refused`)],
    ['a thrown string', `number ${NUMBER} refused`],
  ])('(%s) is thrown with a sanitised message and no cause; the logger writes it masked', async (_name, thrown) => {
    const { error, stdout } = await thrownBy(async () => {
      throw thrown;
    });

    const runtime = runtimeLines(error);
    for (const text of [runtime, stdout]) {
      expect(text).not.toContain(NUMBER);
      expect(text).not.toContain(CODE);
    }
    expect(error).toBeInstanceOf(thrown instanceof Error ? thrown.constructor : Error);
    expect((error as Error).name).toBe(thrown instanceof Error ? thrown.name : 'Error');
    expect((error as Error).message).toContain('*******8000'.slice(-4));
    expect((error as Error & { cause?: unknown }).cause).toBeUndefined();
    expect(stdout).toContain('"level":"ERROR"');
    expect(stdout).toContain('invocation failed');
  });

  it('keeps the original\'s stack frames, so the error can still be traced to its code', async () => {
    const { error } = await thrownBy(async function failingLogic() {
      throw new Error('boom');
    });

    expect((error as Error).stack).toMatch(/^Error: boom\n\s+at /);
    expect((error as Error).stack).toContain('failingLogic');
  });
});
