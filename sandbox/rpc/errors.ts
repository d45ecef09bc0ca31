/**
 * Alibaba-shaped failures of the RPC gateway and of the actions behind it (docs/alibaba/rpc.md#response-envelope, docs/alibaba/rpc.md#http-status-codes, docs/alibaba/errors.md).
 * Every refusal the sandbox answers is an RpcError: the gateway turns it into the error envelope.
 */

export class RpcError extends Error {
  override readonly name = 'RpcError';
  constructor(
    readonly code: string,
    readonly httpStatus: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * docs/alibaba/errors.md#gateway-codes lists `InvalidSecurityToken.*` with the exact name unverified; the one place to change
 * it when a real answer is seen.
 */
export const SECURITY_TOKEN_MISMATCH_CODE = 'InvalidSecurityToken.Mismatch';

// --- Gateway (POP) codes, docs/alibaba/errors.md#gateway-codes -------------------------------------------------------------

/** docs/alibaba/rpc.md#response-envelope: the real answer for a missing CalledNumber is `MissingCalledNumber`, HTTP 400. */
export function missingParameter(name: string, label: string = name): RpcError {
  return new RpcError(`Missing${name}`, 400, `${label} is mandatory for this action.`);
}

/** A value that is not of the parameter's wire type (Integer, Long, Boolean). */
export function invalidParameter(name: string, expected: string): RpcError {
  return new RpcError('InvalidParameter', 400, `Specified parameter ${name} is not valid: expected ${expected}.`);
}

export function missingSignature(): RpcError {
  return new RpcError('MissingSignature', 400, 'Signature is mandatory for this action.');
}

export function incompleteSignature(detail: string): RpcError {
  return new RpcError('IncompleteSignature', 400, `The request signature does not conform to Aliyun standards. ${detail}`);
}

export function signatureDoesNotMatch(serverStringToSign: string, detail = ''): RpcError {
  return new RpcError(
    'SignatureDoesNotMatch',
    400,
    `Specified signature is not matched with our calculation. server string to sign is:${serverStringToSign}${detail}`,
  );
}

export function accessKeyNotFound(): RpcError {
  return new RpcError('InvalidAccessKeyId.NotFound', 404, 'Specified access key is not found.');
}

export function securityTokenMismatch(): RpcError {
  return new RpcError(
    SECURITY_TOKEN_MISMATCH_CODE,
    400,
    'The security token you provided does not match the AccessKeyId, or is missing.',
  );
}

export function timestampFormat(): RpcError {
  return new RpcError('InvalidTimeStamp.Format', 400, 'Specified time stamp or date value is not well formatted.');
}

export function timestampExpired(): RpcError {
  return new RpcError('InvalidTimeStamp.Expired', 400, 'Specified time stamp or date value is expired.');
}

export function nonceUsed(): RpcError {
  return new RpcError('SignatureNonceUsed', 400, 'Specified signature nonce was used already.');
}

export function invalidVersion(version: string): RpcError {
  return new RpcError('InvalidVersion', 400, `Specified parameter Version is not valid: ${version}.`);
}

export function actionNotFound(action: string): RpcError {
  return new RpcError('InvalidAction.NotFound', 404, `Specified api is not found, please check your url and method: ${action}.`);
}

export function unsupportedMethod(method: string): RpcError {
  return new RpcError('UnsupportedHTTPMethod', 400, `This http method ${method} is not supported.`);
}

export function internalError(): RpcError {
  return new RpcError('InternalError', 500, 'The request processing has failed due to some unknown error.');
}

// --- Business codes, docs/alibaba/errors.md#voice-business-codes ------------------------------------------------------------------

/** `isv.*` parameter problems: HTTP 400 per the API metadata (docs/alibaba/rpc.md#http-status-codes). */
export function businessError(code: string, message: string, httpStatus = 400): RpcError {
  return new RpcError(code, httpStatus, message);
}

export function invalidParameters(message: string): RpcError {
  return businessError('isv.INVALID_PARAMETERS', message);
}
