import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseDeleteFailures, parseErrorDocument, parseReceiveResponse, parseReceiveResponseGeneral, MnsXmlError } from '#shared/receipts/mnsAnswerXml';
import { scanReceiveResponse } from '#shared/receipts/mnsReceiveScan';
import { escapeXml } from '#shared/receipts/mnsRequestXml';
import { classifyMnsFailure } from '#shared/receipts/mnsErrors';

const NS = 'http://mns.aliyuncs.com/doc/v1/';

function message(n: number): string {
  return `
  <Message>
    <MessageId>5F290C926D472878-1-14D9529A8FA-20000000${n}</MessageId>
    <ReceiptHandle>1-ODU4OTkzNDU5My0xNDM1MTk3NjAwLTItN${n}==</ReceiptHandle>
    <MessageBodyMD5>C5DD56A39F5F7BB8B3337C6D11B6D8C${n}</MessageBodyMD5>
    <MessageBody>eyJjYWxsX2lkIjoiMTE2MDEyMzU0MTQ4XjEwMjgxMzc4MTIzNCJ9</MessageBody>
    <EnqueueTime>170530740${n}000</EnqueueTime>
    <NextVisibleTime>170530743${n}000</NextVisibleTime>
    <FirstDequeueTime>170530740${n}500</FirstDequeueTime>
    <DequeueCount>${n}</DequeueCount>
    <Priority>8</Priority>
  </Message>`;
}

/** What a reader makes of a document: its messages, or the name of the error it threw. */
function outcome(read: (xml: string) => unknown, xml: string): unknown {
  try {
    return { messages: read(xml) };
  } catch (error) {
    return { error: (error as Error).name };
  }
}

/** A one-message document whose body is `body`, as written. */
function withBody(body: string): string {
  return `<Messages><Message><MessageId>M</MessageId><ReceiptHandle>H</ReceiptHandle><MessageBody>${body}</MessageBody></Message></Messages>`;
}

/** Both readers: the direct scan (with the general parser behind it) and the general parser alone. */
const READERS = [
  ['parseReceiveResponse', parseReceiveResponse],
  ['parseReceiveResponseGeneral', parseReceiveResponseGeneral],
] as const;

