import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildDeleteBody, escapeXml, parseDeleteFailures, parseErrorDocument, parseReceiveResponse, parseReceiveResponseGeneral, scanReceiveResponse, MnsXmlError } from '#shared/receipts/mnsXml';
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

  const outcome = (read: (xml: string) => unknown, xml: string): unknown => {
    try {
      return { messages: read(xml) };
    } catch (error) {
      return { error: (error as Error).name };
    }
  };

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

describe('buildDeleteBody (docs/alibaba/mns.md#batchdeletemessage)', () => {
  it('is byte-for-byte the body of the docs/alibaba/signatures.md#mns-signature signature vector (249 bytes)', () => {
    const body = buildDeleteBody(['1-ODU4OTkzNDU5My0xNDM1MTk3NjAwLTItNg==', '1-ODU4OTkzNDU5NC0xNDM1MTk3NjAwLTItNg==']);
    expect(body).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><ReceiptHandles xmlns="http://mns.aliyuncs.com/doc/v1/"><ReceiptHandle>1-ODU4OTkzNDU5My0xNDM1MTk3NjAwLTItNg==</ReceiptHandle><ReceiptHandle>1-ODU4OTkzNDU5NC0xNDM1MTk3NjAwLTItNg==</ReceiptHandle></ReceiptHandles>',
    );
    expect(Buffer.byteLength(body)).toBe(249);
  });

  it('escapes handle text, and the escaped text reads back as the handle', () => {
    expect(escapeXml(`a&b<c>"d'`)).toBe('a&amp;b&lt;c&gt;&quot;d&apos;');
    const body = buildDeleteBody(['x&<y>']);
    expect(body).toContain('<ReceiptHandle>x&amp;&lt;y&gt;</ReceiptHandle>');
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
