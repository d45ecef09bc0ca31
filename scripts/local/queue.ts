/**
 * A local SQS queue and its Lambda event source mapping, for `npm start` and the tests (there is no
 * SQS emulator here): the call-requests queue that placeCallsFromQueue reads, which the functions
 * also send to (a request refused for flow control waits for its window as a delayed message).
 *
 * It speaks the SQS JSON protocol (AWS JSON 1.0, `POST /`, `X-Amz-Target: AmazonSQS.<Operation>`)
 * as @aws-sdk/client-sqs v3 sends it: SendMessage, SendMessageBatch and GetQueueUrl, checked the way
 * SQS checks them (body size and characters, DelaySeconds 0-900, message attribute names, types and
 * values, batch ids), answering with the real MD5 digests of the body and of the message attributes
 * and with errors in SQS's shape (`__type` and the `x-amzn-query-error` header).
 *
 * Like Lambda's event source mapping (batch size 10, maximum concurrency 2, ReportBatchItemFailures)
 * it hands visible messages, in batches in the Lambda SQS event shape, to a `deliver` callback
 * (`npm start`: placeCallsFromQueue through the Lambda invoke API). A message the function reports
 * in `batchItemFailures` (every message of a batch whose delivery threw) is received again once its
 * visibility timeout has passed; after `maxReceiveCount` receives it moves to the dead-letter list,
 * as the deployed redrive policy moves it to the DLQ. The rest are deleted.
 *
 * It prints one line per delivery and per dead letter (ids and counts, never a body: phone numbers)
 * and serves its messages at `GET /messages`. Signatures are not checked: locally any key is
 * accepted, as with DynamoDB Local.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { SQSBatchResponse, SQSEvent, SQSMessageAttributes, SQSRecord } from 'aws-lambda';
import { closeServer, createBufferedServer, listen, sendJson, signingKeyId, type BufferedRequest } from './http.ts';
import { withoutUndefined } from './lambda.ts';

/** A message attribute as SendMessage takes it (JSON protocol: BinaryValue in Base64). */
export interface MessageAttribute {
  DataType: string;
  StringValue?: string;
  BinaryValue?: string;
}

/** One stored message, for people and tests. */
export interface QueueMessage {
  messageId: string;
  body: string;
  messageAttributes: Record<string, MessageAttribute>;
  /** ISO time it was sent. */
  sentAt: string;
  /** ISO time it is (or was) visible from: after its delay, or after the visibility timeout of its last receive. */
  visibleAt: string;
  receiveCount: number;
}

/** A message moved to the dead-letter list after `maxReceiveCount` receives. */
export interface DeadLetter extends QueueMessage {
  deadAt: string;
}

export interface SendOptions {
  /** 0-900; the message is delivered no earlier than this. */
  delaySeconds?: number;
  messageAttributes?: Record<string, MessageAttribute>;
}

/** What SendMessage answers. */
export interface SendResult {
  MessageId: string;
  MD5OfMessageBody: string;
  MD5OfMessageAttributes?: string;
}

export interface LocalQueueOptions {
  port?: number;
  host?: string;
  /** Default `aliyun-voice-dev-call-requests`, the dev stage's queue. */
  queueName?: string;
  /** Default `000000000000`. */
  account?: string;
  /** Named in the queue's ARN and the records' awsRegion; default `us-east-1`. */
  region?: string;
  /** The function: may return batchItemFailures; throwing fails the whole batch. */
  deliver: (event: SQSEvent) => Promise<SQSBatchResponse | void | undefined | null>;
  /** Messages per delivery, 1-10; default 10, the deployed batchSize. */
  batchSize?: number;
  /** Deliveries in flight at once; default 2, the deployed maximumConcurrency. */
  concurrency?: number;
  /** How long a received message stays invisible; default 30 s (deployed: 180 s, 6x the function's timeout). */
  visibilityTimeoutMs?: number;
  /** Receives before a message moves to the dead-letter list; default 3, the deployed redrive policy. */
  maxReceiveCount?: number;
  /** The queue's MaximumMessageSize (body plus attributes); default 256 KiB. */
  maxMessageBytes?: number;
  /** How often visible messages are looked for; default 200 ms. */
  pollIntervalMs?: number;
  /** The clock that delays and visibility timeouts are measured with (tests move it). Default Date.now. */
  now?: () => number;
  /** Where the one line per delivery or dead letter goes; default stdout. */
  print?: (line: string) => void;
}

