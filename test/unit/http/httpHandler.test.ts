/**
 * shared/http/apiGateway.ts httpHandler's answer hook: a route sees every answer it gives (success
 * and problem+json alike) with the time since API Gateway received the request, before the
 * invocation's metrics are written; a failing hook never fails the answer.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ValidationError } from '#shared/errors';
import { answerTimeMs, httpHandler, type HttpAnswer } from '#shared/http/apiGateway';
import { httpEvent, lambdaContext } from '../../support/apiGatewayEvents.ts';

const event = () => httpEvent({ method: 'POST', route: '/receipts/{messageType}', path: '/receipts/VoiceReport', body: '[]' });

afterEach(() => {
  vi.restoreAllMocks();
});

describe('answerTimeMs', () => {
  const NOW = Date.parse('2026-11-24T15:41:00.700Z');
  const withTimeEpoch = (timeEpoch: number | undefined) => {
    const built = event();
    (built.requestContext as { timeEpoch?: number }).timeEpoch = timeEpoch;
    return built;
  };

  it('counts from API Gateway\'s receipt of the request, so time before the handler (a cold start) counts', () => {
    expect(answerTimeMs(withTimeEpoch(NOW - 650), NOW - 40, NOW)).toBe(650);
  });

  it('answers 0, not a negative time, when API Gateway\'s clock is slightly ahead of Lambda\'s', () => {
    expect(answerTimeMs(withTimeEpoch(NOW + 3), NOW - 40, NOW)).toBe(0);
  });

  it.each([
    ['missing', undefined],
    ['older than API Gateway ever waits (30 s)', NOW - 30_001],
  ])('measures from the handler\'s start when timeEpoch is %s', (_case, timeEpoch) => {
    expect(answerTimeMs(withTimeEpoch(timeEpoch), NOW - 40, NOW)).toBe(40);
  });
});

describe('httpHandler onAnswer', () => {
  it('sees a success and a refusal with their status codes and a time since API Gateway received them', async () => {
    // arrange
    const answers: HttpAnswer[] = [];
    const handler = httpHandler(
      async ({ event: request }) => {
        if (request.body === '[]') return { statusCode: 200, body: { code: 0 } };
        throw new ValidationError([{ path: 'body', message: 'is required' }]);
      },
      { onAnswer: (answer) => answers.push(answer) },
    );
    const refused = { ...event(), body: '' };
    // act
    const ok = await handler(event(), lambdaContext());
    const problem = await handler(refused, lambdaContext());
    // assert
    expect([ok.statusCode, problem.statusCode]).toEqual([200, 400]);
    expect(answers.map((answer) => answer.statusCode)).toEqual([200, 400]);
    expect(answers[1]!.event).toBe(refused);
    for (const answer of answers) {
      expect(answer.answerTimeMs).toBeGreaterThanOrEqual(0);
      expect(answer.answerTimeMs).toBeLessThan(30_000);
    }
  });

  it('answers as if there were no hook when the hook throws', async () => {
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const handler = httpHandler(async () => ({ statusCode: 200, body: { code: 0 } }), {
      onAnswer: () => {
        throw new Error('metrics broken');
      },
    });

    const response = await handler(event(), lambdaContext());

    expect(response).toMatchObject({ statusCode: 200, body: '{"code":0}' });
  });
});
