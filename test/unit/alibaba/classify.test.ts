import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ACCOUNT_CODES,
  REJECTED_CODES,
  RESEND_SAFE_CODES,
  THROTTLED_CODES,
  TRANSIENT_CODES,
  classifyAlibabaFailure,
  flowControlWindowOf,
  isResendSafeCode,
  matchCodeRule,
  retryAfterSecondsFor,
} from '#shared/alibaba/classify';

type Row = [code: string, httpStatus: number, kind: string];

// docs/alibaba/errors.md#voice-business-codes: every Voice business code, with the HTTP status the metadata gives it (400, or 500 for
// the system errors). The Retry column maps to: R -> transient, W -> throttled, P -> rejected or
// account (account when it is about our account, subscription or RAM permission).
const businessCodes: Row[] = [
  ['isv.BUSINESS_LIMIT_CONTROL', 400, 'throttled'],
  ['isp.SYSTEM_ERROR', 500, 'transient'],
  ['isp.GATEWAY_ERROR', 500, 'transient'],
  ['InternalError', 500, 'transient'],
  ['isp.UNKNOWN', 400, 'transient'],
  ['isv.VOICE_CALL_FAIL', 400, 'rejected'],
  ['isv.VOICE_CALL_PERIOD_ERROR', 400, 'throttled'],
  ['isv.VOICE_ROBOT_NOT_PERIOD', 400, 'throttled'],
  ['isp.RAM_PERMISSION_DENY', 400, 'account'],
  ['isp.RES_OWNER_ID_UNKNOWN', 400, 'account'],
  ['isp.USER_ASSERT_NOT_EXIST', 400, 'account'],
  ['isp.USER_NOT_EXIST', 400, 'account'],
  // An isp.* code no table names is the platform's, whatever the status.
  ['isp.FLOW_ERROR', 400, 'transient'],
  ['isp.SOMETHING_NEW', 200, 'transient'],
  ['isv.OUT_OF_SERVICE', 400, 'account'],
  ['isv.PRODUCT_UN_SUBSCRIPT', 400, 'account'],
  ['isv.PRODUCT_UNSUBSCRIBE', 400, 'account'],
  ['isv.ACCOUNT_NOT_EXISTS', 400, 'account'],
  ['isv.ACCOUNT_ABNORMAL', 400, 'account'],
  ['isv.AMOUNT_NOT_ENOUGH', 400, 'account'],
  ['isv.AMOUNT_NOT_ENOUG', 400, 'account'],
  ['isv.TTS_TEMPLATE_ILLEGAL', 400, 'rejected'],
  ['isv.TEMPLATE_ILLEGAL', 400, 'rejected'],
  ['isv.TEMPLATE_PARAMS_ILLEGAL', 400, 'rejected'],
  ['isv.TEMPLATE_MISSING_PARAMETERS', 400, 'rejected'],
  ['isv.BLACK_KEY_CONTROL_LIMIT', 400, 'rejected'],
  ['isv.PARAM_NOT_SUPPORT_URL', 400, 'rejected'],
  ['isv.PARAM_LENGTH_LIMIT', 400, 'rejected'],
  ['isv.INVALID_PARAMETERS', 400, 'rejected'],
  ['InvalidParameters', 400, 'rejected'],
  ['InvalidParameter.date', 400, 'rejected'],
  ['isv.MOBILE_NUMBER_ILLEGAL', 400, 'rejected'],
  ['isv.MOBILE_COUNT_OVER_LIMIT', 400, 'rejected'],
  ['isv.DISPLAY_NUMBER_ILLEGAL', 400, 'rejected'],
  ['isv.VOICE_FILE_ILLEGAL', 400, 'rejected'],
  ['isv.BILLID_NOT_EXIST', 400, 'rejected'],
  ['BillidNotExist', 400, 'rejected'],
  ['isv.COMPLAINT_REJECT', 400, 'rejected'],
  ['ComplaintReject', 400, 'rejected'],
  ['isv.ASR_MODEL_ERROR', 400, 'rejected'],
  ['isv.VOICE_ROBOT_CALLEE_LIMIT', 400, 'rejected'],
  ['100008.0', 400, 'rejected'],
];