export interface LocalQueue {
  /** Origin to use as SQS_ENDPOINT. */
  url: string;
  port: number;
  /** `<origin>/<account>/<queue name>`: CALL_REQUESTS_QUEUE_URL. */
  queueUrl: string;
  queueArn: string;
  /** SendMessage without HTTP; throws a QueueError where SendMessage would answer one. */
  send(body: string, options?: SendOptions): SendResult;
  /** Messages not received, delayed, or visible again after a failed receive; oldest first. */
  queued(): QueueMessage[];
  /** Messages received and not yet deleted: being delivered, or waiting out their visibility timeout after a failure. */
  inFlight(): QueueMessage[];
  deadLetters(): DeadLetter[];
  /**
   * Delivers every message visible now, batch after batch (at most `concurrency` at once), and
   * resolves, once those deliveries have returned, to the number of messages delivered (tests).
   */
  deliverDue(): Promise<number>;
  /** Stops delivering and listening; waits for the deliveries in flight. */
  close(): Promise<void>;
}

/** An SQS error: `code` names `__type`, `queryCode` the `x-amzn-query-error` header (the SDK's `Code`). */
export class QueueError extends Error {
  override readonly name = 'QueueError';
  constructor(
    readonly code: string,
    message: string,
    readonly queryCode: string = code,
    readonly status = 400,
  ) {
    super(message);
  }
}

interface StoredMessage {
  messageId: string;
  body: string;
  attributes: Record<string, MessageAttribute>;
  md5OfBody: string;
  md5OfMessageAttributes?: string;
  senderId: string;
  sentAt: number;
  visibleAt: number;
  receiveCount: number;
  firstReceiveAt?: number;
  /** In a batch whose delivery has not returned: never handed out twice at once. */
  delivering: boolean;
}

const JSON_10 = 'application/x-amz-json-1.0';
const MAX_DELAY_SECONDS = 900;
const MAX_BATCH_ENTRIES = 10;
const MAX_ATTRIBUTES = 10;
/** A request far above any valid SQS request is refused before it is buffered. */
const MAX_BODY_BYTES = 4 * 1024 * 1024;
/** The characters SQS accepts in a body and in string attribute values (XML 1.0's). */
const INVALID_CHARACTER = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

