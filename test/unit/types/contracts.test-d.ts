/**
 * Compile-time contracts, checked by Vitest's typecheck (vitest.config.mts: the `unit` project runs
 * tsc over `test/unit/**\/*.test-d.ts`, so `npm test` fails on a broken one) and by `npm run
 * typecheck`. Nothing here runs: these are the types two sides must agree on.
 */
import { describe, expectTypeOf, it } from 'vitest';
import type * as z from 'zod/mini';
import type { operations, paths } from '../../../client/src/generated/openapi.ts';
import type { VoiceClient } from '../../../client/src/index.ts';
import type { CallRequestView } from '#shared/callRequests/model';
import type { cancelCallRequest } from '#shared/callRequests/service';
import type { CallView, PlacedCall, cancelCall } from '#shared/calls/service';
import type { Problem } from '#shared/http/problem';
import type { callRequestCancelResultSchema, callRequestViewSchema, callViewSchema, cancelResultSchema, placedCallSchema, problemSchema } from '#shared/http/responses';

describe('openapi.json response schemas (shared/http/responses.ts) and the domain types', () => {
  it('describe the same shapes', () => {
    expectTypeOf<PlacedCall>().toExtend<z.output<typeof placedCallSchema>>();
    expectTypeOf<z.output<typeof placedCallSchema>>().toExtend<PlacedCall>();
    expectTypeOf<Awaited<ReturnType<typeof cancelCall>>>().toEqualTypeOf<z.output<typeof cancelResultSchema>>();
    expectTypeOf<Problem>().toExtend<z.output<typeof problemSchema>>();
    expectTypeOf<z.output<typeof problemSchema>>().toExtend<Problem>();
    expectTypeOf<CallView>().toExtend<z.output<typeof callViewSchema>>();
    expectTypeOf<Omit<CallRequestView, 'call'>>().toExtend<Omit<z.output<typeof callRequestViewSchema>, 'call'>>();
    expectTypeOf<Awaited<ReturnType<typeof cancelCallRequest>>>().toEqualTypeOf<z.output<typeof callRequestCancelResultSchema>>();
  });
});

describe('the client (client/src) and the generated operations', () => {
  it('types each method from its operation', () => {
    type PlaceCallBody = operations['placeCall']['requestBody']['content']['application/json'];
    expectTypeOf<Parameters<VoiceClient['placeCall']>[0]>().toEqualTypeOf<PlaceCallBody>();
    expectTypeOf<ReturnType<VoiceClient['getCall']>>().toEqualTypeOf<Promise<operations['getCall']['responses'][200]['content']['application/json']>>();
    expectTypeOf<paths['/calls/{callId}/cancel']['post']>().toEqualTypeOf<operations['cancelCall']>();
    type CreateCallRequestBody = operations['createCallRequest']['requestBody']['content']['application/json'];
    expectTypeOf<Parameters<VoiceClient['createCallRequest']>[0]>().toEqualTypeOf<CreateCallRequestBody>();
    expectTypeOf<ReturnType<VoiceClient['getCallRequest']>>().toEqualTypeOf<Promise<operations['getCallRequest']['responses'][200]['content']['application/json']>>();
  });
});