// docs/alibaba/errors.md#gateway-codes: gateway codes, at every "typical HTTP" status the table gives.
const gatewayCodes: Row[] = [
  ['MissingCalledNumber', 400, 'rejected'],
  ['MissingParameter', 400, 'rejected'],
  // The envelope's own parameters, which the signer always sends: their absence is not the caller's content.
  ['MissingSignature', 400, 'account'],
  ['MissingTimestamp', 400, 'account'],
  ['MissingAccessKeyId', 400, 'account'],
  ['MissingSignatureNonce', 400, 'account'],
  ['MissingVersion', 400, 'account'],
  ['InvalidCalledNumber', 400, 'rejected'],
  ['InvalidParameter', 400, 'rejected'],
  ['InvalidParameter.Format', 400, 'rejected'],
  ['InvalidVersion', 400, 'account'],
  ['InvalidAction', 403, 'account'],
  ['InvalidAction', 404, 'account'],
  ['InvalidApi.NotFound', 404, 'account'],
  ['SignatureDoesNotMatch', 400, 'account'],
  ['SignatureDoesNotMatch', 403, 'account'],
  ['IncompleteSignature', 400, 'account'],
  ['InvalidAccessKeyId.NotFound', 400, 'account'],
  ['InvalidAccessKeyId.NotFound', 404, 'account'],
  ['InvalidAccessKeyId.Inactive', 400, 'account'],
  ['InvalidSecurityToken.Expired', 400, 'account'],
  ['InvalidSecurityToken.Malformed', 400, 'account'],
  ['InvalidTimeStamp.Format', 400, 'account'],
  ['InvalidTimeStamp.Expired', 400, 'account'],
  ['SignatureNonceUsed', 400, 'transient'],
  ['Throttling', 400, 'throttled'],
  ['Throttling.User', 400, 'throttled'],
  ['Throttling.Api', 400, 'throttled'],
  ['Throttling', 429, 'throttled'],
  ['Throttling.User', 503, 'throttled'],
  ['Forbidden.RAM', 403, 'account'],
  ['Forbidden', 403, 'account'],
  ['UnsupportedHTTPMethod', 400, 'account'],
  ['UnsupportedHTTPMethod', 403, 'account'],
  ['InternalError', 500, 'transient'],
  ['ServiceUnavailable', 503, 'transient'],
];

// docs/alibaba/rpc.md#http-status-codes: the code decides whatever the status (business errors with HTTP 200 included); without
// a known code the status decides.
const statusCases: [code: string | undefined, httpStatus: number, kind: string][] = [
  ['isv.MOBILE_NUMBER_ILLEGAL', 200, 'rejected'],
  ['isv.BUSINESS_LIMIT_CONTROL', 200, 'throttled'],
  ['isv.ACCOUNT_ABNORMAL', 200, 'account'],
  ['isp.SYSTEM_ERROR', 200, 'transient'],
  ['isv.SOMETHING_NEW', 500, 'rejected'],
  ['SomethingNew', 500, 'transient'],
  ['SomethingNew', 502, 'transient'],
  ['SomethingNew', 429, 'throttled'],
  ['SomethingNew', 400, 'rejected'],
  ['SomethingNew', 404, 'rejected'],
  ['SomethingNew', 200, 'rejected'],
  [undefined, 500, 'transient'],
  [undefined, 502, 'transient'],
  [undefined, 504, 'transient'],
  [undefined, 429, 'throttled'],
  [undefined, 408, 'transient'],
  [undefined, 400, 'account'],
  [undefined, 404, 'account'],
  [undefined, 301, 'account'],
  [undefined, 200, 'transient'],
  ['', 503, 'transient'],
  // Transient codes stay transient when they come with HTTP 200 or 400 (docs/alibaba/rpc.md#http-status-codes): never permanent.
  ['isp.GATEWAY_ERROR', 200, 'transient'],
  ['isp.GATEWAY_ERROR', 400, 'transient'],
  ['ServiceUnavailable', 200, 'transient'],
  ['ServiceUnavailable', 400, 'transient'],
  ['isp.UNKNOWN', 200, 'transient'],
  ['InternalError', 400, 'transient'],
  ['SignatureNonceUsed', 200, 'transient'],
  // Rejected codes stay rejected when they come with HTTP 500 (an unknown code would be transient there).
  ['isv.VOICE_CALL_FAIL', 500, 'rejected'],
  ['MissingParameter', 500, 'rejected'],
  ['BillidNotExist', 500, 'rejected'],
  ['ComplaintReject', 500, 'rejected'],
  ['100008.0', 500, 'rejected'],
  ['100008', 500, 'rejected'],
  ['InvalidParameter', 503, 'rejected'],
  // No code: the status alone.
  [undefined, 300, 'account'],
  [undefined, 299, 'transient'],
  [undefined, 399, 'account'],
  ['', 404, 'account'],
  ['', 200, 'transient'],
  ['SomethingNew', 300, 'rejected'],
];