/** Starts the queue on 127.0.0.1 (`port` 0 picks a free one) and its delivery loop. */
export async function startLocalQueue(options: LocalQueueOptions): Promise<LocalQueue> {
  const print = options.print ?? ((line: string) => console.log(line));
  const now = options.now ?? Date.now;
  const queueName = options.queueName ?? 'aliyun-voice-dev-call-requests';
  const account = options.account ?? '000000000000';
  const region = options.region ?? 'us-east-1';
  const queueArn = `arn:aws:sqs:${region}:${account}:${queueName}`;
  const batchSize = Math.min(MAX_BATCH_ENTRIES, Math.max(1, options.batchSize ?? 10));
  const concurrency = Math.max(1, options.concurrency ?? 2);
  const visibilityTimeoutMs = options.visibilityTimeoutMs ?? 30_000;
  const maxReceiveCount = options.maxReceiveCount ?? 3;
  const maxMessageBytes = options.maxMessageBytes ?? 256 * 1024;

  // Insertion order is send order: a standard queue's best effort at first in, first out.
  const messages = new Map<string, StoredMessage>();
  const deadLetters: DeadLetter[] = [];
  const deliveries = new Set<Promise<void>>();
  let closing = false;

  const accept = (body: unknown, delay: unknown, attributes: unknown, senderId: string): SendResult => {
    const checked = checkMessage(body, delay, attributes, maxMessageBytes);
    const sentAt = now();
    const message: StoredMessage = {
      messageId: randomUUID(),
      body: checked.body,
      attributes: checked.attributes,
      md5OfBody: md5(Buffer.from(checked.body, 'utf8')),
      md5OfMessageAttributes: Object.keys(checked.attributes).length > 0 ? md5OfMessageAttributes(checked.attributes) : undefined,
      senderId,
      sentAt,
      visibleAt: sentAt + checked.delaySeconds * 1000,
      receiveCount: 0,
      delivering: false,
    };
    messages.set(message.messageId, message);
    return withoutUndefined({ MessageId: message.messageId, MD5OfMessageBody: message.md5OfBody, MD5OfMessageAttributes: message.md5OfMessageAttributes });
  };

  /** Moves messages received maxReceiveCount times to the dead-letter list, as SQS does on their next receive. */
  const redrive = (at: number): void => {
    for (const message of messages.values()) {
      if (message.delivering || message.visibleAt > at || message.receiveCount < maxReceiveCount) continue;
      messages.delete(message.messageId);
      deadLetters.push({ ...view(message), deadAt: new Date(at).toISOString() });
      print(`[queue] ${new Date(at).toISOString()} ${queueName}: message ${message.messageId} moved to the dead-letter list after ${message.receiveCount} receives`);
    }
  };

  /** Starts as many batches of visible messages as the concurrency allows; returns how many messages they hold. */
  const startBatches = (): number => {
    if (closing) return 0;
    const at = now();
    redrive(at);
    let started = 0;
    while (deliveries.size < concurrency) {
      const batch: StoredMessage[] = [];
      for (const message of messages.values()) {
        if (batch.length === batchSize) break;
        if (!message.delivering && message.visibleAt <= at) batch.push(message);
      }
      if (batch.length === 0) break;
      started += batch.length;
      const delivery = deliverBatch(batch, at).finally(() => deliveries.delete(delivery));
      deliveries.add(delivery);
    }
    return started;
  };

  const deliverBatch = async (batch: StoredMessage[], at: number): Promise<void> => {
    const records = batch.map((message) => {
      message.delivering = true;
      message.receiveCount++;
      message.firstReceiveAt ??= at;
      message.visibleAt = at + visibilityTimeoutMs;
      return toLambdaRecord(message, queueArn, region);
    });
    let failed: Set<string>;
    let problem = '';
    try {
      failed = reportedFailures(batch, await options.deliver({ Records: records }));
    } catch (error) {
      failed = new Set(batch.map((message) => message.messageId));
      problem = ` (delivery failed: ${error instanceof Error ? error.message : String(error)})`;
    }
    for (const message of batch) {
      message.delivering = false;
      if (!failed.has(message.messageId)) messages.delete(message.messageId);
    }
    if (closing) return;
    const receives = [...new Set(batch.map((message) => message.receiveCount))].join(',');
    const outcome = failed.size === 0 ? 'all deleted' : `${batch.length - failed.size} deleted, ${failed.size} received again after the visibility timeout`;
    print(`[queue] ${new Date(at).toISOString()} ${queueName}: delivered ${batch.length} message${batch.length === 1 ? '' : 's'} (receive ${receives}): ${outcome}${problem}`);
  };

  const deliverDue = async (): Promise<number> => {
    let delivered = 0;
    for (;;) {
      delivered += startBatches();
      if (deliveries.size === 0) return delivered;
      // One returned: room for another batch of what is visible now.
      await Promise.race(deliveries);
    }
  };

  const listed = (inFlight: boolean): QueueMessage[] => {
    const at = now();
    return [...messages.values()].filter((message) => (message.delivering || (message.receiveCount > 0 && message.visibleAt > at)) === inFlight).map(view);
  };

  const checkQueueUrl = (value: unknown): void => {
    if (typeof value !== 'string' || value === '') throw new QueueError('MissingParameter', 'The request must contain the parameter QueueUrl.');
    if (!sameQueue(value, account, queueName)) throw nonExistentQueue();
  };

  const sendMessage = (request: BufferedRequest, input: Record<string, unknown>): SendResult => {
    checkQueueUrl(input.QueueUrl);
    refuseFifoParameters(input);
    return accept(input.MessageBody, input.DelaySeconds, input.MessageAttributes, senderOf(request, account));
  };

  const sendMessageBatch = (request: BufferedRequest, input: Record<string, unknown>) => {
    checkQueueUrl(input.QueueUrl);
    const entries = checkBatch(input.Entries, maxMessageBytes);
    const Successful: Array<SendResult & { Id: string }> = [];
    const Failed: Array<{ Id: string; SenderFault: boolean; Code: string; Message: string }> = [];
    for (const entry of entries) {
      try {
        refuseFifoParameters(entry);
        Successful.push({ Id: entry.Id as string, ...accept(entry.MessageBody, entry.DelaySeconds, entry.MessageAttributes, senderOf(request, account)) });
      } catch (error) {
        if (!(error instanceof QueueError)) throw error;
        Failed.push({ Id: entry.Id as string, SenderFault: true, Code: error.code, Message: error.message });
      }
    }
    return { Successful, Failed };
  };

  const getQueueUrl = (input: Record<string, unknown>) => {
    if (typeof input.QueueName !== 'string' || input.QueueName === '') throw new QueueError('MissingParameter', 'The request must contain the parameter QueueName.');
    const owner = input.QueueOwnerAWSAccountId ?? account;
    if (input.QueueName !== queueName || owner !== account) throw nonExistentQueue();
    return { QueueUrl: queueUrl };
  };

  const server = createBufferedServer(MAX_BODY_BYTES, (request, response) => {
    if (request.method === 'GET' && request.path === '/messages') {
      return sendJson(response, 200, 'application/json', { queued: listed(false), inFlight: listed(true), deadLetters });
    }
    if (request.method !== 'POST' || request.path !== '/') {
      return sendJson(response, 404, 'application/json', { message: 'Not found: POST / (the SQS JSON protocol), GET /messages' });
    }
    if (request.tooLarge) return sendQueueError(response, new QueueError('InvalidParameterValue', 'Request is too large.', 'InvalidParameterValue', 413));
    let input: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(request.body === '' ? '{}' : request.body);
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new TypeError('not an object');
      input = parsed as Record<string, unknown>;
    } catch {
      return sendQueueError(response, new QueueError('SerializationException', 'Start of structure or map found where not expected.'));
    }
    const target = String(request.headers['x-amz-target']);
    try {
      if (target === 'AmazonSQS.SendMessage') return sendJson(response, 200, JSON_10, sendMessage(request, input));
      if (target === 'AmazonSQS.SendMessageBatch') return sendJson(response, 200, JSON_10, sendMessageBatch(request, input));
      if (target === 'AmazonSQS.GetQueueUrl') return sendJson(response, 200, JSON_10, getQueueUrl(input));
    } catch (error) {
      if (error instanceof QueueError) return sendQueueError(response, error);
      throw error;
    }
    sendJson(response, 400, JSON_10, {
      __type: 'com.amazon.coral.service#UnknownOperationException',
      message: `The local queue implements SendMessage, SendMessageBatch and GetQueueUrl, not ${target}.`,
    });
  });

  const { url, port } = await listen(server, options.port, options.host);
  const queueUrl = `${url}/${account}/${queueName}`;
  const timer = setInterval(startBatches, options.pollIntervalMs ?? 200);
  timer.unref();

  return {
    url,
    port,
    queueUrl,
    queueArn,
    send: (body, sendOptions = {}) => accept(body, sendOptions.delaySeconds, sendOptions.messageAttributes, account),
    queued: () => listed(false),
    inFlight: () => listed(true),
    deadLetters: () => [...deadLetters],
    deliverDue,
    close: async () => {
      closing = true;
      clearInterval(timer);
      await closeServer(server);
      await Promise.allSettled(deliveries);
    },
  };
}

