/** Business checks on single dyvmsapi parameters (docs/alibaba/actions.md), each answering Alibaba's `isv.*` code. */
import { businessError, invalidParameters } from '../rpc/errors.ts';
import type { ValueCheck } from '../rpc/params.ts';

/**
 * docs/alibaba/actions.md#singlecallbytts: mainland numbers (`159****0000`, `0571****5678`) or country code + number. Digits
 * only, 5 (short service numbers) to 20.
 */
const PHONE_NUMBER = /^\d{5,20}$/;

export const calledOrCallerNumber: ValueCheck = (value, name) => {
  if (!PHONE_NUMBER.test(value)) {
    throw businessError('isv.MOBILE_NUMBER_ILLEGAL', `${name} ${value} is not a phone number (5-20 digits).`);
  }
};

export const showNumber: ValueCheck = (value, name) => {
  if (!PHONE_NUMBER.test(value)) {
    throw businessError('isv.DISPLAY_NUMBER_ILLEGAL', `${name} ${value} is not a valid display number (5-20 digits).`);
  }
};

/** docs/alibaba/actions.md#singlecallbytts: an approved template ID like `TTS_100****`. */
export const ttsCode: ValueCheck = (value, name) => {
  if (!/^TTS_\d+$/.test(value)) {
    throw businessError('isv.TTS_TEMPLATE_ILLEGAL', `${name} ${value} is not a TTS template code (TTS_<digits>).`);
  }
};

export function integerRange(min: number, max: number): ValueCheck {
  return (value, name) => {
    const number = Number(value);
    if (number < min || number > max) throw invalidParameters(`${name} must be from ${min} to ${max}, got ${value}.`);
  };
}

export function oneOf(...allowed: string[]): ValueCheck {
  return (value, name) => {
    if (!allowed.includes(value)) throw invalidParameters(`${name} must be one of ${allowed.join(', ')}, got ${value}.`);
  };
}

/** docs/alibaba/actions.md: OutId is 1-15 bytes. */
export const outId: ValueCheck = (value, name) => {
  const bytes = Buffer.byteLength(value, 'utf8');
  if (bytes < 1 || bytes > 15) throw invalidParameters(`${name} must be 1-15 bytes, got ${bytes}.`);
};

/** docs/alibaba/actions.md#singlecallbytts: no URLs in template variables. Schemes, `www.` and bare common domains. */
const URL_LIKE = /(?:[a-z][a-z0-9+.-]*:\/\/|www\.|\b[a-z0-9-]+\.(?:com|cn|net|org|io|cc|top|xyz|info|me|vip)\b)/i;

/**
 * Template variables: a JSON object of scalar values (docs/alibaba/actions.md#singlecallbytts `TtsParam`, docs/alibaba/actions.md#ivrcall `*TtsParams`,
 * docs/alibaba/actions.md#smartcall `VoiceCodeParam`), without URLs; `maxCharacters` caps the whole text (docs/alibaba/actions.md#singlecallbytts: < 250).
 */
export function templateVariables(options: { maxCharacters?: number } = {}): ValueCheck {
  return (value, name) => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch {
      parsed = undefined;
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw invalidParameters(`${name} must be a JSON object string, got ${value}.`);
    }
    const values = Object.values(parsed);
    if (values.some((item) => !['string', 'number', 'boolean'].includes(typeof item))) {
      throw invalidParameters(`${name} values must be strings or numbers.`);
    }
    const characters = [...value].length;
    if (options.maxCharacters !== undefined && characters >= options.maxCharacters) {
      throw businessError('isv.PARAM_LENGTH_LIMIT', `${name} is ${characters} characters; it must be under ${options.maxCharacters}.`);
    }
    if (values.some((item) => URL_LIKE.test(String(item)))) {
      throw businessError('isv.PARAM_NOT_SUPPORT_URL', `${name} may not contain URLs.`);
    }
  };
}

/** A key on a phone keypad (docs/alibaba/actions.md#ivrcall MenuKeyMap `Key`, e.g. `1`). */
export const dtmfKey: ValueCheck = (value, name) => {
  if (!/^[0-9*#]$/.test(value)) throw invalidParameters(`${name} must be one key: 0-9, * or #; got ${value}.`);
};
