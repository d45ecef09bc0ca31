/**
 * Tests state what they expect in literal values, never through the tables of the code they test.
 *
 * A test that reads its expected value from the module under test (`expect(rank).toBe(STATUS_RANK.ringing)`,
 * or an oracle built on STATUS_RANK) passes whatever that table says: mutation testing found
 * `ringing` and `in-progress` swapped in STATUS_RANK passing every unit test that way
 * (docs/testing.md#mutation-testing). So, for the exported constants (ALL_CAPS) of the core modules
 * that `npm run test:mutation` measures (stryker.config.json):
 * - none of them may appear in a matcher's argument (`.toBe(…)`, `.toEqual(…)`, …): the expected
 *   value is written out;
 * - anywhere else in a test, one may only be the value under test (`expect(STATUS_RANK)…`), or an
 *   input listed in INPUTS below with the reason it is one (a list the test iterates, a size it
 *   builds a body from).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import strykerConfig from '../../stryker.config.json';

const ROOT = resolve(import.meta.dirname, '../..');

/** Test file (from the repository root) → constant → why the test may use it outside `expect(…)`. */
const INPUTS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  'test/unit/alibaba/classify.test.ts': {
    ACCOUNT_CODES: 'the patterns are inputs: each is named once and each exact code resolves to its own entry; kinds are checked against literal rows',
    THROTTLED_CODES: 'as ACCOUNT_CODES',
    TRANSIENT_CODES: 'as ACCOUNT_CODES',
    REJECTED_CODES: 'as ACCOUNT_CODES',
  },
  'test/unit/receipts/normalise.test.ts': {
    STATUS_BY_CODE: 'every status the table holds is checked against the literal vocabulary',
    STATUS_BY_SMART_CODE: 'as STATUS_BY_CODE',
  },
  'test/unit/receipts/decode.test.ts': {
    MAX_BODY_CHARS: 'the size of the too-large body the test builds',
  },
  'test/unit/calls/schemas.test.ts': {
    CALL_TYPES: 'the call types the tests run for (wire.test.ts pins the list literally)',
    TEMPLATE_PARAMS_MAX_CHARS: 'the bound the bounded-work property measures pattern inputs against (the limit itself is pinned literally by its own tests)',
  },
  'test/unit/callRequests/model.test.ts': {
    CALL_STATUSES: 'the statuses an attempt may move to, iterated as inputs; each expected outcome is written literally',
  },
  'test/unit/inputLimits.test.ts': {
    MAX_REQUEST_BODY_BYTES: 'the size of the too-large bodies the tests build; the refusals name 16384 literally',
  },
  'test/unit/calls/wire.test.ts': {
    CALL_TYPES: 'the call types the tests run for (pinned literally in this file)',
  },
  'test/unit/signing/vectors.test.ts': {
    ACS3_ALGORITHM: 'builds the StringToSign of the vector, whose text and signature are compared to the literal values of the spec',
  },
  'test/unit/metrics/domainMetrics.test.ts': {
    CALL_TYPES: 'the call types the tests run for (wire.test.ts pins the list literally)',
  },
};

/** The matchers whose arguments are expected values. */
const MATCHER = /\.(?:not\.)?(?:resolves\.|rejects\.)?(?:to[A-Z]\w*)\(/g;

/** The core modules: what stryker.config.json mutates. */
const CORE_MODULES: string[] = strykerConfig.mutate.map((pattern) => pattern.replace(/:.*$/, ''));

/** Module path (from the root) → its exported ALL_CAPS constants. */
const CONSTANTS = new Map(
  CORE_MODULES.map((path) => {
    const source = readFileSync(join(ROOT, path), 'utf8');
    return [path, new Set([...source.matchAll(/^export const ([A-Z][A-Z0-9_]*)\b/gm)].map((match) => match[1]!))];
  }),
);

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return testFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** The module a specifier names, from the root (`#shared/x` or a relative path), or undefined. */
function resolveSpecifier(file: string, specifier: string): string | undefined {
  let path: string;
  if (specifier.startsWith('#shared/')) path = `shared/${specifier.slice('#shared/'.length)}`;
  else if (specifier.startsWith('.')) path = relative(ROOT, resolve(dirname(file), specifier));
  else return undefined;
  return path.endsWith('.ts') ? path : `${path}.ts`;
}

/** The core constants a file imports: from their module, or from the barrel (index.ts) of its folder. */
function importedConstants(file: string, source: string): Set<string> {
  const found = new Set<string>();
  for (const match of source.matchAll(/import\s+(?:type\s+)?\{([^}]*)\}\s*from\s*['"]([^'"]+)['"]/g)) {
    const module = resolveSpecifier(file, match[2]!);
    if (module === undefined) continue;
    const exporters = module.endsWith('/index.ts') ? CORE_MODULES.filter((core) => dirname(core) === dirname(module)) : [module];
    for (const part of match[1]!.split(',')) {
      const name = part.trim().replace(/^type\s+/, '').split(/\s+as\s+/)[0]!;
      if (exporters.some((core) => CONSTANTS.get(core)?.has(name))) found.add(name);
    }
  }
  return found;
}

