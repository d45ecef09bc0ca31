/**
 * The linear URL scan behind "template variables must not hold URLs" (shared/calls/urlScan.ts):
 * it finds exactly what the pattern it replaced found, without that pattern's quadratic
 * backtracking (docs/security.md#input-limits). What POST /calls accepts and refuses through it is
 * schemas.urls.test.ts.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { containsUrl } from '#shared/calls/urlScan';

/**
 * The URL pattern the template check used before it became a linear scan: kept here as the
 * reference the scan must agree with. It backtracks quadratically on long runs of letters, so it
 * is only ever run on the short strings of the property below.
 */
const REFERENCE_URL_PATTERN = /(?:[a-z][a-z0-9+.-]*:\/\/|www\.|\b[a-z0-9-]+\.(?:com|cn|net|org|io|cc|top|xyz|info|me|vip)\b)/i;

describe('containsUrl', () => {
  it('property: the linear URL scan finds exactly what the old pattern found', () => {
    const alphabet = fc.constantFrom(...'aAwW.:/-_+0 x#comcnetorgiovptf'.split(''), 'www.', '://', '.com', '.cn', '.io', '李');
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 24 }).map((parts) => parts.join('')), (text) => {
        expect(containsUrl(text), JSON.stringify(text)).toBe(REFERENCE_URL_PATTERN.test(text));
      }),
      { numRuns: 5_000 },
    );
  });
});