/** SQS's checks of one message; the body, its delay and its attributes once they pass. */
function checkMessage(
  body: unknown,
  delay: unknown,
  attributes: unknown,
  maxMessageBytes: number,
): { body: string; delaySeconds: number; attributes: Record<string, MessageAttribute> } {
  if (typeof body !== 'string' || body === '') throw new QueueError('MissingParameter', 'The request must contain the parameter MessageBody.');
  if (INVALID_CHARACTER.test(body)) {
    throw new QueueError(
      'InvalidMessageContents',
      'Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF',
    );
  }
  const delaySeconds = delay ?? 0;
  if (typeof delaySeconds !== 'number' || !Number.isInteger(delaySeconds) || delaySeconds < 0 || delaySeconds > MAX_DELAY_SECONDS) {
    throw new QueueError('InvalidParameterValue', `Value ${String(delay)} for parameter DelaySeconds is invalid. Reason: must be between 0 and ${MAX_DELAY_SECONDS}, if provided.`);
  }
  const checked = checkAttributes(attributes);
  const bytes = Buffer.byteLength(body) + Object.entries(checked).reduce((total, [name, value]) => total + attributeBytes(name, value), 0);
  if (bytes > maxMessageBytes) {
    throw new QueueError('InvalidParameterValue', `One or more parameters are invalid. Reason: Message must be shorter than ${maxMessageBytes} bytes.`);
  }
  return { body, delaySeconds, attributes: checked };
}

