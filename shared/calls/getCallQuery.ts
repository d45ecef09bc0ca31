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
  // A receipt's sort key is at most 1,024 bytes (DynamoDB's limit): 1,366 characters of Base64url.
  receiptsAfter: z.optional(
    patterned(/^[A-Za-z0-9_-]{2,1366}$/, 1366, 'must be the nextReceiptsAfter of a previous answer').check(
      z.describe('The next page of receipts: the nextReceiptsAfter of the previous answer.'),
    ),
  ),
});