describe('parseReceiveResponse (docs/alibaba/mns.md#batchreceivemessage)', () => {
  it('reads a single message, which still comes wrapped in <Messages>', () => {
    const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<Messages xmlns="${NS}">${message(1)}\n</Messages>`;
    expect(parseReceiveResponse(xml)).toEqual([
      {
        messageId: '5F290C926D472878-1-14D9529A8FA-200000001',
        receiptHandle: '1-ODU4OTkzNDU5My0xNDM1MTk3NjAwLTItN1==',
        body: 'eyJjYWxsX2lkIjoiMTE2MDEyMzU0MTQ4XjEwMjgxMzc4MTIzNCJ9',
        bodyMd5: 'C5DD56A39F5F7BB8B3337C6D11B6D8C1',
        enqueueTime: 1705307401000,
        nextVisibleTime: 1705307431000,
        firstDequeueTime: 1705307401500,
        dequeueCount: 1,
        priority: 8,
      },
    ]);
  });

  it('reads many messages, in order, with ids and handles kept as text', () => {
    const xml = `<?xml version="1.0" encoding="UTF-8"?><Messages xmlns="${NS}">${[1, 2, 3].map(message).join('')}</Messages>`;
    const messages = parseReceiveResponse(xml);
    expect(messages.map((m) => m.dequeueCount)).toEqual([1, 2, 3]);
    expect(messages.map((m) => typeof m.messageId)).toEqual(['string', 'string', 'string']);
  });

  it('keeps numeric-looking handles and ids as text (no number parsing)', () => {
    const xml = `<Messages xmlns="${NS}"><Message><MessageId>00012</MessageId><ReceiptHandle>1e5</ReceiptHandle><MessageBody>e30=</MessageBody><EnqueueTime>1</EnqueueTime><DequeueCount>1</DequeueCount></Message></Messages>`;
    expect(parseReceiveResponse(xml)[0]).toMatchObject({ messageId: '00012', receiptHandle: '1e5', body: 'e30=' });
  });

  it('decodes XML entities in bodies (a raw JSON body sent by another producer)', () => {
    const xml = `<Messages xmlns="${NS}"><Message><MessageId>M</MessageId><ReceiptHandle>H</ReceiptHandle><MessageBody>{&quot;call_id&quot;:&quot;1^2&quot;,&quot;x&quot;:&quot;a&amp;b&lt;c&quot;}</MessageBody><EnqueueTime>1</EnqueueTime><DequeueCount>1</DequeueCount></Message></Messages>`;
    expect(parseReceiveResponse(xml)[0]!.body).toBe('{"call_id":"1^2","x":"a&b<c"}');
  });

  it('an empty <Messages/> is no messages', () => {
    expect(parseReceiveResponse(`<Messages xmlns="${NS}"/>`)).toEqual([]);
  });

  it.each([
    ['not XML', 'Service Unavailable'],
    ['another document', `<Error xmlns="${NS}"><Code>X</Code></Error>`],
    ['a message without a handle', `<Messages><Message><MessageId>M</MessageId><MessageBody>x</MessageBody></Message></Messages>`],
    ['broken XML', '<Messages><Message>'],
  ])('rejects %s', (_label, xml) => {
    expect(() => parseReceiveResponse(xml)).toThrow(MnsXmlError);
  });
});

describe('parseReceiveResponse: the direct scan reads every document as the general XML parser does', () => {
  const FIELDS = ['MessageId', 'ReceiptHandle', 'MessageBodyMD5', 'MessageBody', 'EnqueueTime', 'NextVisibleTime', 'FirstDequeueTime', 'DequeueCount', 'Priority'] as const;
  const space = fc.stringMatching(/^[ \t\r\n]{0,3}$/);
  // Text as an XML writer escapes it, sometimes with character references instead (`&#13;`, `&#x26;`).
  const escapedText = fc
    .array(
      fc.oneof(
        fc.string({ unit: 'grapheme', maxLength: 12 }).map((text) => escapeXml(text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, ''))),
        fc.constantFrom('&#13;', '&#10;', '&#x26;', '&#60;', '&#x1F600;', '&amp;lt;', ' ', '\r\n', '\t'),
        fc.base64String({ maxLength: 40 }),
      ),
      { maxLength: 6 },
    )
    .map((parts) => parts.join(''));
  const field = (name: string) => fc.tuple(space, fc.oneof({ weight: 5, arbitrary: escapedText }, { weight: 1, arbitrary: fc.constant(null) })).map(([before, text]) => (text === null ? `${before}<${name}/>` : `${before}<${name}>${text}</${name}>`));
  const messageXml = fc.tuple(fc.subarray([...FIELDS], { minLength: 2 }), space).chain(([names, after]) =>
    fc.tuple(...names.map(field)).map((parts) => `<Message>${parts.join('')}${after}</Message>`),
  );
  const document = fc
    .tuple(fc.boolean(), space, fc.array(fc.tuple(space, messageXml), { maxLength: 5 }), space, fc.boolean())
    .map(([declaration, before, messages, after, selfClose]) => {
      const head = `${declaration ? '<?xml version="1.0" encoding="UTF-8"?>' : ''}${before}`;
      if (selfClose && messages.length === 0) return `${head}<Messages xmlns="${NS}"/>${after}`;
      return `${head}<Messages xmlns="${NS}">${messages.map(([gap, xml]) => gap + xml).join('')}${after}</Messages>${after}`;
    });

  it('on 1,000 generated documents of the documented shape', () => {
    fc.assert(
      fc.property(document, (xml) => {
        // The scan reads each of them itself (none is left to the general parser)...
        expect(scanReceiveResponse(xml)).toBeDefined();
        // ...and reads it as the general parser does.
        expect(outcome(parseReceiveResponse, xml)).toEqual(outcome(parseReceiveResponseGeneral, xml));
      }),
      { numRuns: 1_000 },
    );
  });

  it('on 500 generated documents broken by a cut, a stray character or a lost one (the scan leaves what it cannot read to the general parser)', () => {
    const stray = fc.constantFrom('<', '>', '&', '"', "'", '/', ';', '#', '=', ' ', '\r', '\n', 'x', ']]>', '<!--', '&#', '&amp;', '<Message>', '</Message>', '<MessageId>', '?>');
    const broken = document.chain((xml) =>
      fc.oneof(
        fc.integer({ min: 0, max: xml.length }).map((at) => xml.slice(0, at)),
        fc.tuple(fc.integer({ min: 0, max: Math.max(0, xml.length - 1) }), fc.constantFrom('<', '>', '/', '"', '&', ' ', 'x', 'z', '?', '!')).map(([at, text]) => xml.slice(0, at) + text + xml.slice(at + 1)),
        fc.tuple(fc.integer({ min: 0, max: xml.length }), stray).map(([at, text]) => xml.slice(0, at) + text + xml.slice(at)),
        fc.integer({ min: 0, max: Math.max(0, xml.length - 1) }).map((at) => xml.slice(0, at) + xml.slice(at + 1)),
      ),
    );
    fc.assert(
      fc.property(broken, (xml) => {
        expect(outcome(parseReceiveResponse, xml)).toEqual(outcome(parseReceiveResponseGeneral, xml));
      }),
      { numRuns: 500 },
    );
  });

  it.each([
    ['a namespace prefix', `<m:Messages xmlns:m="${NS}"><m:Message><m:MessageId>M</m:MessageId><m:ReceiptHandle>H</m:ReceiptHandle></m:Message></m:Messages>`],
    ['a comment', `<Messages><!-- x --><Message><MessageId>M</MessageId><ReceiptHandle>H</ReceiptHandle></Message></Messages>`],
    ['a CDATA body', `<Messages><Message><MessageId>M</MessageId><ReceiptHandle>H</ReceiptHandle><MessageBody><![CDATA[a<b]]></MessageBody></Message></Messages>`],
    ['an HTML entity', `<Messages><Message><MessageId>M</MessageId><ReceiptHandle>H</ReceiptHandle><MessageBody>a&nbsp;b&copy;</MessageBody></Message></Messages>`],
    ['a repeated field', `<Messages><Message><MessageId>M</MessageId><MessageId>N</MessageId><ReceiptHandle>H</ReceiptHandle></Message></Messages>`],
    ['a nested element', `<Messages><Message><MessageId>M</MessageId><ReceiptHandle>H</ReceiptHandle><MessageBody><b>x</b></MessageBody></Message></Messages>`],
    ['attributes on Message', `<Messages><Message id="1"><MessageId>M</MessageId><ReceiptHandle>H</ReceiptHandle></Message></Messages>`],
    ['a field name the general parser refuses', `<Messages><Message><MessageId>a</MessageId><ReceiptHandle>b</ReceiptHandle><constructor>x</constructor></Message></Messages>`],
    ['a field MNS does not document', `<Messages><Message><MessageId>a</MessageId><ReceiptHandle>b</ReceiptHandle><MessageTag>x</MessageTag></Message></Messages>`],
    ['an unknown element', `<Messages><Message><MessageId>M</MessageId><ReceiptHandle>H</ReceiptHandle></Message><Other/></Messages>`],
    ['a longer root name', `<MessagesList><Message><MessageId>M</MessageId><ReceiptHandle>H</ReceiptHandle></Message></MessagesList>`],
    ['trailing text', `<Messages><Message><MessageId>M</MessageId><ReceiptHandle>H</ReceiptHandle></Message></Messages>tail`],
    ['an unterminated entity', `<Messages><Message><MessageId>M</MessageId><ReceiptHandle>H</ReceiptHandle><MessageBody>a&amp b</MessageBody></Message></Messages>`],
    ['a mismatched closing tag', `<Messages><Message><MessageId>M</MessageBody><ReceiptHandle>H</ReceiptHandle></Message></Messages>`],
    ['a truncated document', `<Messages xmlns="${NS}"><Message><MessageId>M</MessageId><ReceiptHandle>H</Rece`],
    ['a self-closed root of another name as long', `<Messagez/>`],
    ['a root of another name as long', `<Messagez><Message><MessageId>M</MessageId><ReceiptHandle>H</ReceiptHandle></Message></Messagez>`],
    ['another declaration', `<?xml version='1.0'?><Messages><Message><MessageId>M</MessageId><ReceiptHandle>H</ReceiptHandle></Message></Messages>`],
    ['a processing instruction', `<?pi x?><Messages><Message><MessageId>M</MessageId><ReceiptHandle>H</ReceiptHandle></Message></Messages>`],
    ['a quote never closed in the start tag', `<Messages xmlns='${NS}><Message><MessageId>M</MessageId></Message></Messages>`],
    ['a "<" in the start tag', `<Messages <Message><MessageId>M</MessageId></Message></Messages>`],
    ['a "&" in the start tag', `<Messages a=1&><Message><MessageId>M</MessageId><ReceiptHandle>H</ReceiptHandle></Message></Messages>`],
    ['a field without its closing tag', `<Messages><Message><MessageId>M<ReceiptHandle>H</ReceiptHandle></Message></Messages>`],
    ['text between fields', `<Messages><Message>x<MessageId>M</MessageId><ReceiptHandle>H</ReceiptHandle></Message></Messages>`],
    ['a "]]>" in a field', `<Messages><Message><MessageId>M</MessageId><ReceiptHandle>H</ReceiptHandle><MessageBody>a]]>b</MessageBody></Message></Messages>`],
  ])('on %s: leaves it to the general parser, with the same result', (_label, xml) => {
    expect(scanReceiveResponse(xml)).toBeUndefined();
    expect(outcome(parseReceiveResponse, xml)).toEqual(outcome(parseReceiveResponseGeneral, xml));
  });
});

describe('parseDeleteFailures (docs/alibaba/mns.md#batchdeletemessage partial failure)', () => {
  it('lists the handles that were not deleted, even when only one is listed', () => {
    const one = `<Errors xmlns="${NS}"><Error><ErrorCode>ReceiptHandleError</ErrorCode><ErrorMessage>The receipt handle you provide is not valid.</ErrorMessage><ReceiptHandle>1-ODU4OTkzNDU5My0xNDM1MTk3NjAwLTItNg==</ReceiptHandle></Error></Errors>`;
    expect(parseDeleteFailures(one)).toEqual([
      { receiptHandle: '1-ODU4OTkzNDU5My0xNDM1MTk3NjAwLTItNg==', code: 'ReceiptHandleError', message: 'The receipt handle you provide is not valid.' },
    ]);
    const two = `<?xml version="1.0" encoding="UTF-8"?>
<Errors xmlns="${NS}">
  <Error>
    <ErrorCode>ReceiptHandleError</ErrorCode>
    <ErrorMessage>The receipt handle you provide is not valid.</ErrorMessage>
    <ReceiptHandle>H1</ReceiptHandle>
  </Error>
  <Error>
    <ErrorCode>MessageNotExist</ErrorCode>
    <ErrorMessage>Message not exist.</ErrorMessage>
    <ReceiptHandle>H2</ReceiptHandle>
  </Error>
</Errors>`;
    expect(parseDeleteFailures(two)?.map((failure) => [failure.receiptHandle, failure.code])).toEqual([
      ['H1', 'ReceiptHandleError'],
      ['H2', 'MessageNotExist'],
    ]);
  });

  it('is undefined for an <Error> document or garbage', () => {
    expect(parseDeleteFailures(`<Error xmlns="${NS}"><Code>MessageNotExist</Code></Error>`)).toBeUndefined();
    expect(parseDeleteFailures('<html>502</html')).toBeUndefined();
  });
});

describe('parseErrorDocument (docs/alibaba/mns.md#errors)', () => {
  it('reads Code, Message, RequestId, HostId', () => {
    const xml = `<?xml version="1.0" encoding="UTF-8"?>
<Error xmlns="${NS}">
  <Code>MessageNotExist</Code>
  <Message>Message not exist.</Message>
  <RequestId>5A3C1F2B3D4E5F60</RequestId>
  <HostId>http://1943695596114318.mns.cn-hangzhou.aliyuncs.com</HostId>
</Error>`;
    expect(parseErrorDocument(xml)).toEqual({
      code: 'MessageNotExist',
      message: 'Message not exist.',
      requestId: '5A3C1F2B3D4E5F60',
      hostId: 'http://1943695596114318.mns.cn-hangzhou.aliyuncs.com',
    });
  });

  it('is undefined for bodies that are not one', () => {
    expect(parseErrorDocument('')).toBeUndefined();
    expect(parseErrorDocument('<html><body>Bad Gateway</body></html>')).toBeUndefined();
    expect(parseErrorDocument('{"Code":"InternalError"}')).toBeUndefined();
  });
});

describe('classifyMnsFailure (docs/alibaba/mns.md#errors)', () => {
  it.each([
    ['AccessDenied', 403, 'auth'],
    ['AccessDeniedByRamPolicy', 403, 'auth'],
    ['InvalidAccessKeyId', 403, 'auth'],
    ['SignatureDoesNotMatch', 403, 'auth'],
    ['InternalError', 500, 'transient'],
    ['InternalServerError', 500, 'transient'],
    ['QpsLimitExceeded', 400, 'transient'],
    ['QueueNotExist', 404, 'config'],
    ['TimeExpired', 408, 'config'],
    ['MalformedXML', 400, 'request'],
    ['InvalidArgument', 400, 'request'],
    ['InvalidAuthorizationHeader', 400, 'request'],
    [undefined, 502, 'transient'],
    [undefined, 503, 'transient'],
    [undefined, 429, 'transient'],
    [undefined, 403, 'auth'],
    [undefined, 400, 'request'],
    [undefined, 200, 'transient'],
  ] as const)('%s / HTTP %s → %s', (code, status, kind) => {
    expect(classifyMnsFailure(code, status)).toBe(kind);
  });
});

describe('parseReceiveResponse: Alibaba\'s live answers (docs/alibaba/mns.md#batchreceivemessage)', () => {
  // Live MNS answers name the namespace without its trailing slash, and may carry the message's
  // user and system properties; both readers must take such a document as they take the documented one.
  const live = `<?xml version="1.0" encoding="UTF-8"?>
<Messages xmlns="http://mns.aliyuncs.com/doc/v1">
  <Message>
    <MessageId>5F290C926D472878-2-14D9529A8FA-200000001</MessageId>
    <ReceiptHandle>1-ODU4OTkzNDU5My0xNDM1MTk3NjAwLTItNg==</ReceiptHandle>
    <MessageBodyMD5>C5DD56A39F5F7BB8B3337C6D11B6D8C1</MessageBodyMD5>
    <MessageBody>e30=</MessageBody>
    <EnqueueTime>1250700979248</EnqueueTime>
    <NextVisibleTime>1250700799348</NextVisibleTime>
    <FirstDequeueTime>1250700779318</FirstDequeueTime>
    <DequeueCount>1</DequeueCount>
    <Priority>8</Priority>
    <UserProperties><PropertyValue><Name>tag</Name><Value>voice</Value><Type>STRING</Type></PropertyValue></UserProperties>
    <SystemProperties><PropertyValue><Name>DYSMSAPI</Name><Value>1</Value><Type>STRING</Type></PropertyValue></SystemProperties>
  </Message>
</Messages>`;

  it.each(READERS)('%s: a namespace without its trailing slash, and UserProperties / SystemProperties, are read past', (_name, read) => {
    expect(read(live)).toEqual([
      {
        messageId: '5F290C926D472878-2-14D9529A8FA-200000001',
        receiptHandle: '1-ODU4OTkzNDU5My0xNDM1MTk3NjAwLTItNg==',
        bodyMd5: 'C5DD56A39F5F7BB8B3337C6D11B6D8C1',
        body: 'e30=',
        enqueueTime: 1250700979248,
        nextVisibleTime: 1250700799348,
        firstDequeueTime: 1250700779318,
        dequeueCount: 1,
        priority: 8,
      },
    ]);
  });
});

describe('parseReceiveResponse: documents the poller must read right, on both paths', () => {
  it.each([
    ['the start tag cut after its name', `<Messages`],
    ['the start tag cut after a space', `<Messages `],
    ['the start tag cut after its attribute', `<?xml version="1.0" encoding="UTF-8"?>\n<Messages xmlns="${NS}"`],
    ['the start tag cut after a slash', `<Messages xmlns="${NS}" /`],
    ['the start tag cut inside its attribute', `<Messages xmlns="${NS}`],
    ['a declaration that never ends', `<?xml version="1.0"`],
  ])('refuses a truncated answer (%s) at once, without scanning past its end', (_label, xml) => {
    expect(scanReceiveResponse(xml)).toBeUndefined();
    expect(() => parseReceiveResponse(xml)).toThrow(MnsXmlError);
  });

  it.each(READERS)('%s: indented fields are read without their white space, except the body', (_name, read) => {
    const xml = `<?xml version="1.0" encoding="UTF-8"?>
<Messages xmlns="${NS}">
  <Message>
    <MessageId>
      M-1
    </MessageId>
    <ReceiptHandle>
      1-ODU4OTkzNDU5My0xNDM1MTk3NjAwLTItNg==
    </ReceiptHandle>
    <MessageBodyMD5>  C5DD56A39F5F7BB8B3337C6D11B6D8C1  </MessageBodyMD5>
    <MessageBody>  e30=\n</MessageBody>
    <EnqueueTime> 1705307401000 </EnqueueTime>
    <NextVisibleTime>\t1705307431000\t</NextVisibleTime>
    <FirstDequeueTime>
      1705307401500
    </FirstDequeueTime>
    <DequeueCount> 2 </DequeueCount>
    <Priority> 8 </Priority>
  </Message>
</Messages>`;
    expect(read(xml)).toEqual([
      {
        messageId: 'M-1',
        receiptHandle: '1-ODU4OTkzNDU5My0xNDM1MTk3NjAwLTItNg==',
        body: '  e30=\n',
        bodyMd5: 'C5DD56A39F5F7BB8B3337C6D11B6D8C1',
        enqueueTime: 1705307401000,
        nextVisibleTime: 1705307431000,
        firstDequeueTime: 1705307401500,
        dequeueCount: 2,
        priority: 8,
      },
    ]);
  });

  it.each(READERS)('%s: a message with only its id and handle gets the documented defaults', (_name, read) => {
    const xml = `<Messages xmlns="${NS}"><Message><MessageId>M</MessageId><ReceiptHandle>H</ReceiptHandle></Message></Messages>`;
    expect(read(xml)).toStrictEqual([
      { messageId: 'M', receiptHandle: 'H', body: '', bodyMd5: undefined, enqueueTime: 0, firstDequeueTime: undefined, dequeueCount: 1, nextVisibleTime: undefined, priority: undefined },
    ]);
  });

  it.each(READERS)('%s: numbers that are not whole, safe integers are not read as numbers', (_name, read) => {
    const xml = `<Messages xmlns="${NS}"><Message><MessageId>M</MessageId><ReceiptHandle>H</ReceiptHandle><EnqueueTime>1.5</EnqueueTime><DequeueCount>x2</DequeueCount><Priority>9007199254740993</Priority><NextVisibleTime>-7</NextVisibleTime><FirstDequeueTime>3 4</FirstDequeueTime></Message></Messages>`;
    expect(read(xml)[0]).toMatchObject({ enqueueTime: 0, dequeueCount: 1, priority: undefined, nextVisibleTime: -7, firstDequeueTime: undefined });
  });

  it.each(READERS)('%s: a blank id or handle is no id or handle', (_name, read) => {
    expect(() => read(`<Messages><Message><MessageId>  </MessageId><ReceiptHandle>H</ReceiptHandle></Message></Messages>`)).toThrow(MnsXmlError);
    expect(() => read(`<Messages><Message><MessageId>M</MessageId><ReceiptHandle/></Message></Messages>`)).toThrow(MnsXmlError);
  });

  it.each(READERS)('%s: decodes the predefined entities and character references', (_name, read) => {
    const xml = `<Messages xmlns="${NS}"><Message><MessageId>M</MessageId><ReceiptHandle>H</ReceiptHandle><MessageBody>a&gt;b&lt;c&amp;d&quot;e&apos;f&#65;&#x42;&#x1F600;&#13;g&#10;</MessageBody></Message></Messages>`;
    expect(read(xml)[0]!.body).toBe(`a>b<c&d"e'fAB\u{1F600}\rg\n`);
  });

  it('reads a literal CR LF in a body as LF, as XML requires, and a CR sent as &#13; as CR', () => {
    const xml = `<Messages><Message><MessageId>M</MessageId><ReceiptHandle>H</ReceiptHandle><MessageBody>a\r\nb\rc&#13;</MessageBody></Message></Messages>`;
    expect(scanReceiveResponse(xml)).toEqual([{ MessageId: 'M', ReceiptHandle: 'H', MessageBody: 'a\nb\nc\r' }]);
  });

  it.each([
    ['a reference to NUL', '&#0;'],
    ['a reference to a C0 control', '&#x1;'],
    ['a reference to a lone surrogate', '&#xD800;'],
    ['a reference past the last code point', '&#x110000;'],
    ['a reference to U+FFFE', '&#xFFFE;'],
    ['a decimal reference too long to be one', '&#00000065;'],
    ['a hexadecimal reference with a bad digit', '&#x4G;'],
    ['a hexadecimal reference with text after it', '&#x41zz;'],
    ['a decimal reference with text after it', '&#65zz;'],
    ['a reference to U+001F', '&#x1F;'],
    ['a reference to U+0008', '&#8;'],
    ['an empty reference', '&#;'],
  ])('leaves a body with %s to the general parser, which decides (the same answer either way)', (_label, reference) => {
    const xml = withBody(`a${reference}b`);
    expect(scanReceiveResponse(xml)).toBeUndefined();
    expect(outcome(parseReceiveResponse, xml)).toEqual(outcome(parseReceiveResponseGeneral, xml));
  });

  it.each([
    ['&#x9;', '\t'],
    ['&#x20;', ' '],
    ['&#xD7FF;', '\uD7FF'],
    ['&#xE000;', '\uE000'],
    ['&#xFFFD;', '\uFFFD'],
    ['&#x10000;', '\u{10000}'],
    ['&#x10FFFF;', '\u{10FFFF}'],
    ['&#1114111;', '\u{10FFFF}'],
  ])('the scan itself reads the reference %s, a character XML allows', (reference, character) => {
    const xml = withBody(`a${reference}b`);
    expect(scanReceiveResponse(xml)).toEqual([{ MessageId: 'M', ReceiptHandle: 'H', MessageBody: `a${character}b` }]);
    expect(parseReceiveResponseGeneral(xml)[0]!.body).toBe(`a${character}b`);
  });

  it('the scan itself reads a document that starts with a byte-order mark', () => {
    const xml = `\ufeff<?xml version="1.0" encoding="UTF-8"?><Messages xmlns="${NS}"><Message><MessageId>M</MessageId><ReceiptHandle>H</ReceiptHandle></Message></Messages>`;
    expect(scanReceiveResponse(xml)).toEqual([{ MessageId: 'M', ReceiptHandle: 'H' }]);
  });

  it('reads a document whose elements carry a namespace prefix (the general parser)', () => {
    const xml = `<?xml version="1.0"?><m:Messages xmlns:m="${NS}"><m:Message><m:MessageId> M </m:MessageId><m:ReceiptHandle>H</m:ReceiptHandle><m:MessageBody>e30=</m:MessageBody><m:DequeueCount>3</m:DequeueCount></m:Message></m:Messages>`;
    expect(parseReceiveResponse(xml)).toEqual([{ messageId: 'M', receiptHandle: 'H', body: 'e30=', enqueueTime: 0, dequeueCount: 3 }]);
  });

  it('the general parser keeps leading zeros and exponents as text (ids and handles are not numbers)', () => {
    const xml = `<Messages xmlns="${NS}"><!-- general parser --><Message><MessageId>00012</MessageId><ReceiptHandle>1e5</ReceiptHandle><MessageBody>0012</MessageBody><MessageBodyMD5>0x1F</MessageBodyMD5><EnqueueTime>0017</EnqueueTime><DequeueCount>1</DequeueCount></Message></Messages>`;
    expect(scanReceiveResponse(xml)).toBeUndefined();
    expect(parseReceiveResponse(xml)[0]).toMatchObject({ messageId: '00012', receiptHandle: '1e5', body: '0012', bodyMd5: '0x1F', enqueueTime: 17 });
  });

  it.each([
    ['an empty document with white space', `<Messages xmlns="${NS}">\n  \n</Messages>`, []],
    ['an empty document', `<Messages></Messages>`, []],
    ['a self-closed document with a space', `<Messages xmlns="${NS}" />`, []],
  ])('%s is no messages', (_label, xml, expected) => {
    expect(parseReceiveResponse(xml)).toEqual(expected);
    expect(parseReceiveResponseGeneral(xml)).toEqual(expected);
  });

  it.each([
    ['text instead of messages', `<Messages>hello</Messages>`],
    ['a message that is text', `<Messages><Message>hello</Message></Messages>`],
    ['an empty message', `<Messages><Message></Message></Messages>`],
  ])('the general parser refuses %s', (_label, xml) => {
    expect(() => parseReceiveResponseGeneral(xml)).toThrow(MnsXmlError);
    expect(() => parseReceiveResponse(xml)).toThrow(MnsXmlError);
  });
});

describe('parseReceiveResponseGeneral: what it refuses, and how it says so', () => {
  it.each([
    ['broken XML', `<?xml' version="1.0"?><Messages/>`, /^not well-formed XML: /],
    ['another document', `<Error xmlns="${NS}"><Code>X</Code></Error>`, /^expected a <Messages> document$/],
    ['text inside <Messages>', '<Messages>hello</Messages>', /^expected <Message> elements inside <Messages>$/],
    ['a second message that is text', '<Messages><Message><MessageId>M</MessageId><ReceiptHandle>H</ReceiptHandle></Message><Message>hi</Message></Messages>', /^<Message> 2 has no fields$/],
    ['a first message without a handle', '<Messages><Message><MessageId>M</MessageId></Message></Messages>', /^<Message> 1 lacks a MessageId or a ReceiptHandle$/],
    ['a second message without an id', '<Messages><Message><MessageId>M</MessageId><ReceiptHandle>H</ReceiptHandle></Message><Message><ReceiptHandle>H</ReceiptHandle></Message></Messages>', /^<Message> 2 lacks a MessageId or a ReceiptHandle$/],
  ])('%s: an MnsXmlError saying what is wrong', (_label, xml, message) => {
    expect(() => parseReceiveResponseGeneral(xml)).toThrow(expect.objectContaining({ name: 'MnsXmlError', message: expect.stringMatching(message) }));
  });

  it('keeps the parser\'s error as the cause of a not well-formed document', () => {
    const error = (() => {
      try {
        parseReceiveResponseGeneral(`<?xml' version="1.0"?><Messages/>`);
      } catch (caught) {
        return caught as MnsXmlError;
      }
      return undefined;
    })();
    expect(error?.cause).toBeInstanceOf(Error);
  });

  it('ignores attributes on fields and elements it does not know, and reads a nested element as no text', () => {
    const xml = `<Messages><Message><MessageId type="x">M</MessageId><ReceiptHandle>H</ReceiptHandle><MessageBody><b>x</b></MessageBody></Message><Other/></Messages>`;
    expect(parseReceiveResponseGeneral(xml)).toEqual([{ messageId: 'M', receiptHandle: 'H', body: '', enqueueTime: 0, dequeueCount: 1 }]);
    expect(parseReceiveResponseGeneral('<Messages><Other/></Messages>')).toEqual([]);
  });

  it.each(READERS)('%s: empty or blank optional fields are absent, and numbers only in plain decimal', (_name, read) => {
    const xml = `<Messages><Message><MessageId>M</MessageId><ReceiptHandle>H</ReceiptHandle><MessageBodyMD5>  </MessageBodyMD5><MessageBody></MessageBody><EnqueueTime>1e3</EnqueueTime><DequeueCount>0x2</DequeueCount><Priority>12abc</Priority><NextVisibleTime>abc12</NextVisibleTime><FirstDequeueTime/></Message></Messages>`;
    expect(read(xml)).toStrictEqual([
      { messageId: 'M', receiptHandle: 'H', body: '', bodyMd5: undefined, enqueueTime: 0, firstDequeueTime: undefined, dequeueCount: 1, nextVisibleTime: undefined, priority: undefined },
    ]);
  });
});

describe('parseDeleteFailures and parseErrorDocument: what a failed request says', () => {
  it('reads indented, namespace-prefixed failures; a failure without a handle is skipped, missing texts get defaults', () => {
    const xml = `<?xml version="1.0" encoding="UTF-8"?>
<e:Errors xmlns:e="${NS}">
  <e:Error>
    <e:ErrorCode> MessageNotExist </e:ErrorCode>
    <e:ReceiptHandle>
      H1
    </e:ReceiptHandle>
  </e:Error>
  <e:Error><e:ErrorCode>ReceiptHandleError</e:ErrorCode></e:Error>
  <e:Error><e:ReceiptHandle>H2</e:ReceiptHandle><e:ErrorMessage>gone</e:ErrorMessage></e:Error>
</e:Errors>`;
    expect(parseDeleteFailures(xml)).toEqual([
      { receiptHandle: 'H1', code: 'MessageNotExist', message: '' },
      { receiptHandle: 'H2', code: 'Unknown', message: 'gone' },
    ]);
  });

  it('an empty <Errors> element is not a list of failures: the answer is read as an error, never as every handle deleted', () => {
    expect(parseDeleteFailures(`<Errors xmlns="${NS}"></Errors>`)).toBeUndefined();
    expect(parseDeleteFailures(`<Errors xmlns="${NS}"/>`)).toBeUndefined();
  });

  it('reads an indented, namespace-prefixed <Error> document; missing fields are undefined', () => {
    const xml = `<x:Error xmlns:x="${NS}">\n  <x:Code>\n    QueueNotExist\n  </x:Code>\n  <x:RequestId> R1 </x:RequestId>\n</x:Error>`;
    expect(parseErrorDocument(xml)).toStrictEqual({ code: 'QueueNotExist', message: undefined, requestId: 'R1', hostId: undefined });
  });

  it('is undefined for a document that holds no <Error> element with fields', () => {
    expect(parseErrorDocument(`<Error>text</Error>`)).toBeUndefined();
    expect(parseErrorDocument(`<Messages xmlns="${NS}"/>`)).toBeUndefined();
    expect(parseErrorDocument(`<Error><Code>A</Code></Error><Error><Code>B</Code></Error>`)).toBeUndefined();
  });
});