/** The source without comment lines and import declarations, so only code that runs is searched. */
function codeOf(source: string): string {
  return source
    .replace(/import\s+(?:type\s+)?\{[^}]*\}\s*from\s*['"][^'"]+['"];?/g, (declaration) => declaration.replace(/[^\n]/g, ''))
    .split('\n')
    .map((line) => (/^\s*(?:\/\/|\/\*|\*)/.test(line) ? '' : line))
    .join('\n');
}

/** [start, end) of every matcher's argument list. */
function matcherArguments(code: string): [number, number][] {
  const spans: [number, number][] = [];
  for (const match of code.matchAll(MATCHER)) {
    const start = match.index + match[0].length;
    let depth = 1;
    let end = start;
    while (end < code.length && depth > 0) {
      const character = code[end];
      if (character === '(') depth += 1;
      else if (character === ')') depth -= 1;
      end += 1;
    }
    spans.push([start, end - 1]);
  }
  return spans;
}

interface Finding {
  file: string;
  line: number;
  name: string;
  problem: string;
}

/** What breaks the rules in `source`, the text of the test file `file` (an absolute path). */
function findings(file: string, source: string): Finding[] {
  const names = importedConstants(file, source);
  if (names.size === 0) return [];
  const path = relative(ROOT, file);
  const code = codeOf(source);
  const spans = matcherArguments(code);
  const found: Finding[] = [];
  for (const name of names) {
    for (const match of code.matchAll(new RegExp(`(?<![\\w$])${name}(?![\\w$])`, 'g'))) {
      const at = match.index;
      const line = code.slice(0, at).split('\n').length;
      if (spans.some(([start, end]) => at >= start && at < end)) {
        found.push({ file: path, line, name, problem: 'is the expected value of a matcher: write the expected value out' });
      } else if (!/\bexpect\(\s*$/.test(code.slice(Math.max(0, at - 20), at)) && INPUTS[path]?.[name] === undefined) {
        found.push({ file: path, line, name, problem: 'is used by the test (an oracle?): write the expected values out, or list it in INPUTS with why it is an input' });
      }
    }
  }
  return found;
}

describe('tests state their expectations literally', () => {
  it('knows the core modules and their constants (the guard is not looking at nothing)', () => {
    expect(CORE_MODULES).toContain('shared/calls/status.ts');
    expect(CONSTANTS.get('shared/calls/status.ts')).toContain('STATUS_RANK');
    expect(CONSTANTS.get('shared/alibaba/classify.ts')).toContain('THROTTLED_CODES');
  });

  it('finds a core constant used as an expected value or as an oracle, and lets the value under test be', () => {
    const file = join(ROOT, 'test/unit/calls/example.test.ts');
    const source = [
      "import { STATUS_RANK, movesForward } from '#shared/calls/status';",
      "import { THROTTLED_CODES } from '#shared/alibaba/classify';",
      "import { MNS_VERSION } from '#shared/signing/index';",
      '// STATUS_RANK in a comment is not code.',
      "expect(STATUS_RANK).toEqual({ placed: 0 });",
      "expect(rank('ringing')).toBe(STATUS_RANK.ringing);",
      "const oracle = (a, b) => STATUS_RANK[b] > STATUS_RANK[a];",
      "expect(wait).not.toEqual(THROTTLED_CODES['Throttling*']);",
      "expect(header).toBe(`${MNS_VERSION}`);",
    ].join('\n');
    expect(findings(file, source).map(({ line, name, problem }) => `${line} ${name} ${problem.split(':')[0]}`)).toEqual([
      '6 STATUS_RANK is the expected value of a matcher',
      '7 STATUS_RANK is used by the test (an oracle?)',
      '7 STATUS_RANK is used by the test (an oracle?)',
      '8 THROTTLED_CODES is the expected value of a matcher',
      '9 MNS_VERSION is the expected value of a matcher',
    ]);
  });

  it('no test reads an expected value from a core module\'s own constants', () => {
    // This file is left out: its own example above breaks the rules on purpose.
    const all = testFiles(join(ROOT, 'test'))
      .filter((file) => file !== import.meta.filename)
      .flatMap((file) => findings(file, readFileSync(file, 'utf8')));
    expect(all.map(({ file, line, name, problem }) => `${file}:${line} ${name} ${problem}`)).toEqual([]);
  });

  it('every INPUTS entry is still used (the list stays short and true)', () => {
    for (const [path, names] of Object.entries(INPUTS)) {
      const source = readFileSync(join(ROOT, path), 'utf8');
      const imported = importedConstants(join(ROOT, path), source);
      for (const name of Object.keys(names)) expect(imported, `${path} ${name}`).toContain(name);
    }
  });
});
