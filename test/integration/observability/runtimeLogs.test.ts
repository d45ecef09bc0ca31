/**
 * No log line of any kind holds a full phone number or a template value (docs/security.md#logs-and-errors):
 * the entries the functions write (stdout), anything written to stderr, and what the Lambda runtime
 * logs for an error a handler throws (its name, message and stack, and console.error's view of it).
 *
 * The bundle signs with a wrong secret, so the sandbox answers every request SignatureDoesNotMatch,
 * quoting the whole string it signed, as Alibaba does: CalledNumber and TtsParam among its
 * parameters. The request goes in over HTTP, SQS and EventBridge; the last fails its invocation.
 */
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SANDBOX_ACCESS_KEY_ID, SANDBOX_ACCESS_KEY_SECRET } from '#shared/localDefaults';
import { httpEvent, lambdaContext } from '../../support/apiGatewayEvents.ts';
import { eventBridgeEvent, sqsEvent } from '../../support/triggerEvents.ts';
import { freshNumber } from '../handlers/harness.ts';
import { startPlacementHandlers, type PlacementHarness } from '../placement/harness.ts';

// Before any module is loaded: the process-wide logger reads LOG_LEVEL once, at its creation.
vi.hoisted(() => {
  process.env.LOG_LEVEL = 'debug';
});

/** A verification code (letters and digits, as such templates take): a template value, which no log line may hold. */
const CODE = 'QZ8K4X';

let harness: PlacementHarness;
let savedSecret: string | undefined;

beforeAll(async () => {
  savedSecret = process.env.ALIYUN_ACCESS_KEY_SECRET;
  // The bundle reads it at its cold start (startPlacementHandlers imports the handlers); the
  // sandbox keeps its own key pair.
  process.env.ALIYUN_ACCESS_KEY_SECRET = 'not-the-sandbox-secret';
  harness = await startPlacementHandlers({ flowControl: false, keys: [{ accessKeyId: SANDBOX_ACCESS_KEY_ID, accessKeySecret: SANDBOX_ACCESS_KEY_SECRET }] });
});
afterAll(async () => {
  await harness?.stop();
  process.env.ALIYUN_ACCESS_KEY_SECRET = savedSecret;
});

/** Runs `work` with everything written to stdout and stderr captured; returns it with the outcome. */
async function captured<T>(work: () => Promise<T>): Promise<{ outcome: PromiseSettledResult<T>; written: string }> {
  const chunks: string[] = [];
  const record = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    rest.find((argument): argument is () => void => typeof argument === 'function')?.();
    return true;
  }) as typeof process.stdout.write;
  const out = vi.spyOn(process.stdout, 'write').mockImplementation(record);
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(record);
  try {
    const [outcome] = await Promise.allSettled([work()]);
    return { outcome: outcome!, written: chunks.join('') };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

/** What the Lambda runtime logs for a handler that threw: its rapid response (errorType, errorMessage, trace), and console.error's view. */
function runtimeLog(error: unknown): string {
  const thrown = error as Error;
  return `${JSON.stringify({ errorType: thrown.name, errorMessage: thrown.message, trace: String(thrown.stack).split('\n') })}\n${inspect(error, { depth: null })}`;
}

function expectNoNumberNorTemplateValue(text: string, number: string): void {
  expect(text).not.toContain(number);
  expect(text).not.toContain(CODE);
}

describe('a request Alibaba refuses with SignatureDoesNotMatch, quoting the number and the template values', () => {
  const request = () => ({ type: 'tts', calledNumber: freshNumber(), ttsCode: 'TTS_123456789', ttsParam: { code: CODE } });

  it('over HTTP: answered 502, and no line holds the number or the code', async () => {
    const body = request();

    const { outcome, written } = await captured(() => harness.placeCall(httpEvent({ method: 'POST', route: '/calls', body }), lambdaContext()));

    expect(outcome).toMatchObject({ status: 'fulfilled', value: { statusCode: 502 } });
    expect(written).toContain('SignatureDoesNotMatch');
    expectNoNumberNorTemplateValue(written, body.calledNumber);
  });

  it('from SQS: delivered again, and no line holds the number or the code', async () => {
    const body = request();
    const event = sqsEvent([{ body }]);

    const { outcome, written } = await captured(() => harness.placeCallsFromQueue(event));

    expect(outcome).toMatchObject({ status: 'fulfilled', value: { batchItemFailures: [{ itemIdentifier: event.Records[0]!.messageId }] } });
    expect(written).toContain('SignatureDoesNotMatch');
    expectNoNumberNorTemplateValue(written, body.calledNumber);
  });

  it('from EventBridge: the invocation fails, and neither the logs nor what the runtime logs of the error hold the number or the code', async () => {
    const body = request();

    const { outcome, written } = await captured(() => harness.placeCallFromEvent(eventBridgeEvent({ detail: body })));

    expect(outcome.status).toBe('rejected');
    const error = (outcome as PromiseRejectedResult).reason;
    expect((error as Error).name).toBe('AlibabaError');
    expect(written).toContain('invocation failed');
    expectNoNumberNorTemplateValue(`${written}\n${runtimeLog(error)}`, body.calledNumber);
  });
});
