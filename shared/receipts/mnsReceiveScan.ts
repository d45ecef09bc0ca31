/**
 * The direct scan of a 200 BatchReceiveMessage answer (docs/alibaba/mns.md#batchreceivemessage): the
 * documented `<Messages>` shape read without the general XML parser, which was the poller's largest
 * CPU cost (docs/benchmarks.md). It reads only what it is sure of and leaves every other document to
 * the general parser (parseReceiveResponse in mnsAnswerXml.ts), so both read a document the same way.
 */

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
