/**
 * Documented called numbers that script what the sandbox does with a call (Alibaba has no test
 * mode, so these are the sandbox's own). Any other valid number is answered.
 *
 * - Failure numbers make every call-placing action (SingleCallByTts, SingleCallByVoice, IvrCall,
 *   ClickToDial, SmartCall) answer an Alibaba error instead of a CallId.
 * - Outcome numbers are accepted (a CallId is issued) and decide how the call ends: its state in
 *   QueryCallDetailByCallId, and the receipts its lifecycle plays (docs/alibaba/receipts.md#status-codes codes).
 *
 * The number that counts is `CalledNumber` (for ClickToDial: the B leg).
 */

export type CallOutcome = 'answered' | 'busy' | 'no-answer' | 'invalid-number' | 'powered-off' | 'rejected';

export interface OutcomeDescription {
  /** docs/alibaba/receipts.md#status-codes `status_code` for a single call (SingleCallByTts/Voice, IvrCall, SmartCall). */
  statusCode: string;
  /** docs/alibaba/receipts.md#status-codes `status_code` for a two-leg call (ClickToDial), where the table has its own. */
  twoLegStatusCode: string;
  /** docs/alibaba/receipts.md#status-codes smart status code. */
  smartStatusCode: string;
  /** `stateDesc` / `status_msg`. */
  description: string;
  /** Talk time in seconds; 0 = never connected. */
  durationSeconds: number;
  /** Whether the callee's phone rang (ClickToDial: the B leg). */
  rings: boolean;
}

/** docs/alibaba/receipts.md#status-codes. Talk time of an answered call is a fixed, plausible 22 s (the docs/alibaba/receipts.md#receipt-fields example). */
export const CALL_OUTCOMES: Readonly<Record<CallOutcome, OutcomeDescription>> = {
  answered: { statusCode: '200000', twoLegStatusCode: '200100', smartStatusCode: 'ANSWERED', description: '用户听完', durationSeconds: 22, rings: true },
  busy: { statusCode: '200002', twoLegStatusCode: '200112', smartStatusCode: 'USER_BUSY', description: '用户忙', durationSeconds: 0, rings: false },
  'no-answer': { statusCode: '200003', twoLegStatusCode: '200113', smartStatusCode: 'NO_ANSWER', description: '用户未接', durationSeconds: 0, rings: true },
  'invalid-number': { statusCode: '200004', twoLegStatusCode: '200116', smartStatusCode: 'INVALID_NUMBER', description: '空号', durationSeconds: 0, rings: false },
  'powered-off': { statusCode: '200010', twoLegStatusCode: '200010', smartStatusCode: 'POWERED_OFF', description: '关机', durationSeconds: 0, rings: false },
  rejected: { statusCode: '200005', twoLegStatusCode: '200111', smartStatusCode: 'CALL_REJECTED', description: '用户拒接', durationSeconds: 0, rings: true },
};

export interface ScriptedFailure {
  code: string;
  httpStatus: number;
  message: string;
}

/**
 * Which menu key an answered IvrCall's callee presses (a VoiceCallReport `300000` with `dtmf`, and
 * the VoiceReport's `dtmf`): the first menu key unless the number says otherwise, so that
 * acknowledgement by a key plays out with no code (docs/call-requests.md#until-acknowledged).
 */
export type KeyPress = 'first' | 'none' | 'second' | 'first-on-third-call';

export interface TestNumber {
  number: string;
  /** One line for the README. */
  description: string;
  /** Set for failure numbers. */
  failure?: ScriptedFailure;
  /** Set for outcome numbers. */
  outcome?: CallOutcome;
  /** What an answered IvrCall's callee presses (default: the first menu key). */
  keyPress?: KeyPress;
}

export const TEST_NUMBERS: readonly TestNumber[] = [
  {
    number: '13900000001',
    description: 'Refused: number format illegal (content error)',
    failure: { code: 'isv.MOBILE_NUMBER_ILLEGAL', httpStatus: 400, message: '号码格式非法' },
  },
  {
    number: '13900000002',
    description: 'Refused: blacklisted keyword in the template variables (content error)',
    failure: { code: 'isv.BLACK_KEY_CONTROL_LIMIT', httpStatus: 400, message: '模板变量中存在黑名单关键字' },
  },
  {
    number: '13900000003',
    description: 'Refused: account balance too low (account problem)',
    failure: { code: 'isv.AMOUNT_NOT_ENOUGH', httpStatus: 400, message: '账户余额不足' },
  },
  {
    number: '13900000004',
    description: 'Refused: service suspended, e.g. overdue payment (account problem)',
    failure: { code: 'isv.OUT_OF_SERVICE', httpStatus: 400, message: '业务停机' },
  },
  {
    number: '13900000005',
    description: 'Refused: Alibaba system error, HTTP 500 (transient)',
    failure: { code: 'isp.SYSTEM_ERROR', httpStatus: 500, message: '系统错误' },
  },
  {
    number: '13900000006',
    description: 'Refused: called-number flow control, every time (even with flow control off)',
    failure: { code: 'isv.BUSINESS_LIMIT_CONTROL', httpStatus: 400, message: '触发号码天级流控Permits:20' },
  },
  { number: '13900000010', description: 'Accepted; answered and heard to the end, 22 s', outcome: 'answered' },
  { number: '13900000011', description: 'Accepted; callee busy', outcome: 'busy' },
  { number: '13900000012', description: 'Accepted; rings, never answered', outcome: 'no-answer' },
  { number: '13900000013', description: 'Accepted; number does not exist', outcome: 'invalid-number' },
  { number: '13900000014', description: 'Accepted; phone powered off', outcome: 'powered-off' },
  { number: '13900000015', description: 'Accepted; callee rejects the call', outcome: 'rejected' },
  { number: '13900000020', description: 'Accepted; answered; an IVR call\'s callee presses no key', outcome: 'answered', keyPress: 'none' },
  { number: '13900000021', description: 'Accepted; answered; an IVR call\'s callee presses the second menu key', outcome: 'answered', keyPress: 'second' },
  {
    number: '13900000022',
    description: 'Accepted; answered; an IVR call\'s callee presses no key on the first two calls, the first menu key from the third',
    outcome: 'answered',
    keyPress: 'first-on-third-call',
  },
];

const BY_NUMBER = new Map(TEST_NUMBERS.map((entry) => [entry.number, entry]));

export type CallScript = { failure: ScriptedFailure } | { outcome: CallOutcome };

/** Which key an answered IvrCall to this number presses: its `sequence`-th call (1-based) to the number. */
export function keyPressFor(calledNumber: string, sequence: number): 'first' | 'second' | undefined {
  switch (BY_NUMBER.get(calledNumber)?.keyPress ?? 'first') {
    case 'none':
      return undefined;
    case 'second':
      return 'second';
    case 'first-on-third-call':
      return sequence >= 3 ? 'first' : undefined;
    default:
      return 'first';
  }
}

/** What happens to a call to this number: a failure, or the outcome (answered by default). */
export function scriptFor(calledNumber: string): CallScript {
  const entry = BY_NUMBER.get(calledNumber);
  if (entry?.failure) return { failure: entry.failure };
  return { outcome: entry?.outcome ?? 'answered' };
}
