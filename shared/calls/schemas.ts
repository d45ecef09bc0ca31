import * as z from 'zod/mini';
import { containsUrl } from './urlScan.ts';

/**
 * POST /calls bodies (docs/http-api.md): one object per call type, camelCase forms of Alibaba's
 * parameter names, every parameter and limit of docs/alibaba/actions.md. Unknown fields are rejected (strict objects).
 * These schemas are the single source of truth for validation and for the OpenAPI document.
 *
 * Every string has a length limit, checked first: a value over it is refused by that check alone
 * (`abort`), so no pattern ever runs on more than a short, bounded text, and the patterns that do
 * run are linear (docs/security.md#input-limits).
 */

/** The largest POST /calls body, and the largest SQS message body or EventBridge detail of a call request. */
export const MAX_REQUEST_BODY_BYTES = 16 * 1024;

/**
 * A string matching `pattern`, refused with `message` when longer than `maxLength` before the
 * pattern runs on it.
 */
export const patterned = (pattern: RegExp, maxLength: number, message: string) =>
  z.string().check(z.maxLength(maxLength, { message, abort: true }), z.regex(pattern, message));

// docs/alibaba/actions.md#singlecallbytts: one number per request; mainland mobile, landline with area code, or country code + number.
const phoneNumber = (description: string) => patterned(/^\d{5,20}$/, 20, 'must be 5 to 20 digits').check(z.describe(description));

// docs/alibaba/actions.md: OutId is 1-15 bytes; kept to printable ASCII so bytes equal characters.
const outId = patterned(/^[\x21-\x7E]{1,15}$/, 15, 'must be 1 to 15 printable ASCII characters (Alibaba allows 1-15 bytes)').check(
  z.describe('Your correlation id, echoed in receipts as out_id. Generated when omitted.'),
);

const code = (description: string, max = 128) =>
  z.string().check(z.maxLength(max, { message: `must be at most ${max} characters`, abort: true }), z.minLength(1, 'must not be empty'), z.describe(description));

const integerIn = (min: number, max: number, description: string) =>
  // Stryker disable next-line StringLiteral: shared/validation.ts writes these same messages when a check has none
  z.int().check(z.minimum(min, `must be at least ${min}`), z.maximum(max, `must be at most ${max}`), z.describe(description));

/** docs/alibaba/actions.md#singlecallbytts: "Whole variable text < 250 characters" — measured on the JSON text Alibaba receives. */
export const TEMPLATE_PARAMS_MAX_CHARS = 249;
const TEMPLATE_PARAMS_TOO_LONG = `must serialise to at most ${TEMPLATE_PARAMS_MAX_CHARS} characters of JSON (Alibaba allows under 250)`;

/** A rule on a template's values beyond the common ones (SmartCall's forbidden characters). */
interface ValueRule {
  pattern: RegExp;
  message: string;
  description: string;
}

/**
 * The longest a template variable's string value can be: the object's JSON text, at most
 * TEMPLATE_PARAMS_MAX_CHARS, spends at least 8 characters on the braces, a one-character key and
 * the quotes (`{"k":"..."}`). The object's length check enforces it; it is stated on the value so
 * that the OpenAPI document gives every string its limit.
 */
const TEMPLATE_VALUE_MAX_CHARS = TEMPLATE_PARAMS_MAX_CHARS - '{"k":""}'.length;

/**
 * Template variables given as a JSON object and serialised by the bundle (README.md): string, number
 * or boolean values; no URLs (isv.PARAM_NOT_SUPPORT_URL, docs/alibaba/errors.md#voice-business-codes); JSON text under 250 characters.
 *
 * The object's checks run in order and the first that fails ends them: the JSON length first, so
 * the URL scan and `forbidden` only ever see values of at most TEMPLATE_VALUE_MAX_CHARS.
 */
