/**
 * MNS failures (docs/alibaba/mns.md#errors): each becomes an `<Error>` document with Code, Message, RequestId and
 * HostId, and the status below.
 */

export class MnsError extends Error {
  override readonly name = 'MnsError';
  constructor(
    readonly code: string,
    readonly httpStatus: number,
    message: string,
  ) {
    super(message);
  }
}

/** docs/alibaba/mns.md#errors statuses; codes not listed there are 400 unless they say otherwise. */
const STATUS_BY_CODE: Readonly<Record<string, number>> = {
  MessageNotExist: 404,
  QueueNotExist: 404,
  SignatureDoesNotMatch: 403,
  AccessDenied: 403,
  AccessDeniedByRamPolicy: 403,
  InvalidAccessKeyId: 403,
  TimeExpired: 408,
  QpsLimitExceeded: 503,
  InternalError: 500,
  InternalServerError: 500,
  ServiceUnavailable: 503,
};

/** The status MNS answers `code` with; used for injected faults without a status. */
export function mnsErrorStatus(code: string): number {
  return STATUS_BY_CODE[code] ?? 400;
}

function mnsError(code: string, message: string): MnsError {
  return new MnsError(code, mnsErrorStatus(code), message);
}

// --- Request construction (400) -------------------------------------------------------------

export const missingAuthorizationHeader = (): MnsError =>
  mnsError('MissingAuthorizationHeader', 'The Authorization header you provided is missing.');
export const invalidAuthorizationHeader = (): MnsError =>
  mnsError('InvalidAuthorizationHeader', 'The Authorization header you provided is invalid: expected "MNS <AccessKeyId>:<Signature>".');
export const missingDateHeader = (): MnsError => mnsError('MissingDateHeader', 'The Date header you provided is missing.');
export const invalidDateHeader = (name: string): MnsError =>
  mnsError('InvalidDateHeader', `The ${name} header you provided is not an RFC 1123 GMT date.`);
export const missingVersionHeader = (): MnsError => mnsError('MissingVersionHeader', 'The x-mns-version header you provided is missing.');
export const invalidVersionHeader = (version: string): MnsError =>
  mnsError('InvalidVersionHeader', `The x-mns-version ${version} is not supported; use 2015-06-06.`);
export const invalidArgument = (message: string): MnsError => mnsError('InvalidArgument', message);
export const malformedXml = (detail: string): MnsError =>
  mnsError('MalformedXML', `The XML you provided was not well-formed or did not validate: ${detail}`);
/** sic: MNS spells it InvalidDegist (docs/alibaba/mns.md#errors). */
export const invalidDigest = (): MnsError =>
  mnsError('InvalidDegist', 'The Content-MD5 you specified is not Base64 of the hex MD5 of the body.');
export const invalidRequestUrl = (path: string): MnsError => mnsError('InvalidRequestURL', `The request URL ${path} is not an MNS resource.`);

// --- Authentication and authorization (403, 408) ----------------------------------------------

export const timeExpired = (): MnsError =>
  mnsError('TimeExpired', 'The http request you sent is expired: Date is more than 15 minutes away from the server time.');
export const invalidAccessKeyId = (detail: string): MnsError =>
  mnsError('InvalidAccessKeyId', `The access Id you provided is not valid: ${detail}`);
export const signatureDoesNotMatch = (stringToSign: string): MnsError =>
  mnsError(
    'SignatureDoesNotMatch',
    `The request signature we calculated does not match the signature you provided. Server string to sign: ${JSON.stringify(stringToSign)}`,
  );
export const accessDenied = (detail: string): MnsError => mnsError('AccessDenied', `The access is denied: ${detail}`);

// --- Messages (404, 400) -------------------------------------------------------------------

export const MESSAGE_NOT_EXIST_MESSAGE = 'Message not exist.';
export const RECEIPT_HANDLE_ERROR_MESSAGE = 'The receipt handle you provide is not valid.';

export const messageNotExist = (): MnsError => mnsError('MessageNotExist', MESSAGE_NOT_EXIST_MESSAGE);
export const receiptHandleError = (): MnsError => mnsError('ReceiptHandleError', RECEIPT_HANDLE_ERROR_MESSAGE);