describe('classifyAlibabaFailure', () => {
  describe.each(businessCodes)('docs/alibaba/errors.md#voice-business-codes %s (HTTP %i)', (code, status, kind) => {
    it(`is ${kind}`, () => {
      expect(classifyAlibabaFailure(code, status)).toBe(kind);
    });
  });

  describe.each(gatewayCodes)('docs/alibaba/errors.md#gateway-codes %s (HTTP %i)', (code, status, kind) => {
    it(`is ${kind}`, () => {
      expect(classifyAlibabaFailure(code, status)).toBe(kind);
    });
  });

  describe.each(statusCases)('code %s with HTTP %i', (code, status, kind) => {
    it(`is ${kind}`, () => {
      expect(classifyAlibabaFailure(code, status)).toBe(kind);
    });
  });

  it('is total: any code and status give one of the four code kinds, never ambiguous', () => {
    fc.assert(
      fc.property(fc.option(fc.string(), { nil: undefined }), fc.integer({ min: 100, max: 599 }), (code, status) => {
        expect(['rejected', 'throttled', 'account', 'transient']).toContain(classifyAlibabaFailure(code, status));
      }),
    );
  });

  it('lets a known code win over the HTTP status', () => {
    fc.assert(
      fc.property(fc.integer({ min: 200, max: 599 }), (status) => {
        expect(classifyAlibabaFailure('isv.MOBILE_NUMBER_ILLEGAL', status)).toBe('rejected');
        expect(classifyAlibabaFailure('InternalError', status)).toBe('transient');
        expect(classifyAlibabaFailure('Forbidden.RAM', status)).toBe('account');
      }),
    );
  });
});

