/**
 * Property: whatever shape an entry has, a phone number placed anywhere in it (the message, a
 * string at any depth under any key, an array element, a child logger's or an error's text) is
 * never written in full, and where it is written its last 4 digits remain.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createLogger, maskPhone } from '#shared/logger';

/** Mainland mobiles (docs/alibaba/actions.md CalledNumber), with or without +86, and landlines with an area code. */
const phone = fc.oneof(
  fc.tuple(fc.constantFrom('13', '14', '15', '16', '17', '18', '19'), fc.stringMatching(/^\d{9}$/)).map(([prefix, rest]) => prefix + rest),
  fc.tuple(fc.constantFrom('+86', '0086', '86'), fc.stringMatching(/^1[3-9]\d{9}$/)).map(([country, mobile]) => country + mobile),
  fc.tuple(fc.stringMatching(/^0\d{2,3}$/), fc.constantFrom('-', '', ' '), fc.stringMatching(/^[1-9]\d{6,7}$/)).map(([area, sep, local]) => area + sep + local),
);

/** The digits a masked number must not show together: the whole run of the subscriber part. */
function sensitiveDigits(number: string): string {
  const runs = number.match(/\d+/g) ?? [];
  return runs.reduce((longest, run) => (run.length > longest.length ? run : longest), '');
}

/** Text around a number: anything, joined to it by a character that is not part of a word. */
const separator = fc.constantFrom(' ', '=', ':', ',', '(', ')', '"', '\n', '/', ';', '，', '：');
const filler = fc.string({ maxLength: 12 }).map((text) => text.replace(/[\w^-]+$/, ''));
const textWith = (number: string) =>
  fc.tuple(filler, separator, separator, fc.string({ maxLength: 12 })).map(([before, open, close, after]) => `${before}${open}${number}${close}${after.replace(/^[\w^-]+/, '')}`);

/** A number inside some text, and the number alone. */
const numberInText = phone.chain((number) => textWith(number).map((text) => ({ number, text })));

const key = fc.stringMatching(/^[a-zA-Z][a-zA-Z0-9_]{0,11}$/);

/** A JSON-like value with `slot` marking where the number goes. */
type Shape = string | number | boolean | null | { slot: true } | Shape[] | { [key: string]: Shape };
const SLOT = { slot: true } as const;
const shape: fc.Arbitrary<Shape> = fc.letrec<{ value: Shape }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(SLOT),
    fc.string({ maxLength: 8 }),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(key, tie('value'), { maxKeys: 3 }),
  ),
})).value;

function fill(value: Shape, texts: string[]): unknown {
  if (value !== null && typeof value === 'object' && 'slot' in value && value.slot === true) return texts.shift() ?? '';
  if (Array.isArray(value)) return value.map((item) => fill(item, texts));
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([name, item]) => [name, fill(item, texts)]));
  return value;
}

describe('phone numbers in any part of an entry', () => {
  it('are never written in full, and keep their last 4 digits where written', () => {
    fc.assert(
      fc.property(
        numberInText,
        fc.array(numberInText, { minLength: 1, maxLength: 4 }),
        fc.dictionary(key, shape, { minKeys: 1, maxKeys: 4 }),
        fc.dictionary(key, fc.string({ maxLength: 6 }), { maxKeys: 2 }),
        fc.boolean(),
        ({ number: inMessage, text: message }, placed, fields, childFields, asError) => {
          // arrange
          const inFields = placed.map(({ number }) => number);
          const texts = placed.map(({ text }) => text);
          const filled = fill(fields, [...texts]) as Record<string, unknown>;
          // Every number is somewhere: a slot, else a field of its own (or an error's message).
          const unplaced = texts.slice(countSlots(fields));
          unplaced.forEach((text, index) => {
            filled[`extra${index}`] = asError ? new Error(text) : text;
          });
          const lines: string[] = [];
          const logger = createLogger({}, { level: 'debug', write: (line) => lines.push(line) }).child(childFields);
          // act
          logger.warn(message, filled);
          // assert
          expect(lines).toHaveLength(1);
          const line = lines[0]!;
          for (const number of [inMessage, ...inFields]) expect(line).not.toContain(sensitiveDigits(number));
          const entry = JSON.parse(line) as { message: string };
          expect(entry.message).toContain(maskPhone(sensitiveDigits(inMessage)));
        },
      ),
      { numRuns: 1_000 },
    );
  });
});

function countSlots(value: Shape): number {
  if (value !== null && typeof value === 'object' && 'slot' in value && value.slot === true) return 1;
  if (Array.isArray(value)) return value.reduce((sum: number, item) => sum + countSlots(item), 0);
  if (value !== null && typeof value === 'object') return Object.values(value).reduce((sum: number, item) => sum + countSlots(item), 0);
  return 0;
}
