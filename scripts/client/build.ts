/**
 * `npm run client:build`: the client package in client/ -> client/dist/index.js (one ES module; its
 * dependencies stay imports, installed with the package) and client/dist/*.d.ts (tsc), after
 * regenerating its types from openapi.json. `npm run client:types` (`--types-only`) stops after the
 * types.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { CLIENT_TYPES_FILE, generateClientTypes } from './types.ts';

const CLIENT = fileURLToPath(new URL('../../client/', import.meta.url));

async function main(): Promise<void> {
  // Written only when they changed: a test may be reading the committed file meanwhile.
  const types = await generateClientTypes();
  if (!existsSync(CLIENT_TYPES_FILE) || readFileSync(CLIENT_TYPES_FILE, 'utf8') !== types) {
    writeFileSync(CLIENT_TYPES_FILE, types);
    console.log(`wrote ${CLIENT_TYPES_FILE}`);
  }

  if (!process.argv.includes('--types-only')) {
    rmSync(`${CLIENT}dist`, { recursive: true, force: true });
    await build({
      entryPoints: [`${CLIENT}src/index.ts`],
      outfile: `${CLIENT}dist/index.js`,
      bundle: true,
      packages: 'external',
      format: 'esm',
      platform: 'node',
      target: 'node20',
      sourcemap: true,
      logLevel: 'warning',
    });
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    execFileSync(process.execPath, [tsc, '-p', `${CLIENT}tsconfig.json`], { stdio: 'inherit' });
    console.log(`built ${CLIENT}dist (index.js, index.d.ts)`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
