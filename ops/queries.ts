/**
 * The saved CloudWatch Logs Insights queries of a stage (AWS::Logs::QueryDefinition,
 * docs/operations.md#saved-queries): the questions people ask about the service, answered from the
 * fields the functions log (shared/logger.ts: one JSON object per line, phone numbers masked).
 *
 * Each query runs over every function's log group. Logs Insights keeps no time range with a query:
 * the console's range applies (1 hour by default). Every field a query names is one the code logs,
 * which test/integration/observability/dashboard.test.ts checks against the handlers' real output.
 */
import { functionLogicalId } from './dashboard.ts';

/** The text an operator replaces in the call story query with a CallId or an outId. */
export const CALL_STORY_PLACEHOLDER = 'PASTE-CALLID-OR-OUTID';

export interface SavedQuery {
  /** The resource's logical id in serverless.yml. */
  logicalId: string;
  /** Shown under the stage's folder in Logs Insights' saved queries. */
  title: string;
  query: string;
}

/** The saved queries, each a resource in serverless.yml (the template test checks both ways). */
export const SAVED_QUERIES: readonly SavedQuery[] = [
  {
    // A substring of the whole line: one place to paste, and any entry naming the call matches
    // (its callId, its outId, a message quoting either). A numeric outId of 7+ digits is logged
    // masked like a phone number: paste it masked (*******1234).
    logicalId: 'CallStoryQuery',
    title: 'Call story (paste a callId or outId)',
    query: [
      'fields @timestamp, @log, level, message, callId, outId, type, outcome, code, detailType, messageType, statusCode, previousStatus, status, alibabaRequestId, durationMs, requestId, invocationId',
      `filter @message like "${CALL_STORY_PLACEHOLDER}"`,
      'sort @timestamp asc',
      'limit 500',
    ].join('\n| '),
  },
  {
    // Alibaba's refusals (content, number, flow control, throttling) are `rejected` or `throttled`;
    // the bundle's own per-number flow control refuses with code FLOW_CONTROL.
    logicalId: 'RefusedNumbersQuery',
    title: 'Refused numbers (masked)',
    query: [
      'fields @timestamp, calledNumber, callerNumber, type, outcome, code, outId, alibabaRequestId, requestId, invocationId',
      'filter message = "call not placed" and (outcome in ["rejected", "throttled"] or code in ["FLOW_CONTROL"])',
      'sort @timestamp desc',
      'limit 1000',
    ].join('\n| '),
  },
  {
    logicalId: 'SlowestPlacementsQuery',
    title: 'Slowest placements',
    query: [
      'fields @timestamp, durationMs, callId, type, outId, alibabaRequestId, requestId, invocationId, @log',
      'filter message = "call placed" and ispresent(durationMs)',
      'sort durationMs desc',
      'limit 50',
    ].join('\n| '),
  },
  {
    // The poller logs one entry per invalid message (reason); the push route one per push
    // (reasons, the first ones).
    logicalId: 'InvalidReceiptsQuery',
    title: 'Invalid receipts and why',
    query: [
      'fields @timestamp, messageType, queue, messageId, reason, reasons.0.messageId, reasons.0.reason, invalid, requestId, @log',
      'filter message like /stored raw as invalid/',
      'sort @timestamp desc',
      'limit 200',
    ].join('\n| '),
  },
];

/** An AWS::Logs::QueryDefinition's properties, its log groups as references to osls' resources. */
export interface QueryDefinitionProperties {
  Name: string;
  QueryString: string;
  LogGroupNames: { Ref: string }[];
}

/** The properties of every saved query, by logical id; `folder` groups them in the console. */
export function queryDefinitions(folder: string, functions: readonly string[]): Record<string, QueryDefinitionProperties> {
  const logGroups = functions.map((name) => ({ Ref: functionLogicalId(name, 'LogGroup') }));
  return Object.fromEntries(SAVED_QUERIES.map((saved) => [saved.logicalId, { Name: `${folder}/${saved.title}`, QueryString: saved.query, LogGroupNames: logGroups }]));
}
