/**
 * The shape of shared/ (docs/architecture.md): its folders depend one way (no import cycle between
 * any two of them), its top-level files are the base every folder may use and import no folder,
 * only the adapters know Lambda's event types, and nothing in shared/ reaches into the handlers,
 * the sandbox, the scripts or the tests; no file of it is over 300 lines but a declarative table;
 * and only the guarded placing path sends a placement to Alibaba.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { withoutComments } from '../support/sourceText.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const SHARED = join(ROOT, 'shared');

/** Folders whose code may import `aws-lambda` types: the adapters between Lambda and the domain. */
const LAMBDA_ADAPTERS = new Set(['http', 'triggers', 'events']);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Every module specifier a file imports or re-exports, static or dynamic. */
function specifiers(source: string): string[] {
  const found: string[] = [];
  const pattern = /(?:^|\s)(?:import|export)\s[^'";]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|^import\s+['"]([^'"]+)['"]/gm;
  for (const match of source.matchAll(pattern)) found.push((match[1] ?? match[2] ?? match[3])!);
  return found;
}

/** The folder of shared/ a file belongs to: its first path segment, or '.' for the top-level files. */
function folderOf(file: string): string {
  const parts = relative(SHARED, file).split('/');
  return parts.length === 1 ? '.' : parts[0]!;
}

interface Edge {
  from: string;
  to: string;
  file: string;
  specifier: string;
}

const files = sourceFiles(SHARED);
const edges: Edge[] = [];
const externalImports: Array<{ file: string; specifier: string }> = [];
for (const file of files) {
  for (const specifier of specifiers(readFileSync(file, 'utf8'))) {
    if (!specifier.startsWith('.')) {
      externalImports.push({ file, specifier });
      continue;
    }
    const target = resolve(dirname(file), specifier);
    if (!target.startsWith(`${SHARED}/`)) {
      edges.push({ from: folderOf(file), to: `outside:${relative(ROOT, target)}`, file, specifier });
      continue;
    }
    const to = folderOf(target);
    const from = folderOf(file);
    if (from !== to) edges.push({ from, to, file, specifier });
  }
}

/** Strongly connected components of more than one folder (Tarjan): each is an import cycle. */
function cycles(graph: Map<string, Set<string>>): string[][] {
  let index = 0;
  const indices = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (node: string): void => {
    indices.set(node, index);
    low.set(node, index);
    index += 1;
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!indices.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node)!, indices.get(next)!));
      }
    }
    if (low.get(node) === indices.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const node of graph.keys()) if (!indices.has(node)) visit(node);
  return found;
}

describe('shared/ folders', () => {
  it('import each other one way only: no cycle between any folders', () => {
    const graph = new Map<string, Set<string>>();
    for (const edge of edges) {
      if (edge.to.startsWith('outside:')) continue;
      if (!graph.has(edge.from)) graph.set(edge.from, new Set());
      if (!graph.has(edge.to)) graph.set(edge.to, new Set());
      graph.get(edge.from)!.add(edge.to);
    }
    const found = cycles(graph);
    const explain = found.map((component) =>
      edges
        .filter((edge) => component.includes(edge.from) && component.includes(edge.to))
        .map((edge) => `${relative(ROOT, edge.file)} -> ${edge.specifier}`)
        .join('\n'),
    );
    expect(explain).toEqual([]);
    // The check is live: the graph has the folders it should.
    expect([...graph.keys()]).toEqual(expect.arrayContaining(['calls', 'store', 'receipts', 'events', 'runtime']));
  });

  it('the top-level files are the base layer: they import no folder of shared/', () => {
    const upward = edges.filter((edge) => edge.from === '.' && !edge.to.startsWith('outside:')).map((edge) => `${relative(ROOT, edge.file)} -> ${edge.specifier}`);
    expect(upward).toEqual([]);
  });

  it('never import the handlers, the sandbox, the scripts, the benchmarks or the tests', () => {
    const outside = edges
      .filter((edge) => edge.to.startsWith('outside:') && !/^outside:(package\.json|openapi\.json)$/.test(edge.to))
      .map((edge) => `${relative(ROOT, edge.file)} -> ${edge.specifier}`);
    expect(outside).toEqual([]);
  });

  it('only the Lambda adapters (http, triggers, events) know Lambda event types', () => {
    const lambdaTypes = externalImports
      .filter(({ specifier }) => specifier === 'aws-lambda')
      .map(({ file }) => relative(SHARED, file))
      .filter((file) => !LAMBDA_ADAPTERS.has(file.split('/')[0]!));
    expect(lambdaTypes).toEqual([]);
  });

  it('hold files of at most 300 lines, each one idea; only a declarative table may be longer', () => {
    // The OpenAPI document: the examples, problem responses and paths of openapi.json, as data.
    const declarativeTables = new Set(['openapi/document.ts']);
    const long = files
      .map((file) => ({ file: relative(SHARED, file), lines: readFileSync(file, 'utf8').split('\n').length - 1 }))
      .filter(({ file, lines }) => lines > 300 && !declarativeTables.has(file));
    expect(long, 'split a long file along its seams (docs/architecture.md)').toEqual([]);
  });
});

/** Every source file of the repository outside the tests (and what is not ours: dependencies, builds). */
function repositorySources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      const skipped = entry.name.startsWith('.') || ['node_modules', 'test', 'dist', 'coverage', 'reports'].includes(entry.name);
      return skipped ? [] : repositorySources(path);
    }
    return /\.(ts|mts|cts|js|mjs|cjs)$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

describe('placing calls at Alibaba', () => {
  const sources = repositorySources(ROOT).map((file) => ({ file: relative(ROOT, file), code: withoutComments(readFileSync(file, 'utf8')) }));
  const filesMatching = (pattern: RegExp) => sources.filter(({ code }) => pattern.test(code)).map(({ file }) => file).sort();
  const WHY =
    'only placeAndRecordCall (shared/calls/service.ts) may send a placement to Alibaba: it takes the numbers\' flow-control slots first ' +
    '(docs/flow-control.md), and a placement sent any other way skips the guard and draws isv.BUSINESS_LIMIT_CONTROL. Place calls through placeAndRecordCall.';

  it('goes through VoiceApi.initiateCall from shared/calls/service.ts only, where the flow-control guard is', () => {
    // The method's definition and its one caller; any other mention is a way around the guard.
    expect(filesMatching(/\binitiateCall\b/), WHY).toEqual(['shared/alibaba/voiceApi.ts', 'shared/calls/service.ts']);
  });

  it('marks an RPC call as placing a call (placesCall: true) in VoiceApi.initiateCall only', () => {
    expect(filesMatching(/\bplacesCall\s*:\s*true\b/), WHY).toEqual(['shared/alibaba/voiceApi.ts']);
  });

  it('names the call-placing actions, in the deployed code, in shared/calls/wire.ts only', () => {
    const deployed = sources.filter(({ file }) => /^(shared|functions)\//.test(file));
    const naming = deployed.filter(({ code }) => /['"`](SingleCallByTts|SingleCallByVoice|IvrCall|ClickToDial|SmartCall)['"`]/.test(code)).map(({ file }) => file);
    expect(naming, WHY).toEqual(['shared/calls/wire.ts']);
  });
});
