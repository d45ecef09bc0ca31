/**
 * Who sent an MNS request and whether Alibaba would believe them (docs/alibaba/mns.md#headers, docs/alibaba/signatures.md#mns-signature): headers,
 * clock skew, the temporary credentials from QueryTokenForMnsQueue with their `security-token`,
 * the signature, the token's expiry, and Content-MD5 - in that order.
 *
 * Codes (docs/alibaba/mns.md#errors leaves the choice open; the sandbox's is documented in sandbox/README.md):
 * a key id the sandbox never issued, or a `security-token` header that is missing or not the
 * one issued with the key, is 403 InvalidAccessKeyId; an expired token is 403 AccessDenied.
 */
import { createHash } from 'node:crypto';
import { MNS_VERSION, mnsSignature, mnsStringToSign } from '#shared/signing/index';
import { chinaTime } from '../chinaTime.ts';
import type { IssuedToken, TokenStore } from '../dybase/tokens.ts';
import { constantTimeEqual } from '../rpc/constantTime.ts';
import {
  accessDenied,
  invalidAccessKeyId,
  invalidAuthorizationHeader,
  invalidDateHeader,
  invalidDigest,
  invalidVersionHeader,
  missingAuthorizationHeader,
  missingDateHeader,
  missingVersionHeader,
  signatureDoesNotMatch,
  timeExpired,
} from './errors.ts';

/** docs/alibaba/mns.md#headers: a Date more than 15 minutes away from the server's clock is refused. */
export const DATE_TOLERANCE_MS = 15 * 60_000;

/** RFC 1123 in GMT, as `Date.prototype.toUTCString()` writes it: `Mon, 15 Jan 2024 08:30:00 GMT`. */
const RFC_1123 = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/;

const AUTHORIZATION = /^MNS ([^\s:]+):(\S+)$/;

export interface IncomingMnsRequest {
  method: string;
  /** Path plus query exactly as sent: the CanonicalizedResource (docs/alibaba/signatures.md#mns-signature). */
  resource: string;
  /** Lower-case names. */
  headers: Readonly<Record<string, string>>;
  body: Buffer;
}

/** Returns the token whose credentials signed the request; throws MnsError otherwise. */
export function authenticateMns(request: IncomingMnsRequest, tokens: TokenStore, now: number): Readonly<IssuedToken> {
  const { headers } = request;
  const authorization = headers.authorization;
  if (authorization === undefined) throw missingAuthorizationHeader();
  const parsed = AUTHORIZATION.exec(authorization);
  if (!parsed) throw invalidAuthorizationHeader();
  const accessKeyId = parsed[1]!;
  const signature = parsed[2]!;

  const date = headers.date;
  if (date === undefined) throw missingDateHeader();
  if (!RFC_1123.test(date)) throw invalidDateHeader('Date');
  const version = headers['x-mns-version'];
  if (version === undefined) throw missingVersionHeader();
  if (version !== MNS_VERSION) throw invalidVersionHeader(version);
  if (Math.abs(now - Date.parse(date)) > DATE_TOLERANCE_MS) throw timeExpired();

  const token = tokens.get(accessKeyId);
  if (!token) {
    throw invalidAccessKeyId(`${accessKeyId} is unknown; receipt queues accept only credentials from QueryTokenForMnsQueue.`);
  }
  const securityToken = headers['security-token'];
  if (securityToken === undefined || !constantTimeEqual(securityToken, token.securityToken)) {
    throw invalidAccessKeyId('the security-token header is missing or was not issued with this AccessKeyId.');
  }

  const stringToSign = mnsStringToSign({
    method: request.method,
    contentMd5: headers['content-md5'],
    contentType: headers['content-type'],
    date,
    headers,
    resource: request.resource,
  });
  if (!constantTimeEqual(mnsSignature(stringToSign, token.accessKeySecret), signature)) {
    throw signatureDoesNotMatch(stringToSign);
  }
  if (now >= token.expiresAt) {
    throw accessDenied(`the security token expired at ${chinaTime(token.expiresAt)} (China time); get a new one from QueryTokenForMnsQueue.`);
  }
  checkContentMd5(headers['content-md5'], request.body);
  return token;
}

/**
 * docs/alibaba/mns.md#headers: Content-MD5 is optional; when sent it is Base64 of the *hex* MD5 text, as
 * @alicloud/mns and the Python SDK compute it. The raw-digest form (ali-mns) is refused: the
 * sandbox holds our client to the official clients' form.
 */
function checkContentMd5(contentMd5: string | undefined, body: Buffer): void {
  if (contentMd5 === undefined) return;
  const expected = Buffer.from(createHash('md5').update(body).digest('hex'), 'utf8').toString('base64');
  if (contentMd5 !== expected) throw invalidDigest();
}
