/** Reading and verifying signature V3, ACS3-HMAC-SHA256 (docs/alibaba/signatures.md#rpc-signature-v3). */
import {
  ACS3_ALGORITHM,
  acs3CanonicalRequest,
  acs3Signature,
  parseAcs3Authorization,
  sha256Hex,
} from '#shared/signing/index';
import { constantTimeEqual } from './constantTime.ts';
import { incompleteSignature, missingParameter, signatureDoesNotMatch } from './errors.ts';
import type { IncomingRpcRequest } from './request.ts';
import { withoutCommonParameters, type SignedRequest } from './signedRequest.ts';

/** docs/alibaba/signatures.md#rpc-signature-v3: the V3 headers that carry V1's common parameters, with the name reported when absent. */
const REQUIRED_HEADERS = [
  ['x-acs-action', 'Action'],
  ['x-acs-version', 'Version'],
  ['x-acs-date', 'Timestamp'],
  ['x-acs-signature-nonce', 'SignatureNonce'],
  ['x-acs-content-sha256', 'ContentSha256'],
] as const;

export function readV3(request: IncomingRpcRequest, authorization: string): SignedRequest {
  const parsed = parseAcs3Authorization(authorization);
  if (!parsed) {
    throw incompleteSignature(`Authorization must be "${ACS3_ALGORITHM} Credential=..,SignedHeaders=..,Signature=..".`);
  }
  const headers = request.headers;
  for (const [header, name] of REQUIRED_HEADERS) {
    if (!headers[header]) throw missingParameter(name, header);
  }
  // docs/alibaba/signatures.md#rpc-signature-v3 step 3: host and every x-acs-* header take part in the signature. Only what the
  // client listed is recomputed below, so anything unlisted would travel unprotected.
  const signedHeaders = parsed.signedHeaders.map((name) => name.toLowerCase());
  const unsigned = Object.keys(headers).filter(
    (name) => (name === 'host' || name.startsWith('x-acs-')) && !signedHeaders.includes(name),
  );
  if (unsigned.length > 0) throw incompleteSignature(`Headers must be signed: ${unsigned.join(', ')}.`);

  // docs/alibaba/signatures.md#rpc-signature-v3: with STS, x-acs-accesskey-id repeats the Credential.
  const headerKeyId = headers['x-acs-accesskey-id'];
  if (headerKeyId !== undefined && headerKeyId !== parsed.accessKeyId) {
    throw incompleteSignature('x-acs-accesskey-id does not match the Credential of the Authorization header.');
  }

  const hashedPayload = headers['x-acs-content-sha256']!;
  return {
    style: 'v3',
    action: headers['x-acs-action']!,
    version: headers['x-acs-version']!,
    accessKeyId: parsed.accessKeyId,
    timestamp: headers['x-acs-date']!,
    nonce: headers['x-acs-signature-nonce']!,
    securityToken: headers['x-acs-security-token'],
    actionParams: withoutCommonParameters(request.params),
    verify(accessKeySecret) {
      const bodyHash = sha256Hex(request.body);
      if (!constantTimeEqual(bodyHash, hashedPayload)) {
        throw signatureDoesNotMatch(
          '',
          ` The x-acs-content-sha256 header ${hashedPayload} is not the SHA-256 of the body (${bodyHash}).`,
        );
      }
      // The signed header list is the client's, in the client's order (docs/alibaba/signatures.md#rpc-signature-v3 step 4 sorts
      // it); recomputing with exactly that list is what the gateway does.
      const canonicalRequest = acs3CanonicalRequest({
        method: request.method,
        path: '/',
        query: request.query,
        headers,
        signedHeaders,
        hashedPayload,
      });
      const expected = acs3Signature(canonicalRequest, accessKeySecret);
      if (!constantTimeEqual(expected, parsed.signature)) {
        throw signatureDoesNotMatch(
          `${ACS3_ALGORITHM}\n${sha256Hex(canonicalRequest)}`,
          ` canonical request is:${canonicalRequest}`,
        );
      }
    },
  };
}