describe('retryAfterSecondsFor', () => {
  it.each([
    ['isv.BUSINESS_LIMIT_CONTROL', 400, 60], // docs/alibaba/actions.md: 1 call per number per minute
    ['Throttling', 400, 1],
    ['Throttling.User', 429, 1],
    ['Throttling.Api', 503, 1],
    ['isv.VOICE_CALL_PERIOD_ERROR', 400, 3600],
    ['isv.VOICE_ROBOT_NOT_PERIOD', 400, 3600],
  ] as const)('%s (HTTP %i) waits %i s', (code, status, seconds) => {
    expect(retryAfterSecondsFor(code, status)).toBe(seconds);
  });

  it('prefers the server\'s own Retry-After header over the table hint', () => {
    expect(retryAfterSecondsFor('isv.BUSINESS_LIMIT_CONTROL', 429, '5')).toBe(5);
    expect(retryAfterSecondsFor('isv.BUSINESS_LIMIT_CONTROL', 400)).toBe(60);
  });

  it('uses Retry-After for a throttled answer without a known code, else 1 s', () => {
    expect(retryAfterSecondsFor(undefined, 429, '7')).toBe(7);
    expect(retryAfterSecondsFor(undefined, 429, 'Wed, 21 Oct 2026 07:28:00 GMT')).toBe(1);
    expect(retryAfterSecondsFor(undefined, 429)).toBe(1);
    // A code no table names, throttled by its HTTP 429: the header, else the default.
    expect(retryAfterSecondsFor('SomethingNew', 429)).toBe(1);
    expect(retryAfterSecondsFor('SomethingNew', 429, '12')).toBe(12);
  });

  it.each([
    ['120', 120],
    ['3600', 3600],
    [' 30 ', 30],
    ['0', 0],
  ])('reads Retry-After %j as %i whole seconds, whatever its number of digits', (header, seconds) => {
    expect(retryAfterSecondsFor(undefined, 429, header)).toBe(seconds);
    expect(retryAfterSecondsFor('Throttling.User', 400, header)).toBe(seconds);
  });

  it.each(['-5', '1.5', '+5', '5s', '1e3', '0x10', '', '  '])('ignores Retry-After %j, which is not a whole number of seconds', (header) => {
    expect(retryAfterSecondsFor(undefined, 429, header)).toBe(1);
    expect(retryAfterSecondsFor('isv.BUSINESS_LIMIT_CONTROL', 400, header)).toBe(60);
  });

  it.each([
    ['isv.MOBILE_NUMBER_ILLEGAL', 400],
    ['InternalError', 500],
    ['Forbidden.RAM', 403],
    [undefined, 502],
  ] as const)('is undefined for %s (HTTP %i), which is not throttled', (code, status) => {
    expect(retryAfterSecondsFor(code, status, '30')).toBeUndefined();
  });
});

/**
 * Alibaba's per-number flow-control messages name the window that refused (docs/flow-control.md,
 * docs/alibaba/actions.md#per-number-flow-control): the guard holds the number, and the caller
 * waits, for that window; a message that names none means the minute.
 */
describe("flowControlWindowOf and the wait it gives isv.BUSINESS_LIMIT_CONTROL", () => {
  it.each([
    ['触发号码分钟级流控Permits:1', 'minute', 60, 1],
    ['触发号码小时级流控Permits:5', 'hour', 3_600, 5],
    ['触发号码天级流控Permits:20', 'day', 86_400, 20],
  ] as const)('reads %s as the %s window (%i s), permitting %i', (message, _window, seconds, permits) => {
    expect(flowControlWindowOf(message)).toEqual({ seconds, permits });
    expect(retryAfterSecondsFor('isv.BUSINESS_LIMIT_CONTROL', 400, undefined, message)).toBe(seconds);
  });

  it('reads the window without the permits when the message gives none', () => {
    expect(flowControlWindowOf('触发号码小时级流控')).toEqual({ seconds: 3_600 });
    expect(flowControlWindowOf('触发号码天级流控Permits:')).toEqual({ seconds: 86_400 });
  });

  it.each([
    ['该被叫号触发被叫流控'], // docs/alibaba/known-issues.md: a query's "callee flow control"
    ['Flow control'],
    [''],
  ])('finds no window in %j, so the wait is the minute (60 s)', (message) => {
    expect(flowControlWindowOf(message)).toBeUndefined();
    expect(retryAfterSecondsFor('isv.BUSINESS_LIMIT_CONTROL', 400, undefined, message)).toBe(60);
  });

  it("waits the named window out even when a Retry-After header says less: a retry within it is refused again", () => {
    expect(retryAfterSecondsFor('isv.BUSINESS_LIMIT_CONTROL', 429, '5', '触发号码小时级流控Permits:5')).toBe(3_600);
  });

  it('reads window words only in the flow-control code: other throttling keeps its own wait', () => {
    expect(retryAfterSecondsFor('Throttling.User', 400, undefined, '触发号码天级流控Permits:20')).toBe(1);
    expect(retryAfterSecondsFor('isv.VOICE_CALL_PERIOD_ERROR', 400, undefined, '触发号码分钟级流控Permits:1')).toBe(3_600);
  });
});

