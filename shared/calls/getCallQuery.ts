import * as z from 'zod/mini';
import { patterned } from './schemas.ts';

/** GET /calls/{callId} query parameters (README.md). Unknown parameters are rejected. */
export const getCallQuerySchema = z.strictObject({
  live: z.optional(z.enum(['true', 'false']).check(z.describe('true: also ask Alibaba (QueryCallDetailByCallId) and add "detail".'))),
  prodId: z.optional(
    patterned(/^\d{1,20}$/, 20, 'must be a numeric Alibaba product id').check(z.describe('ProdId of QueryCallDetailByCallId, for calls placed elsewhere (for example 11010000138001 for SingleCallByTts).')),
  ),
  queryDate: z.optional(
    patterned(/^\d{13}$/, 13, 'must be epoch milliseconds (13 digits)').check(z.describe('Epoch ms starting the day to search, for calls placed elsewhere.')),
  ),
});
