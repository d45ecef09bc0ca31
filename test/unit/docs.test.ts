/**
 * The facts the code relies on are readable in the repository: no file cites a document outside
 * it, every `docs/...` page and section the code cites exists, every repository file the comments
 * and docs name exists, and every relative link of the README and docs/ resolves, anchors included
 * (GitHub's heading slugs).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { commentsOf } from '../support/sourceText.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const CODE_FOLDERS = ['functions', 'shared', 'sandbox', 'scripts', 'ops', 'bench', 'test', 'client'];
const SKIP = new Set(['node_modules', 'dist', 'results', '.esbuild', '.serverless']);

function walk(dir: string, accept: (name: string) => boolean): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (SKIP.has(entry.name)) return [];
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return walk(path, accept);
    return accept(entry.name) ? [path] : [];
  });
}

const codeFiles = [...CODE_FOLDERS.flatMap((folder) => walk(join(ROOT, folder), (name) => /\.(ts|mts|js|mjs|cjs|yml|json|md)$/.test(name))), join(ROOT, 'serverless.yml')];
const markdownFiles = [join(ROOT, 'README.md'), ...walk(join(ROOT, 'docs'), (name) => name.endsWith('.md')), ...walk(join(ROOT, 'sandbox'), (name) => name.endsWith('.md')), ...walk(join(ROOT, 'client'), (name) => name.endsWith('.md'))];

/** GitHub's anchors of a Markdown file: heading slugs (with -1, -2 for repeats) and explicit ids. */
function anchorsOf(file: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  let fenced = false;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
    if (fenced) continue;
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (heading) {
      const slug = heading[1]!
        .replace(/<[^>]+>/g, '')
        .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
        .toLowerCase()
        .replace(/[^\p{L}\p{N}\s_-]/gu, '')
        .replace(/\s/g, '-');
      const count = seen.get(slug) ?? 0;
      seen.set(slug, count + 1);
      anchors.add(count === 0 ? slug : `${slug}-${count}`);
    }
    for (const match of line.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) anchors.add(match[1]!);
  }
  return anchors;
}

const anchorCache = new Map<string, Set<string>>();
function hasAnchor(file: string, anchor: string): boolean {
  if (!anchorCache.has(file)) anchorCache.set(file, anchorsOf(file));
  return anchorCache.get(file)!.has(decodeURIComponent(anchor));
}

/** Whether `target` (a path from the repository root, with an optional #anchor) exists. */
function resolves(path: string, anchor: string | undefined): boolean {
  if (!existsSync(path)) return false;
  if (anchor === undefined || anchor === '') return true;
  return statSync(path).isFile() && path.endsWith('.md') && hasAnchor(path, anchor);
}

// Spelled in two parts so that this file does not cite them itself.
const OUTSIDE = [new RegExp(['spec', ' §'].join('')), new RegExp(['design', '\\.md'].join('')), new RegExp(['\\.\\./', 'shared/'].join('') + '(?!.*\\.ts)')];

describe('citations in the code', () => {
  it('name no document outside the repository', () => {
    const offending = codeFiles.flatMap((file) =>
      readFileSync(file, 'utf8')
        .split('\n')
        .map((line, index) => ({ line, index }))
        .filter(({ line }) => OUTSIDE.some((pattern) => pattern.test(line)) && !/from ['"]|import\(/.test(line))
        .map(({ line, index }) => `${relative(ROOT, file)}:${index + 1}: ${line.trim().slice(0, 120)}`),
    );
    expect(offending).toEqual([]);
  });

  it('point at docs/ pages and sections that exist', () => {
    const cited = new Map<string, string>();
    for (const file of codeFiles) {
      for (const match of readFileSync(file, 'utf8').matchAll(/\bdocs\/[\w./-]+\.md(?:#[\w-]+)?/g)) cited.set(match[0], relative(ROOT, file));
    }
    // The check is live: the code cites the Alibaba pages hundreds of times.
    expect(cited.size).toBeGreaterThan(40);
    const broken = [...cited].filter(([target]) => {
      const [path, anchor] = target.split('#');
      return !resolves(join(ROOT, path!), anchor);
    });
    expect(broken.map(([target, file]) => `${file}: ${target}`)).toEqual([]);
  });
});

/** A path from the repository root (`shared/calls/service.ts`), not the tail of a longer or relative one. */
const REPOSITORY_PATH = new RegExp(`(?<![\\w./-])(?:${CODE_FOLDERS.join('|')}|docs)/[\\w./-]*\\w\\.(?:ts|mts|mjs|cjs|js|json|yml|md)\\b`, 'g');

describe('files named in comments and docs', () => {
  it('exist: a file moved or merged away is re-pointed, not left cited', () => {
    // What the code's comments name (its strings may name files a test makes up), and all of the
    // docs, the YAML and the JSON; built output (dist/ and the like) is made, not committed.
    const cited = new Map<string, string>();
    for (const file of [...codeFiles, ...markdownFiles]) {
      const text = readFileSync(file, 'utf8');
      for (const [path] of (/\.(ts|mts|js|mjs|cjs)$/.test(file) ? commentsOf(text) : text).matchAll(REPOSITORY_PATH)) {
        if (!path.split('/').some((segment) => SKIP.has(segment))) cited.set(`${relative(ROOT, file)}: ${path}`, path);
      }
    }
    // The check is live: the comments name shared/ files hundreds of times.
    expect(cited.size).toBeGreaterThan(100);
    expect([...cited].filter(([, path]) => !existsSync(join(ROOT, path))).map(([citation]) => citation)).toEqual([]);
  });
});

describe('links of the README and docs/', () => {
  it('every relative link resolves, anchors included', () => {
    const broken: string[] = [];
    for (const file of markdownFiles) {
      let fenced = false;
      readFileSync(file, 'utf8')
        .split('\n')
        .forEach((line, index) => {
          if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
          if (fenced) return;
          for (const match of line.replace(/`[^`]*`/g, '').matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
            const link = match[1]!;
            if (/^[a-z][a-z0-9+.-]*:/i.test(link)) continue;
            const [path, anchor] = link.split('#');
            const target = path === '' ? file : resolve(dirname(file), path!);
            if (!resolves(target, anchor)) broken.push(`${relative(ROOT, file)}:${index + 1}: ${link}`);
          }
        });
    }
    expect(broken).toEqual([]);
  });

  it('keeps the README a newcomer reads to the end', () => {
    expect(readFileSync(join(ROOT, 'README.md'), 'utf8').split('\n').length).toBeLessThanOrEqual(260);
  });
});