describe('the code tables', () => {
  const allPatterns = [...ACCOUNT_CODES, ...Object.keys(THROTTLED_CODES), ...TRANSIENT_CODES, ...REJECTED_CODES];

  it('name every pattern once, so no entry silently overrides another', () => {
    expect(new Set(allPatterns).size).toBe(allPatterns.length);
  });

  it.each(allPatterns.filter((pattern) => !pattern.endsWith('*')))('exact code %s resolves to its own entry', (code) => {
    expect(matchCodeRule(code)?.pattern).toBe(code);
  });

  it('hold these exact codes, each its own entry (written out: a code dropped from a table fails here)', () => {
    const exact: [code: string, kind: string][] = [
      ['isv.OUT_OF_SERVICE', 'account'],
      ['isv.AMOUNT_NOT_ENOUGH', 'account'],
      ['isv.AMOUNT_NOT_ENOUG', 'account'],
      ['isp.RAM_PERMISSION_DENY', 'account'],
      ['isp.RES_OWNER_ID_UNKNOWN', 'account'],
      ['SignatureDoesNotMatch', 'account'],
      ['IncompleteSignature', 'account'],
      ['InvalidVersion', 'account'],
      ['UnsupportedHTTPMethod', 'account'],
      ['isv.BUSINESS_LIMIT_CONTROL', 'throttled'],
      ['isv.VOICE_CALL_PERIOD_ERROR', 'throttled'],
      ['isv.VOICE_ROBOT_NOT_PERIOD', 'throttled'],
      ['InternalError', 'transient'],
      ['isp.SYSTEM_ERROR', 'transient'],
      ['isp.GATEWAY_ERROR', 'transient'],
      ['isp.UNKNOWN', 'transient'],
      ['ServiceUnavailable', 'transient'],
      ['SignatureNonceUsed', 'transient'],
      ['isv.VOICE_CALL_FAIL', 'rejected'],
      ['BillidNotExist', 'rejected'],
      ['ComplaintReject', 'rejected'],
      ['100008.0', 'rejected'],
      ['100008', 'rejected'],
    ];
    for (const [code, kind] of exact) expect(matchCodeRule(code), code).toStrictEqual({ pattern: code, kind, ...(kind === 'throttled' ? { retryAfterSeconds: expect.any(Number) } : {}) });
    expect(matchCodeRule('InternalError')).toStrictEqual({ pattern: 'InternalError', kind: 'transient' });
    expect(matchCodeRule('Throttling.User')).toStrictEqual({ pattern: 'Throttling*', kind: 'throttled', retryAfterSeconds: 1 });
    expect(matchCodeRule('')).toBeUndefined();
  });

  it('picks the longest prefix: InvalidAccessKeyId* over Invalid*, isv.ACCOUNT_* over isv.*', () => {
    expect(matchCodeRule('InvalidAccessKeyId.Whatever')?.pattern).toBe('InvalidAccessKeyId*');
    expect(matchCodeRule('InvalidFoo')?.pattern).toBe('Invalid*');
    expect(matchCodeRule('isv.ACCOUNT_FROZEN')?.pattern).toBe('isv.ACCOUNT_*');
    expect(matchCodeRule('isv.ANYTHING')?.pattern).toBe('isv.*');
  });

  it('matches case-sensitively (Alibaba codes are case-sensitive)', () => {
    expect(matchCodeRule('internalerror')).toBeUndefined();
  });

  it('marks only the nonce rejection as safe to resend for a call-placing request', () => {
    expect(RESEND_SAFE_CODES).toEqual(['SignatureNonceUsed']);
    expect(isResendSafeCode('SignatureNonceUsed')).toBe(true);
    expect(isResendSafeCode('InternalError')).toBe(false);
    expect(isResendSafeCode(undefined)).toBe(false);
    expect(isResendSafeCode('')).toBe(false);
    expect(isResendSafeCode('signaturenonceused')).toBe(false);
  });
});