const templateParams = (description: string, forbidden?: ValueRule) =>
  z
    .record(
      z.string().check(z.minLength(1), z.maxLength(64)),
      z.union([z.string().check(z.meta({ maxLength: TEMPLATE_VALUE_MAX_CHARS })), z.number(), z.boolean()]),
    )
    .check(
      z.refine((params) => JSON.stringify(params).length <= TEMPLATE_PARAMS_MAX_CHARS, { abort: true, message: TEMPLATE_PARAMS_TOO_LONG }),
      z.refine((params) => !Object.values(params).some((value) => containsUrl(String(value))), {
        abort: true,
        message: 'must not contain URLs (Alibaba rejects them: isv.PARAM_NOT_SUPPORT_URL)',
      }),
      z.refine((params) => !forbidden || !Object.values(params).some((value) => forbidden.pattern.test(String(value))), {
        abort: true,
        // Stryker disable next-line StringLiteral: without `forbidden` this check always passes, so its message is never shown
        message: forbidden?.message ?? '',
      }),
      // The refinements above have no JSON Schema form: the description carries them into the OpenAPI document.
      z.describe(
        `${description} Values are strings, numbers or booleans without URLs; the object's JSON text is at most ${TEMPLATE_PARAMS_MAX_CHARS} characters.` +
          (forbidden ? ` ${forbidden.description}` : ''),
      ),
    );

const playTimes = integerIn(1, 3, 'How many times the message is played, 1-3 (Alibaba plays SingleCallByTts 3 times by default).');
const volume = integerIn(0, 100, 'Playback volume 0-100 (default 100).');
const speed = integerIn(-500, 500, 'Playback speed -500 to 500.');

// docs/alibaba/actions.md#singlecallbytts SingleCallByTts
export const ttsCallSchema = z.strictObject({
  type: z.literal('tts'),
  calledNumber: phoneNumber('Number to call.'),
  calledShowNumber: z.optional(phoneNumber('Caller ID shown; required by dedicated-mode templates, omitted for the public pool.')),
  ttsCode: patterned(/^TTS_\d{1,20}$/, 24, 'must be an approved TTS template id like TTS_123456789').check(z.describe('Approved TTS template id.')),
  ttsParam: z.optional(templateParams('Template variables, for example {"code":"1234"}. Verification-code templates accept letters and digits only.')),
  playTimes: z.optional(playTimes),
  volume: z.optional(volume),
  speed: z.optional(speed),
  outId: z.optional(outId),
});

// docs/alibaba/actions.md#singlecallbyvoice SingleCallByVoice
export const voiceCallSchema = z.strictObject({
  type: z.literal('voice'),
  calledNumber: phoneNumber('Number to call.'),
  calledShowNumber: z.optional(phoneNumber('Caller ID shown; required in dedicated mode.')),
  voiceCode: code('Id of an approved, uploaded voice file, for example 2d4c-4e78-8d2a-afbb06cf1234.wav.'),
  playTimes: z.optional(playTimes),
  volume: z.optional(volume),
  speed: z.optional(speed),
  outId: z.optional(outId),
});

