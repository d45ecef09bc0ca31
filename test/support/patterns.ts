/**
 * How much text regular expressions with quantifiers are run on while some code runs: every
 * regular-expression match in JavaScript (`test`, `exec`, `match`, `replace`, `split`, `search`)
 * goes through `RegExp.prototype.exec`, which is wrapped here for the duration of `work`.
 *
 * This is how the tests bound the time validation takes without measuring time (no test asserts a
 * timing): a pattern with a quantifier can backtrack, costing time that grows faster than its
 * input, so validation whose quantified patterns only ever see short strings, and whose other
 * steps are linear, stays fast whatever the input (docs/security.md#input-limits). A pattern
 * without a quantifier (a literal, one character class) cannot backtrack: it is linear on any
 * input and not counted.
 */

export interface PatternWork<T> {
  result: T;
  /** The longest string a quantified pattern was run on (0 when none ran). */
  longest: number;
  /** The source of the pattern that was run on it, to name it when a test fails. */
  longestPattern: string | undefined;
}

/** Runs `work` (synchronous), recording every string a quantified pattern is run on. */
export function patternWork<T>(work: () => T): PatternWork<T> {
  const recorder = installRecorder();
  try {
    return { result: work(), ...recorder.measured() };
  } finally {
    recorder.uninstall();
  }
}

/**
 * Runs `work` (asynchronous), recording every string a quantified pattern is run on until it
 * settles; nothing else may run meanwhile (a test file's tests run one at a time).
 */
export async function patternWorkAsync<T>(work: () => Promise<T>): Promise<PatternWork<T>> {
  const recorder = installRecorder();
  try {
    return { result: await work(), ...recorder.measured() };
  } finally {
    recorder.uninstall();
  }
}

function installRecorder() {
  const original = RegExp.prototype.exec;
  let longest = 0;
  let longestPattern: string | undefined;
  RegExp.prototype.exec = function exec(this: RegExp, input: string) {
    const length = String(input).length;
    if (length > longest && hasQuantifier(this.source)) {
      longest = length;
      longestPattern = this.source;
    }
    return original.call(this, input);
  };
  return {
    measured: () => ({ longest, longestPattern }),
    uninstall: () => {
      RegExp.prototype.exec = original;
    },
  };
}

/** Whether a pattern's source repeats anything: `*`, `+`, `?` or `{n` outside escapes and character classes (`(?` is a group). */
export function hasQuantifier(source: string): boolean {
  let inClass = false;
  for (let index = 0; index < source.length; index += 1) {
    const char = source[index];
    if (char === '\\') {
      index += 1;
    } else if (inClass) {
      if (char === ']') inClass = false;
    } else if (char === '[') {
      inClass = true;
    } else if (char === '*' || char === '+' || (char === '{' && isDigit(source.charCodeAt(index + 1)))) {
      return true;
    } else if (char === '?' && source[index - 1] !== '(') {
      return true;
    }
  }
  return false;
}

function isDigit(char: number): boolean {
  return char >= 0x30 && char <= 0x39;
}