/** SQS's rules for message attributes: at most 10; names, types and values as its documentation gives them. */
function checkAttributes(value: unknown): Record<string, MessageAttribute> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new QueueError('InvalidParameterValue', 'MessageAttributes must be a map of names to values.');
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > MAX_ATTRIBUTES) {
    throw new QueueError('InvalidParameterValue', `Number of message attributes [${entries.length}] exceeds the allowed maximum [${MAX_ATTRIBUTES}].`);
  }
  const checked: Record<string, MessageAttribute> = {};
  for (const [name, raw] of entries) {
    if (!validAttributeName(name)) {
      throw new QueueError(
        'InvalidParameterValue',
        `Message (user) attribute name '${name}' is invalid. The attribute name can contain A-Z, a-z, 0-9, underscore (_), hyphen (-), and period (.) characters, cannot start or end with a period or have two in a row, and cannot start with 'AWS.' or 'Amazon.'.`,
      );
    }
    const attribute = (raw ?? {}) as Record<string, unknown>;
    const dataType = attribute.DataType;
    if (typeof dataType !== 'string' || !/^(String|Number|Binary)(\..+)?$/.test(dataType) || dataType.length > 256) {
      throw new QueueError(
        'InvalidParameterValue',
        `The type of message (user) attribute '${name}' is invalid. You must use only the following supported type prefixes: Binary, Number, String.`,
      );
    }
    const lists = [attribute.StringListValues, attribute.BinaryListValues].some((list) => Array.isArray(list) && list.length > 0);
    if (lists) throw new QueueError('InvalidParameterValue', `Message (user) attribute '${name}': StringListValues and BinaryListValues are not implemented.`);
    const kind = dataType.split('.')[0]!;
    if (kind === 'Binary') {
      const binary = attribute.BinaryValue;
      if (typeof binary !== 'string' || binary === '' || !/^[A-Za-z0-9+/]*={0,2}$/.test(binary)) {
        throw new QueueError('InvalidParameterValue', `The message (user) attribute '${name}' must contain a non-empty message attribute value for message attribute type '${kind}'.`);
      }
      checked[name] = { DataType: dataType, BinaryValue: binary };
      continue;
    }
    const text = attribute.StringValue;
    if (typeof text !== 'string' || text === '') {
      throw new QueueError('InvalidParameterValue', `The message (user) attribute '${name}' must contain a non-empty message attribute value for message attribute type '${kind}'.`);
    }
    if (INVALID_CHARACTER.test(text)) throw new QueueError('InvalidParameterValue', `Message (user) attribute '${name}' value contains invalid characters.`);
    if (kind === 'Number' && !validNumber(text)) throw new QueueError('InvalidParameterValue', `Can't cast the value of message (user) attribute '${name}' to a number.`);
    checked[name] = { DataType: dataType, StringValue: text };
  }
  return checked;
}

