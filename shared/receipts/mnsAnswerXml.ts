/**
 * The XML documents MNS answers with (docs/alibaba/mns.md#batchreceivemessage BatchReceiveMessage,
 * docs/alibaba/mns.md#batchdeletemessage BatchDeleteMessage, docs/alibaba/mns.md#errors errors), read
 * with fast-xml-parser, and the documented BatchReceiveMessage shape through the direct scan of
 * mnsReceiveScan.ts first. Pure functions: the client does the HTTP, these only turn text into values.
 * What the client sends is written in mnsRequestXml.ts.
 */
import { XMLParser } from 'fast-xml-parser';
import { scanReceiveResponse } from './mnsReceiveScan.ts';

/** One received message (docs/alibaba/mns.md#batchreceivemessage). Times are epoch milliseconds. */
export interface MnsMessage {
  messageId: string;
  /** Valid until `nextVisibleTime`; needed to delete the message. */
  receiptHandle: string;
  /** `<MessageBody>` exactly as MNS returned it (entities decoded). For receipts: Base64 JSON (docs/alibaba/receipts.md#body-encoding). */
  body: string;
  bodyMd5?: string;
  enqueueTime: number;
  firstDequeueTime?: number;
  /** How often MNS handed the message out; > 1 means a redelivery. */
  dequeueCount: number;
  nextVisibleTime?: number;
  priority?: number;
}

/** One entry of a BatchDeleteMessage partial failure (docs/alibaba/mns.md#batchdeletemessage). */
export interface MnsDeleteFailure {
  receiptHandle: string;
  code: string;
  message: string;
}

/** The `<Error>` document of any failed request (docs/alibaba/mns.md#errors). */
export interface MnsErrorDocument {
  code?: string;
  message?: string;
  requestId?: string;
  hostId?: string;
}

/** The response text was not the XML document expected. */
export class MnsXmlError extends Error {
  override readonly name = 'MnsXmlError';
}

/**
 * Elements that are lists even when one element is present: a single message still comes wrapped
 * in `<Messages>` (docs/alibaba/mns.md#batchreceivemessage), a single failure in `<Errors>` (docs/alibaba/mns.md#batchdeletemessage).
 */
const LIST_PATHS = new Set(['Messages.Message', 'Errors.Error']);

const parser = new XMLParser({
  // The readers look their root element up by name, so a declaration or a processing instruction
  // kept as one more key would change nothing.
  // Stryker disable next-line BooleanLiteral: see above
  ignoreDeclaration: true,
  // Stryker disable next-line BooleanLiteral: see above
  ignorePiTags: true,
  ignoreAttributes: true,
  removeNSPrefix: true,
  // Everything stays text: receipt handles, ids and Base64 bodies must not become numbers.
  parseTagValue: false,
  // A message body must arrive exactly as sent: untrimmed, with character references such as
  // `&#13;` (a carriage return) decoded. Other fields are trimmed where they are read (field()).
  trimValues: false,
  processEntities: true,
  htmlEntities: true,
  isArray: (_name, jpath) => LIST_PATHS.has(String(jpath)),
});

function parse(xml: string): Record<string, unknown> {
  let document: unknown;
  try {
    document = parser.parse(xml);
  } catch (error) {
    throw new MnsXmlError(`not well-formed XML: ${(error as Error).message}`, { cause: error });
  }
  // Stryker disable next-line all: fast-xml-parser always returns an object; this is for the types
  if (!isRecord(document)) throw new MnsXmlError('not an XML document');
  return document;
}

/** An element with fields, as the parser returns it (never null; a list only where LIST_PATHS says). */
function isRecord(value: unknown): value is Record<string, unknown> {
  // Stryker disable next-line ConditionalExpression: the parser never returns null; the check is for the types
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * docs/alibaba/mns.md#batchreceivemessage: the `<Messages>` document of a 200 BatchReceiveMessage answer.
 *
 * The documented shape (a declaration, `<Messages>`, `<Message>` elements of text-only fields) is
 * read by a direct scan (mnsReceiveScan.ts); any other shape goes to the general XML parser, which
 * decides. Both read the same document the same way (test/unit/receipts/mnsAnswerXml.test.ts compares them on generated
 * documents). Why two: the general parser was the poller's largest CPU cost (about a fifth of it,
 * docs/benchmarks.md), and the poller shares its CPU with DynamoDB's client on every drain.
 */
