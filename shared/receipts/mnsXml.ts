/**
 * The XML documents of the MNS queue API (docs/alibaba/mns.md#batchreceivemessage BatchReceiveMessage, docs/alibaba/mns.md#batchdeletemessage BatchDeleteMessage,
 * docs/alibaba/mns.md#errors errors), read with fast-xml-parser and written with escaped text. Pure functions: the
 * client does the HTTP, these only turn text into values and back.
 */
import { XMLParser } from 'fast-xml-parser';

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

/** docs/alibaba/mns.md: requests and responses use this namespace. */
export const MNS_XML_NAMESPACE = 'http://mns.aliyuncs.com/doc/v1/';

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
 * read by a direct scan; any other shape goes to the general XML parser, which decides. Both read
 * the same document the same way (test/unit/receipts/mnsXml.test.ts compares them on generated
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

/** XML white space (XML 1.0 §2.3 S). */
function isSpace(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d;
}

/**
 * The `<Message>` fields the scan accepts (docs/alibaba/mns.md#batchreceivemessage). Any other element, a field MNS may add one
 * day as much as a name the general parser refuses (`constructor`), leaves the document to it.
 */
const MESSAGE_FIELDS: ReadonlySet<string> = new Set([
  'MessageId',
  'ReceiptHandle',
  'MessageBodyMD5',
  'MessageBody',
  'EnqueueTime',
  'NextVisibleTime',
  'FirstDequeueTime',
  'DequeueCount',
  'Priority',
]);
/** The XML declaration MNS writes (docs/alibaba/mns.md#batchreceivemessage). */
const MNS_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>';
const PREDEFINED_ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/**
 * The documented `<Messages>` document read directly: each `<Message>`'s fields as text, entities
 * decoded. Undefined for anything outside that shape (a namespace prefix, comments, CDATA, other
 * entities, attributes on `<Message>`, other, nested or repeated fields, trailing content): the general
 * parser then reads it, so nothing it accepts is refused here and nothing is read differently.
 */
export function scanReceiveResponse(xml: string): Record<string, string>[] | undefined {
  let at = xml.charCodeAt(0) === 0xfeff ? 1 : 0;
  const skipSpace = (): void => {
    while (at < xml.length && isSpace(xml.charCodeAt(at))) at++;
  };
  skipSpace();
  if (xml.startsWith('<?', at)) {
    // Only the declaration MNS writes; any other one (or another processing instruction) is the
    // general parser's to accept or refuse.
    if (!xml.startsWith(MNS_DECLARATION, at)) return undefined;
    at += MNS_DECLARATION.length;
    skipSpace();
  }
  if (!xml.startsWith('<Messages', at)) return undefined;
  at += '<Messages'.length;
  // `<MessagesX>` would be another element.
  const afterName = xml.charCodeAt(at);
  if (!isSpace(afterName) && afterName !== 0x3e && afterName !== 0x2f) return undefined;
  // Attributes (the namespace declaration): quoted values, no '>' outside quotes.
  let selfClosing = false;
  for (;;) {
    if (at >= xml.length) return undefined;
    const code = xml.charCodeAt(at);
    if (code === 0x3e /* > */) break;
    if (code === 0x2f /* / */) {
      // Outside quotes a '/' only ends the tag (`/>`); anything else is the general parser's to judge.
      if (xml.charCodeAt(at + 1) !== 0x3e) return undefined;
      selfClosing = true;
      at++;
      break;
    }
    if (code === 0x22 /* " */ || code === 0x27 /* ' */) {
      const close = xml.indexOf(xml[at]!, at + 1);
      if (close < 0) return undefined;
      at = close + 1;
      continue;
    }
    // A '<' or '&' outside quotes is not well-formed: the general parser says so.
    if (code === 0x3c || code === 0x26) return undefined;
    at++;
  }
  at++;
  const messages: Record<string, string>[] = [];
  if (!selfClosing) {
    for (;;) {
      skipSpace();
      if (xml.startsWith('</Messages>', at)) {
        at += '</Messages>'.length;
        break;
      }
      if (!xml.startsWith('<Message>', at)) return undefined;
      at += '<Message>'.length;
      const fields: Record<string, string> = {};
      for (;;) {
        skipSpace();
        if (xml.startsWith('</Message>', at)) {
          at += '</Message>'.length;
          break;
        }
        if (xml.charCodeAt(at) !== 0x3c) return undefined;
        const nameEnd = xml.indexOf('>', at);
        if (nameEnd < 0) return undefined;
        let name = xml.slice(at + 1, nameEnd);
        let value = '';
        if (name.endsWith('/')) {
          name = name.slice(0, -1);
          at = nameEnd + 1;
        } else {
          const textEnd = xml.indexOf('<', nameEnd + 1);
          if (textEnd < 0) return undefined;
          const decoded = decodeText(xml.slice(nameEnd + 1, textEnd));
          if (decoded === undefined) return undefined;
          value = decoded;
          const closing = `</${name}>`;
          if (!xml.startsWith(closing, textEnd)) return undefined;
          at = textEnd + closing.length;
        }
        if (!MESSAGE_FIELDS.has(name) || Object.hasOwn(fields, name)) return undefined;
        fields[name] = value;
      }
      messages.push(fields);
    }
  }
  skipSpace();
  return at === xml.length ? messages : undefined;
}

/**
 * Character data with line ends normalised and the five predefined entities and character
 * references decoded; undefined
 * for anything else (another entity, a '>' that a CDATA end could be part of, a character XML does
 * not allow), left to the general parser.
 */
function decodeText(text: string): string | undefined {
  if (text.includes(']]>')) return undefined;
  // XML 1.0 §2.11: a literal CR LF or CR is read as LF (a CR sent as `&#13;` stays a CR).
  // Stryker disable next-line StringLiteral: the test only spares a replace() that would find nothing
  const raw = text.includes('\r') ? text.replace(/\r\n?/g, '\n') : text;
  // Stryker disable next-line ConditionalExpression,StringLiteral: the loop below returns text without '&' unchanged too
  if (!raw.includes('&')) return raw;
  let out = '';
  let from = 0;
  for (let amp = raw.indexOf('&'); amp >= 0; amp = raw.indexOf('&', from)) {
    const semicolon = raw.indexOf(';', amp);
    // Stryker disable next-line EqualityOperator: the ';' comes after the '&', so it is never at 0
    if (semicolon < 0) return undefined;
    const entity = raw.slice(amp + 1, semicolon);
    let character: string | undefined;
    if (entity.startsWith('#')) {
      const codePoint = /^#x[0-9A-Fa-f]{1,6}$/.test(entity) ? parseInt(entity.slice(2), 16) : /^#[0-9]{1,7}$/.test(entity) ? parseInt(entity.slice(1), 10) : NaN;
      if (!isXmlChar(codePoint)) return undefined;
      character = String.fromCodePoint(codePoint);
    } else {
      character = Object.hasOwn(PREDEFINED_ENTITIES, entity) ? PREDEFINED_ENTITIES[entity] : undefined;
    }
    if (character === undefined) return undefined;
    out += raw.slice(from, amp) + character;
    from = semicolon + 1;
  }
  return out + raw.slice(from);
}

/** XML 1.0 §2.2 Char, without the C0 controls other than tab, line feed and carriage return. */
function isXmlChar(codePoint: number): boolean {
  return (
    codePoint === 0x9 ||
    codePoint === 0xa ||
    codePoint === 0xd ||
    (codePoint >= 0x20 && codePoint <= 0xd7ff) ||
    (codePoint >= 0xe000 && codePoint <= 0xfffd) ||
    (codePoint >= 0x10000 && codePoint <= 0x10ffff)
  );
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

/**
 * docs/alibaba/mns.md#batchdeletemessage: the BatchDeleteMessage body. Handles are Base64-like, but are escaped anyway; no
 * trailing newline (the BatchDelete signature vector of docs/alibaba/signatures.md is computed over exactly this shape).
 */
export function buildDeleteBody(receiptHandles: readonly string[]): string {
  const handles = receiptHandles.map((handle) => `<ReceiptHandle>${escapeXml(handle)}</ReceiptHandle>`).join('');
  return `<?xml version="1.0" encoding="UTF-8"?><ReceiptHandles xmlns="${MNS_XML_NAMESPACE}">${handles}</ReceiptHandles>`;
}

const XML_ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** Escapes text for an XML element or attribute. */
export function escapeXml(value: string): string {
  return value.replace(/[&<>"']/g, (character) => XML_ESCAPES[character]!);
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