/** Up to 256 of A-Z a-z 0-9 _ - .; no leading, trailing or doubled period; not AWS. or Amazon. in any case. */
function validAttributeName(name: string): boolean {
  return name.length <= 256 && /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/.test(name) && !/^(aws|amazon)\./i.test(name);
}

/** SQS numbers: up to 38 significant digits, magnitude 10^-128 to 10^+126. */
function validNumber(text: string): boolean {
  const match = /^[+-]?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!match || `${match[1]}${match[2] ?? ''}` === '') return false;
  const digits = `${match[1]}${match[2] ?? ''}`.replace(/^0+/, '');
  if (digits.length > 38) return false;
  const value = Math.abs(Number(text));
  return value === 0 || (value >= 1e-128 && value <= 1e126);
}

/** An attribute's share of the message size: its name, its type and its value. */
function attributeBytes(name: string, value: MessageAttribute): number {
  const data = value.BinaryValue !== undefined ? Buffer.from(value.BinaryValue, 'base64').length : Buffer.byteLength(value.StringValue ?? '');
  return Buffer.byteLength(name) + Buffer.byteLength(value.DataType) + data;
}

/** SendMessageBatch's own checks, which fail the whole request; the entries once they pass. */
function checkBatch(value: unknown, maxMessageBytes: number): Array<Record<string, unknown>> {
  const entries = Array.isArray(value) ? (value as Array<Record<string, unknown>>) : [];
  if (entries.length === 0) {
    throw new QueueError('EmptyBatchRequest', 'There should be at least one SendMessageBatchRequestEntry in the request.', 'AWS.SimpleQueueService.EmptyBatchRequest');
  }
  if (entries.length > MAX_BATCH_ENTRIES) {
    throw new QueueError(
      'TooManyEntriesInBatchRequest',
      `Maximum number of entries per request are ${MAX_BATCH_ENTRIES}. You have sent ${entries.length}.`,
      'AWS.SimpleQueueService.TooManyEntriesInBatchRequest',
    );
  }
  const ids = new Set<string>();
  let bytes = 0;
  for (const entry of entries) {
    const id = entry?.Id;
    if (typeof id !== 'string' || !/^[A-Za-z0-9_-]{1,80}$/.test(id)) {
      throw new QueueError(
        'InvalidBatchEntryId',
        'A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.',
        'AWS.SimpleQueueService.InvalidBatchEntryId',
      );
    }
    if (ids.has(id)) throw new QueueError('BatchEntryIdsNotDistinct', `Id ${id} repeated.`, 'AWS.SimpleQueueService.BatchEntryIdsNotDistinct');
    ids.add(id);
    bytes += typeof entry.MessageBody === 'string' ? Buffer.byteLength(entry.MessageBody) : 0;
  }
  if (bytes > maxMessageBytes) {
    throw new QueueError(
      'BatchRequestTooLong',
      `Batch requests cannot be longer than ${maxMessageBytes} bytes. You have sent ${bytes} bytes.`,
      'AWS.SimpleQueueService.BatchRequestTooLong',
    );
  }
  return entries;
}

/** The call-requests queue is a standard queue: a deduplication id is refused as SQS refuses it. */
function refuseFifoParameters(input: Record<string, unknown>): void {
  if (input.MessageDeduplicationId !== undefined) {
    throw new QueueError('InvalidParameterValue', 'The request include parameter that is not valid for this queue type. Reason: MessageDeduplicationId is only valid for FIFO queues.');
  }
}

/** Any origin may name the queue (the SDK sends the URL it was given): only `/<account>/<name>` matters. */
function sameQueue(queueUrl: string, account: string, queueName: string): boolean {
  try {
    return new URL(queueUrl).pathname.replace(/\/+$/, '') === `/${account}/${queueName}`;
  } catch {
    return false;
  }
}

function nonExistentQueue(): QueueError {
  return new QueueError('QueueDoesNotExist', 'The specified queue does not exist.', 'AWS.SimpleQueueService.NonExistentQueue');
}