export function parseReceiveResponse(xml: string): MnsMessage[] {
  const scanned = scanReceiveResponse(xml);
  if (scanned) return scanned.map((fields, index) => toMessage(fields, index));
  return parseReceiveResponseGeneral(xml);
}

/** parseReceiveResponse through the general XML parser only (exported for the tests that compare the two). */
export function parseReceiveResponseGeneral(xml: string): MnsMessage[] {
  const root = parse(xml).Messages;
  if (root === undefined) throw new MnsXmlError('expected a <Messages> document');
  // `<Messages/>` (or only white space inside) parses to a string: no messages.
  if (typeof root === 'string' && root.trim() === '') return [];
  if (!isRecord(root)) throw new MnsXmlError('expected <Message> elements inside <Messages>');
  const list = root.Message ?? [];
  if (!Array.isArray(list)) throw new MnsXmlError('expected <Message> elements inside <Messages>');
  return list.map((entry, index) => toMessage(entry, index));
}

function toMessage(fields: unknown, index: number): MnsMessage {
  if (!isRecord(fields)) throw new MnsXmlError(`<Message> ${index + 1} has no fields`);
  const messageId = text(fields.MessageId);
  const receiptHandle = text(fields.ReceiptHandle);
  if (!messageId || !receiptHandle) {
    throw new MnsXmlError(`<Message> ${index + 1} lacks a MessageId or a ReceiptHandle`);
  }
  return {
    messageId,
    receiptHandle,
    body: exactText(fields.MessageBody) ?? '',
    bodyMd5: text(fields.MessageBodyMD5),
    // A missing EnqueueTime must still give the same key on every redelivery: 0 is stable.
    enqueueTime: integer(fields.EnqueueTime) ?? 0,
    firstDequeueTime: integer(fields.FirstDequeueTime),
    dequeueCount: integer(fields.DequeueCount) ?? 1,
    nextVisibleTime: integer(fields.NextVisibleTime),
    priority: integer(fields.Priority),
  };
}

/**
 * docs/alibaba/mns.md#batchdeletemessage: the `<Errors>` document of a 404 BatchDeleteMessage answer (the handles that were not
 * deleted), or undefined when the text is not such a document (then it is an `<Error>`).
 */
export function parseDeleteFailures(xml: string): MnsDeleteFailure[] | undefined {
  let document: Record<string, unknown>;
  try {
    document = parse(xml);
  } catch {
    return undefined;
  }
  const root = document.Errors;
  if (!isRecord(root)) return undefined;
  const list = root.Error ?? [];
  if (!Array.isArray(list)) return undefined;
  return list.flatMap((fields) => {
    if (!isRecord(fields)) return [];
    const receiptHandle = text(fields.ReceiptHandle);
    if (!receiptHandle) return [];
    return [{ receiptHandle, code: text(fields.ErrorCode) ?? 'Unknown', message: text(fields.ErrorMessage) ?? '' }];
  });
}

/** docs/alibaba/mns.md#errors: the `<Error>` document, or undefined when the body is not one (proxy HTML, empty). */
export function parseErrorDocument(xml: string): MnsErrorDocument | undefined {
  let document: Record<string, unknown>;
  try {
    document = parse(xml);
  } catch {
    return undefined;
  }
  const fields = document.Error;
  if (!isRecord(fields)) return undefined;
  return {
    code: text(fields.Code),
    message: text(fields.Message),
    requestId: text(fields.RequestId),
    hostId: text(fields.HostId),
  };
}

/** A field's text, trimmed (XML indentation is not part of an id, a handle or a time). */
function text(value: unknown): string | undefined {
  const raw = exactText(value)?.trim();
  return raw === '' ? undefined : raw;
}

/** A field's text exactly as sent (message bodies); fields are never numbers (parseTagValue: false). */
function exactText(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function integer(value: unknown): number | undefined {
  const raw = text(value);
  if (raw === undefined || !/^-?\d+$/.test(raw)) return undefined;
  const parsed = Number(raw);
  return Number.isSafeInteger(parsed) ? parsed : undefined;
}
