/**
 * Bundles exactly as `serverless package` does: the functions listed in serverless.yml, built with
 * the esbuild options of its `custom.esbuild` block (serverless-esbuild passes them to esbuild),
 * every dependency bundled. The same options build the official-SDK anchor entries, so sizes and
 * load times compare like with like.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build, type BuildOptions, type Metafile } from 'esbuild';
import { parse } from 'yaml';

/** The repository root (bench/lib/ is two levels down). */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');

interface ServerlessYml {
  functions?: Record<string, { handler?: string }>;
  custom?: { esbuild?: Record<string, unknown> } & Record<string, unknown>;
}

function readServerlessYml(root = ROOT): ServerlessYml {
  return parse(readFileSync(join(root, 'serverless.yml'), 'utf8')) as ServerlessYml;
}

export interface FunctionEntry {
  name: string;
  /** `functions/placeCall.handler` */
  handler: string;
  /** Absolute path of the handler's source file. */
  entry: string;
}

/** Every function of serverless.yml, in file order, with its handler's source file. */
export function functionsFromServerlessYml(root = ROOT): FunctionEntry[] {
  const functions = readServerlessYml(root).functions ?? {};
  return Object.entries(functions).map(([name, definition]) => {
    const handler = definition.handler;
    if (!handler) throw new Error(`serverless.yml function ${name} has no handler`);
    const base = handler.slice(0, handler.lastIndexOf('.'));
    const entry = ['.ts', '.js', '.mjs', '.cjs'].map((extension) => join(root, base + extension)).find((path) => existsSync(path));
    if (!entry) throw new Error(`serverless.yml function ${name}: no source file for handler ${handler}`);
    return { name, handler, entry };
  });
}

/** esbuild options serverless-esbuild hands through to esbuild (its own settings are left out). */
const ESBUILD_KEYS = new Set([
  'bundle',
  'minify',
  'minifyWhitespace',
  'minifyIdentifiers',
  'minifySyntax',
  'keepNames',
  'sourcemap',
  'target',
  'platform',
  'format',
  'mainFields',
  'conditions',
  'define',
  'loader',
  'treeShaking',
  'legalComments',
  'charset',
  'banner',
  'footer',
  'inject',
  'alias',
  'resolveExtensions',
  'tsconfig',
  'external',
  'drop',
  'pure',
]);

/**
 * `${self:custom.a.b.${env:NAME, 'fallback'}}`, the one kind of variable the esbuild options use
 * (custom.esbuild.alias), resolved as the Serverless Framework would for a deployment (NAME unset).
 */
function resolveSelfReference(value: unknown, yml: ServerlessYml): unknown {
  if (typeof value !== 'string') return value;
  const match = /^\$\{self:custom\.([\w.]+)\.\$\{env:\w+, '([\w-]+)'\}\}$/.exec(value);
  if (!match) return value;
  let node: unknown = yml.custom;
  for (const key of [...match[1]!.split('.'), match[2]!]) node = (node as Record<string, unknown> | undefined)?.[key];
  if (node === undefined) throw new Error(`serverless.yml: ${value} resolves to nothing`);
  return node;
}

/** The esbuild options of serverless.yml `custom.esbuild`; `exclude` becomes `external` as serverless-esbuild does. */
export function esbuildOptionsFromServerlessYml(root = ROOT): BuildOptions {
  const yml = readServerlessYml(root);
  const custom = yml.custom?.esbuild ?? {};
  const options: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(custom)) if (ESBUILD_KEYS.has(key)) options[key] = resolveSelfReference(value, yml);
  const exclude = custom.exclude;
  if (Array.isArray(exclude) && exclude.length > 0 && !exclude.includes('*')) {
    options.external = [...((options.external as string[] | undefined) ?? []), ...exclude];
  }
  return options as BuildOptions;
}

/** The handler file's extension in the zips: serverless-esbuild's `outputFileExtension` (`.mjs` for an ESM build). */
export function bundleExtension(root = ROOT): string {
  const extension = readServerlessYml(root).custom?.esbuild?.outputFileExtension;
  return typeof extension === 'string' ? extension : '.js';
}

export interface BuiltBundle {
  name: string;
  file: string;
  bytes: number;
  gzipBytes: number;
  metafile: Metafile;
}

/**
 * Builds one entry with the serverless.yml options into `outfile`; returns its size and metafile.
 * `withoutAlias` (the official-client anchors): leave out `alias`, whose substitutes are this
 * project's own modules (shared/lambdaCredentials.ts), not part of an application written on the
 * official clients with their defaults.
 */
export async function buildBundle(name: string, entry: string, outfile: string, root = ROOT, options: { withoutAlias?: boolean } = {}): Promise<BuiltBundle> {
  const { alias, ...serverlessOptions } = esbuildOptionsFromServerlessYml(root);
  const result = await build({
    ...serverlessOptions,
    ...(options.withoutAlias ? {} : { alias }),
    entryPoints: [entry],
    outfile,
    absWorkingDir: root,
    metafile: true,
    write: true,
    logLevel: 'silent',
  });
  const content = readFileSync(outfile);
  return { name, file: outfile, bytes: statSync(outfile).size, gzipBytes: gzipSync(content, { level: 9 }).length, metafile: result.metafile };
}

/** The largest inputs of a bundle, by bytes they contribute to the output. */
export function topInputs(bundle: BuiltBundle, count: number): { path: string; bytes: number }[] {
  const output = Object.values(bundle.metafile.outputs)[0];
  if (!output) return [];
  return Object.entries(output.inputs)
    .map(([path, input]) => ({ path, bytes: input.bytesInOutput }))
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, count);
}

/** Bytes per npm package (or `(project)` for the repository's own files), largest first. */
export function bytesByPackage(bundle: BuiltBundle): { name: string; bytes: number }[] {
  const output = Object.values(bundle.metafile.outputs)[0];
  const totals = new Map<string, number>();
  for (const [path, input] of Object.entries(output?.inputs ?? {})) {
    const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path.slice(path.lastIndexOf('node_modules/')));
    const name = path.includes('node_modules/') && match ? match[1]! : '(project)';
    totals.set(name, (totals.get(name) ?? 0) + input.bytesInOutput);
  }
  return [...totals].map(([name, bytes]) => ({ name, bytes })).sort((a, b) => b.bytes - a.bytes);
}

/** Workers built as ES modules: they `import()` bundles that may be ES modules themselves. */
const ESM_WORKERS = new Set(['lambdaCold', 'placeOurs', 'drainOurs']);

/**
 * Compiles a bench worker (bench/workers/<name>.ts) to one file run by plain Node (CommonJS, or ESM
 * for ESM_WORKERS), with its dependencies bundled. Not minified: workers are harness code, not
 * measured artefacts.
 */
export async function buildWorker(name: string, outdir: string, root = ROOT): Promise<string> {
  const esm = ESM_WORKERS.has(name);
  const outfile = join(outdir, `${name}.${esm ? 'mjs' : 'cjs'}`);
  await build({
    entryPoints: [join(root, 'bench', 'workers', `${name}.ts`)],
    outfile,
    absWorkingDir: root,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: esm ? 'esm' : 'cjs',
    logLevel: 'silent',
  });
  return outfile;
}
