/**
 * The API's types by name, all taken from the generated `openapi.json` types (generated/openapi.ts,
 * `npm run client:types`): a change to the API changes them, and the build catches every use.
 */
import type { components, operations } from './generated/openapi.js';

export type { components, operations, paths } from './generated/openapi.js';

/** The POST /calls body: one of the five call types, chosen by `type`. */
export type PlaceCallRequest = components['schemas']['PlaceCallRequest'];
/** 202 of POST /calls. */
export type PlacedCall = components['schemas']['PlacedCall'];
/** 200 of GET /calls/{callId}. */
export type Call = components['schemas']['Call'];
/** 200 of POST /calls/{callId}/cancel. */
export type CancelResult = components['schemas']['CancelResult'];
/** The POST /call-requests body: a POST /calls body under `call`, with when, how often and until what. */
export type CreateCallRequest = components['schemas']['CreateCallRequest'];
/** 202 of POST /call-requests and 200 of GET /call-requests/{requestId}. */
export type CallRequest = components['schemas']['CallRequest'];
/** 200 of POST /call-requests/{requestId}/cancel. */
export type CallRequestCancelResult = components['schemas']['CallRequestCancelResult'];
/** The query of GET /calls/{callId}: `live: 'true'` adds Alibaba's live detail. */
export type GetCallQuery = NonNullable<operations['getCall']['parameters']['query']>;
/**
 * RFC 9457 problem details as the API sends them, with any extension members it adds (a flow-control
 * 429 may carry `retryAt` and `limit`).
 */
export type Problem = components['schemas']['Problem'] & Record<string, unknown>;

/** Operation ids of the API (openapi.json `operationId`). */
export type OperationId = keyof operations;

/** The JSON body of an operation's success (2xx) answer. */
export type SuccessBody<Id extends OperationId> = {
  [Status in keyof operations[Id]['responses']]: Status extends 200 | 201 | 202
    ? operations[Id]['responses'][Status] extends { content: { 'application/json': infer Body } }
      ? Body
      : never
    : never;
}[keyof operations[Id]['responses']];