/** Who sent it, as SenderId names it: the key the request was signed with (locally any), else the account. */
function senderOf(request: BufferedRequest, account: string): string {
  return signingKeyId(request.headers) ?? account;
}

/**
 * The failed messages of a batch as Lambda reads a partial batch response: nothing reported (no
 * answer, an empty or null list) deletes all; an empty, missing or unknown itemIdentifier, or an
 * answer that is not a batch response, fails the whole batch ("Implementing partial batch responses").
 */
function reportedFailures(batch: StoredMessage[], response: unknown): Set<string> {
  const all = new Set(batch.map((message) => message.messageId));
  if (response === undefined || response === null) return new Set();
  if (typeof response !== 'object' || Array.isArray(response)) return all;
  const failures = (response as { batchItemFailures?: unknown }).batchItemFailures;
  if (failures === undefined || failures === null) return new Set();
  if (!Array.isArray(failures)) return all;
  const failed = new Set<string>();
  for (const failure of failures) {
    const id = (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    if (typeof id !== 'string' || !all.has(id)) return all;
    failed.add(id);
  }
  return failed;
}

/** A message as Lambda's SQS event source mapping delivers it (test/fixtures/sqs/base.json). */
function toLambdaRecord(message: StoredMessage, queueArn: string, region: string): SQSRecord {
  const messageAttributes: SQSMessageAttributes = {};
  for (const [name, value] of Object.entries(message.attributes)) {
    messageAttributes[name] = withoutUndefined({
      stringValue: value.StringValue,
      binaryValue: value.BinaryValue,
      stringListValues: [],
      binaryListValues: [],
      dataType: value.DataType,
    });
  }
  return withoutUndefined({
    messageId: message.messageId,
    // A new handle for every receive, as SQS issues.
    receiptHandle: randomBytes(96).toString('base64'),
    body: message.body,
    attributes: {
      ApproximateReceiveCount: String(message.receiveCount),
      SentTimestamp: String(message.sentAt),
      SenderId: message.senderId,
      ApproximateFirstReceiveTimestamp: String(message.firstReceiveAt),
    },
    messageAttributes,
    md5OfBody: message.md5OfBody,
    md5OfMessageAttributes: message.md5OfMessageAttributes,
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: region,
  });
}

function view(message: StoredMessage): QueueMessage {
  return {
    messageId: message.messageId,
    body: message.body,
    messageAttributes: message.attributes,
    sentAt: new Date(message.sentAt).toISOString(),
    visibleAt: new Date(message.visibleAt).toISOString(),
    receiveCount: message.receiveCount,
  };
}

function md5(data: Buffer): string {
  return createHash('md5').update(data).digest('hex');
}

/**
 * MD5OfMessageAttributes as the SQS documentation defines it ("Calculating the MD5 message digest for
 * message attributes"): for each attribute in ascending name order, the name, the data type, a
 * transport byte (1 string, 2 binary) and the value, each length-prefixed (4 bytes, big-endian).
 */
export function md5OfMessageAttributes(attributes: Record<string, MessageAttribute>): string {
  const parts: Buffer[] = [];
  const prefixed = (bytes: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    parts.push(length, bytes);
  };
  for (const name of Object.keys(attributes).sort()) {
    const value = attributes[name]!;
    prefixed(Buffer.from(name, 'utf8'));
    prefixed(Buffer.from(value.DataType, 'utf8'));
    const binary = value.BinaryValue !== undefined;
    parts.push(Buffer.from([binary ? 2 : 1]));
    prefixed(binary ? Buffer.from(value.BinaryValue!, 'base64') : Buffer.from(value.StringValue ?? '', 'utf8'));
  }
  return md5(Buffer.concat(parts));
}

/** A JSON 1.0 error as SQS answers it: `__type` for the SDK's exception, `x-amzn-query-error` for its `Code`. */
function sendQueueError(response: ServerResponse, error: QueueError): void {
  sendJson(response, error.status, JSON_10, { __type: `com.amazonaws.sqs#${error.code}`, message: error.message }, { 'x-amzn-query-error': `${error.queryCode};Sender` });
}
