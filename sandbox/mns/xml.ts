/**
 * MNS XML documents (docs/alibaba/mns.md#batchreceivemessage, docs/alibaba/mns.md#batchdeletemessage, docs/alibaba/mns.md#errors): written by hand with escaped text, in Alibaba's
 * namespace and element order, indented as MNS indents them; the batch-delete body is read with
 * fast-xml-parser.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { malformedXml } from './errors.ts';
import type { ReceivedMessage } from './queue.ts';

export const MNS_NAMESPACE = 'http://mns.aliyuncs.com/doc/v1/';
const DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>';

/**
 * Characters XML 1.0 can carry at all (not even as `&#...;`). A message body outside this set
 * could never be delivered, so the sandbox refuses to enqueue it.
 */
const NOT_XML_CHARACTER = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

export function isXmlText(text: string): boolean {
  return !NOT_XML_CHARACTER.test(text);
}

const ENTITIES: Readonly<Record<string, string>> = {
  '<': '&lt;',
  '>': '&gt;',
  '&': '&amp;',
  '"': '&quot;',
  "'": '&apos;',
  // No named form; a raw one would become `\n` in a conforming parser.
  '\r': '&#13;',
};

/** Text content, escaped with XML's five named entities (which every parser knows), and `\r` kept. */
export function escapeXml(text: string): string {
  return text.replace(/[<>&'"\r]/g, (c) => ENTITIES[c]!);
}

function element(name: string, value: string | number, indent: string): string {
  return `${indent}<${name}>${escapeXml(String(value))}</${name}>\n`;
}

function messageFields(message: ReceivedMessage, indent: string): string {
  return (
    element('MessageId', message.messageId, indent) +
    element('ReceiptHandle', message.receiptHandle, indent) +
    element('MessageBodyMD5', message.messageBodyMd5, indent) +
    element('MessageBody', message.messageBody, indent) +
    element('EnqueueTime', message.enqueueTime, indent) +
    element('NextVisibleTime', message.nextVisibleTime, indent) +
    element('FirstDequeueTime', message.firstDequeueTime, indent) +
    element('DequeueCount', message.dequeueCount, indent) +
    element('Priority', message.priority, indent)
  );
}

/** BatchReceiveMessage's answer: every message wrapped in `<Messages>`, even a single one. */
export function messagesXml(messages: readonly ReceivedMessage[]): string {
  const items = messages.map((message) => `  <Message>\n${messageFields(message, '    ')}  </Message>\n`).join('');
  return `${DECLARATION}\n<Messages xmlns="${MNS_NAMESPACE}">\n${items}</Messages>`;
}

/** ReceiveMessage's answer (no numOfMessages): one `<Message>` root. */
export function messageXml(message: ReceivedMessage): string {
  return `${DECLARATION}\n<Message xmlns="${MNS_NAMESPACE}">\n${messageFields(message, '  ')}</Message>`;
}

export interface ErrorDocument {
  code: string;
  message: string;
  requestId: string;
  hostId: string;
}

/** docs/alibaba/mns.md#errors: the body of every 4xx/5xx except batch-delete partials. */
export function errorXml(error: ErrorDocument): string {
  return (
    `${DECLARATION}\n<Error xmlns="${MNS_NAMESPACE}">\n` +
    element('Code', error.code, '  ') +
    element('Message', error.message, '  ') +
    element('RequestId', error.requestId, '  ') +
    element('HostId', error.hostId, '  ') +
    '</Error>'
  );
}

export interface HandleError {
  code: string;
  message: string;
  receiptHandle: string;
}

/** docs/alibaba/mns.md#batchdeletemessage: a 404 listing only the handles that failed. */
export function deleteErrorsXml(errors: readonly HandleError[]): string {
  const items = errors
    .map(
      (error) =>
        '  <Error>\n' +
        element('ErrorCode', error.code, '    ') +
        element('ErrorMessage', error.message, '    ') +
        element('ReceiptHandle', error.receiptHandle, '    ') +
        '  </Error>\n',
    )
    .join('');
  return `${DECLARATION}\n<Errors xmlns="${MNS_NAMESPACE}">\n${items}</Errors>`;
}

const parser = new XMLParser({
  removeNSPrefix: true,
  ignoreDeclaration: true,
  parseTagValue: false,
  isArray: (name) => name === 'ReceiptHandle',
});

/**
 * The handles of a BatchDeleteMessage body (docs/alibaba/mns.md#batchdeletemessage), in order. Throws MalformedXML unless the
 * body is well-formed XML with one `<ReceiptHandles>` root holding only `<ReceiptHandle>` text
 * elements. An empty list is returned as such; the caller decides about counts.
 */
export function parseReceiptHandles(body: string): string[] {
  const validation = XMLValidator.validate(body);
  if (validation !== true) throw malformedXml(validation.err.msg);
  const document = parser.parse(body) as Record<string, unknown>;
  const roots = Object.keys(document);
  if (roots.length !== 1 || roots[0] !== 'ReceiptHandles') throw malformedXml('the root element must be ReceiptHandles.');
  const list = document.ReceiptHandles;
  if (list === '') return [];
  if (typeof list !== 'object' || list === null) throw malformedXml('ReceiptHandles must hold ReceiptHandle elements.');
  const { ReceiptHandle: handles, ...others } = list as Record<string, unknown>;
  if (Object.keys(others).length > 0) throw malformedXml(`unexpected element ${Object.keys(others)[0]} in ReceiptHandles.`);
  if (!Array.isArray(handles) || handles.some((handle) => typeof handle !== 'string' || handle === '')) {
    throw malformedXml('every ReceiptHandle must be a non-empty text element.');
  }
  return handles as string[];
}
