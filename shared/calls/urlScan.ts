/**
 * What Alibaba's content check counts as a URL in a template variable: a value holding one is
 * refused with isv.PARAM_NOT_SUPPORT_URL (docs/alibaba/errors.md#voice-business-codes), so the
 * request schemas (schemas.ts) refuse it first, naming the field. A scan in one pass rather than a
 * pattern, so that its time stays linear in the value's length whatever the value holds
 * (docs/security.md#input-limits).
 */

/** Top-level domains Alibaba's content check treats as URLs without a scheme (isv.PARAM_NOT_SUPPORT_URL). */
const URL_TLDS = ['com', 'cn', 'net', 'org', 'io', 'cc', 'top', 'xyz', 'info', 'me', 'vip'] as const;

/**
 * Whether `text` holds what Alibaba's content check counts as a URL, in one pass (linear time
 * whatever the text): a scheme (`[a-z][a-z0-9+.-]*://`), `www.`, or a bare domain under one of
 * URL_TLDS (`\b[a-z0-9-]+\.<tld>\b`), letters in either case. It finds exactly what the pattern
 * `/(?:[a-z][a-z0-9+.-]*:\/\/|www\.|\b[a-z0-9-]+\.(?:com|...|vip)\b)/i` finds; that pattern backtracks
 * quadratically on long runs of letters, since it tries every position of a run as a start.
 *
 * @example containsUrl('see example.com') // true
 * @example containsUrl('code 1234') // false
 */
export function containsUrl(text: string): boolean {
  // The run of scheme characters ([a-z0-9+.-]) ending here, and whether it holds a letter.
  let schemeRunHasLetter = false;
  // The run of domain-label characters ([a-z0-9-]) ending here: where it started, and whether a
  // word boundary (\b) falls at one of its positions, so that the label may start there.
  let labelStart = -1;
  let labelHasBoundary = false;
  for (let index = 0; index < text.length; index += 1) {
    const char = text.charCodeAt(index);
    if (char === 0x3a /* : */ && schemeRunHasLetter && text.startsWith('//', index + 1)) return true;
    if ((char === 0x77 || char === 0x57) && /* w */ startsWithIgnoringCase(text, index, 'www.')) return true;
    if (char === 0x2e /* . */ && labelHasBoundary && labelStart >= 0 && endsWithTld(text, index + 1)) return true;

    schemeRunHasLetter = isSchemeChar(char) && (schemeRunHasLetter || isAsciiLetter(char));
    if (isLabelChar(char)) {
      if (labelStart < 0) labelStart = index;
      // \b at `index`: one side a word character ([A-Za-z0-9_]), the other not (or the text's edge).
      const before = index > 0 && isWordChar(text.charCodeAt(index - 1));
      if (before !== isWordChar(char)) labelHasBoundary = true;
    } else {
      labelStart = -1;
      labelHasBoundary = false;
    }
  }
  return false;
}

/** A TLD of URL_TLDS at `start`, followed by a word boundary (a non-word character or the end). */
function endsWithTld(text: string, start: number): boolean {
  return URL_TLDS.some((tld) => startsWithIgnoringCase(text, start, tld) && !isWordChar(text.charCodeAt(start + tld.length)));
}

/** `lowerCase` (ASCII) at `start` of `text`, its letters in either case. */
function startsWithIgnoringCase(text: string, start: number, lowerCase: string): boolean {
  if (start + lowerCase.length > text.length) return false;
  for (let offset = 0; offset < lowerCase.length; offset += 1) {
    const char = text.charCodeAt(start + offset);
    const wanted = lowerCase.charCodeAt(offset);
    if (char !== wanted && !(isAsciiLetter(char) && (char | 0x20) === wanted)) return false;
  }
  return true;
}

function isAsciiLetter(char: number): boolean {
  return (char >= 0x41 && char <= 0x5a) || (char >= 0x61 && char <= 0x7a);
}

function isDigit(char: number): boolean {
  return char >= 0x30 && char <= 0x39;
}

function isSchemeChar(char: number): boolean {
  return isAsciiLetter(char) || isDigit(char) || char === 0x2b /* + */ || char === 0x2e /* . */ || char === 0x2d /* - */;
}

function isLabelChar(char: number): boolean {
  return isAsciiLetter(char) || isDigit(char) || char === 0x2d /* - */;
}

/** `\w` without the `u` flag: ASCII letters, digits and `_`. NaN (past the end) is not one. */
function isWordChar(char: number): boolean {
  return isAsciiLetter(char) || isDigit(char) || char === 0x5f /* _ */;
}