/** docs/alibaba/actions.md#ivrcall: a key is one keypad key; Alibaba leaves the entry limit open, the keypad bounds it at 12. */
const MENU_KEYS_MAX = 12;
const menuKeySchema = z.strictObject({
  key: patterned(/^[0-9*#]$/, 1, 'must be one keypad key: 0-9, * or #').check(z.describe('The key the callee presses.')),
  code: code('Voice file id or TTS template id played when the key is pressed.'),
  ttsParams: z.optional(templateParams('Variables of that TTS template.')),
});

/** Whether a prompt code names a TTS template (`TTS_...`) rather than a voice file (docs/alibaba/actions.md#ivrcall). */
function isTtsTemplateId(code: string): boolean {
  return code.startsWith('TTS_');
}

// docs/alibaba/actions.md#ivrcall IvrCall
export const ivrCallSchema = z.strictObject({
  type: z.literal('ivr'),
  calledNumber: phoneNumber('Mainland-China number to call.'),
  calledShowNumber: phoneNumber('A purchased number shown as caller ID.'),
  startCode: code('Opening prompt: voice file id or TTS template id.'),
  startTtsParams: z.optional(templateParams('Variables of the opening TTS template.')),
  menuKeyMap: z.optional(
    z.array(menuKeySchema).check(
      z.minLength(1, 'must have at least one entry when given'),
      z.maxLength(MENU_KEYS_MAX, `must have at most ${MENU_KEYS_MAX} entries`),
      z.refine((entries) => new Set(entries.map((entry) => entry.key)).size === entries.length, {
        message: 'must not list the same key twice',
      }),
      z.describe('Key-press menu: what to play for each key (1-12 entries, each key at most once).'),
    ),
  ),
  byeCode: z.optional(code('Closing prompt; same kind (voice id or TTS template) as startCode.')),
  byeTtsParams: z.optional(templateParams('Variables of the closing TTS template.')),
  playTimes: z.optional(playTimes),
  // docs/alibaba/actions.md#ivrcall: milliseconds; Alibaba publishes no range, so only an hour's ceiling is enforced.
  timeout: z.optional(integerIn(1, 3_600_000, 'How long to wait for a key press, in milliseconds (example 3000).')),
  outId: z.optional(outId),
}).check(
  // docs/alibaba/actions.md#ivrcall: the closing prompt is of the same kind as the opening one.
  z.refine((call) => call.byeCode === undefined || isTtsTemplateId(call.byeCode) === isTtsTemplateId(call.startCode), {
    message: 'must be of the same kind as startCode: both TTS template ids (TTS_...) or both voice file ids',
    path: ['byeCode'],
  }),
);

/** Maximum call length in seconds (docs/alibaba/actions.md#smartcall SessionTimeout, max 3,600). */
const sessionTimeout = integerIn(1, 3600, 'Maximum call length in seconds (at most 3600); the call is hung up afterwards.');

// docs/alibaba/actions.md#clicktodial ClickToDial
export const clickToDialCallSchema = z.strictObject({
  type: z.literal('clickToDial'),
  callerShowNumber: phoneNumber('Purchased number shown to the caller (A leg).'),
  callerNumber: phoneNumber('Caller (A leg), called first; mainland numbers only.'),
  calledShowNumber: phoneNumber('Purchased number shown to the called party (B leg).'),
  calledNumber: phoneNumber('Called party (B leg); mainland numbers only.'),
  recordFlag: z.optional(z.boolean().check(z.describe('Record the call.'))),
  asrFlag: z.optional(z.boolean().check(z.describe('Enable real-time speech recognition.'))),
  asrModelId: z.optional(code('ASR model id from the console.', 64)),
  sessionTimeout: z.optional(sessionTimeout),
  outId: z.optional(outId),
});

/** docs/alibaba/actions.md#smartcall: characters SmartCall content does not support. */
const SMART_CALL_FORBIDDEN: ValueRule = {
  pattern: /[@=:"${}^*￥]/,
  message: 'values must not contain any of @ = : " $ { } ^ * ￥ (not supported by SmartCall)',
  description: 'Values must not contain any of @ = : " $ { } ^ * ￥.',
};

// docs/alibaba/actions.md#smartcall SmartCall
export const smartCallSchema = z.strictObject({
  type: z.literal('smart'),
  calledNumber: phoneNumber('Mainland number to call.'),
  calledShowNumber: phoneNumber('A purchased number shown as caller ID.'),
  voiceCode: code('Comma-separated playlist: audio URLs, uploaded recording ids and $variables$, for example 2d4c.wav,$name$.', 1024),
  voiceCodeParam: z.optional(templateParams('Values of the $variables$ in voiceCode, for example {"name":"Li"}.', SMART_CALL_FORBIDDEN)),
  volume: z.optional(integerIn(-4, 4, 'Recording playback volume -4 to 4 (1 recommended).')),
  speed: z.optional(integerIn(-500, 500, 'Documented by Alibaba as not available; passed through.')),
  recordFlag: z.optional(z.boolean().check(z.describe('Record the conversation.'))),
  asrModelId: z.optional(code('ASR model id; give this or asrBaseId.', 64)),
  asrBaseId: z.optional(z.enum(['customer_service_8k', 'dialect_customer_service_8k']).check(z.describe('ASR base model (default customer_service_8k).'))),
  muteTime: z.optional(integerIn(1000, 20000, 'Silence in ms that ends the callee\'s turn (1000-20000).')),
  pauseTime: z.optional(integerIn(300, 1200, 'Pause in ms that ends a sentence (300-1200).')),
  sessionTimeout: z.optional(sessionTimeout),
  actionCodeBreak: z.optional(z.boolean().check(z.describe('Whether the callee may interrupt the prompt (default true).'))),
  actionCodeTimeBreak: z.optional(integerIn(0, 60_000, 'Continuous speech in ms that interrupts playback; needs actionCodeBreak; 0 disables.')),
  dynamicId: z.optional(code('Extension id echoed to your callback URL.', 128)),
  earlyMediaAsr: z.optional(z.boolean().check(z.describe('Early-media recognition of why an unanswered call failed (billed).'))),
  enableITN: z.optional(z.boolean().check(z.describe('Inverse text normalisation (Chinese numerals to digits).'))),
  streamAsr: z.optional(integerIn(0, 1, 'Streaming ASR: 0 or 1.')),
  ttsConf: z.optional(z.boolean().check(z.describe('Apply ttsStyle, ttsVolume and ttsSpeed.'))),
  ttsStyle: z.optional(code('TTS voice, for example xiaoyun.', 32)),
  ttsVolume: z.optional(integerIn(0, 100, 'TTS volume 0-100 (default 0).')),
  ttsSpeed: z.optional(integerIn(-200, 200, 'TTS speed -200 to 200 (default 0).')),
  backgroundFileCode: z.optional(code('Background audio file id.')),
  backgroundSpeed: z.optional(integerIn(-500, 500, 'Documented by Alibaba as not available; passed through.')),
  backgroundVolume: z.optional(integerIn(-4, 4, 'Documented by Alibaba as not available; passed through.')),
  noiseThreshold: z.optional(z.number().check(z.minimum(0), z.maximum(1), z.describe('Noise threshold 0-1 (undocumented by Alibaba).'))),
  outId: z.optional(outId),
});

export const placeCallRequestSchema = z.discriminatedUnion('type', [
  ttsCallSchema,
  voiceCallSchema,
  ivrCallSchema,
  clickToDialCallSchema,
  smartCallSchema,
]);

export type PlaceCallRequest = z.infer<typeof placeCallRequestSchema>;
export type CallType = PlaceCallRequest['type'];
export const CALL_TYPES: readonly CallType[] = ['tts', 'voice', 'ivr', 'clickToDial', 'smart'];

/**
 * CallIds look like `116012354148^102813781234` (docs/alibaba/actions.md#singlecallbytts), but calls placed elsewhere may differ:
 * accept a conservative alphabet so path parameters can never smuggle anything else.
 */
export const callIdSchema = patterned(/^[A-Za-z0-9^._-]{1,64}$/, 64, 'must be 1 to 64 characters of letters, digits and ^ . _ -').check(
  z.describe('Alibaba CallId, for example 116012354148^102813781234 (^ may be percent-encoded as %5E).'),
);

/**
 * The optional `Idempotency-Key` request header of POST /calls (README.md: 1-64 printable ASCII).
 * A retry with the same key and body replays the first response (shared/calls/placement.ts).
 */
export const idempotencyKeySchema = patterned(/^[\x20-\x7E]{1,64}$/, 64, 'must be 1 to 64 printable ASCII characters').check(
  z.describe('1 to 64 printable ASCII characters chosen by the client, unique per intended call.'),
);
