/**
 * A source file's comments apart from its code, for the repository's checks on what code does
 * (test/unit/architecture.test.ts) and what its comments cite (test/unit/docs.test.ts).
 *
 * A heuristic, not a parser: `/* ... *\/` blocks (TSDoc included) and `//` line comments, where a
 * `//` right after `:` or a quote is a URL or a string (`https://...`, `'//'`), not a comment.
 */
const COMMENT = /\/\*[\s\S]*?\*\/|(?<![:'"`\\])\/\/.*$/gm;

/** The comments of `source`, one after the other. */
export function commentsOf(source: string): string {
  return (source.match(COMMENT) ?? []).join('\n');
}

/** `source` without its comments, so examples in TSDoc and prose do not count as code. */
export function withoutComments(source: string): string {
  return source.replace(COMMENT, '');
}
