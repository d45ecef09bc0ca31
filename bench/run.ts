/**
 * `npm run bench`: how this bundle compares with the official Alibaba SDK paths, measured side by
 * side in one run on one machine. Prints one table (figure, anchor, ratio, target, met) and writes
 * it with the machine's description to bench/results/latest.md and latest.json.
 *
 *   npm run bench                          every row, full sizes (about 3-5 minutes on 2 cores)
 *   npm run bench -- --quick               small sizes, for development; written to results/dev.*
 *   npm run bench -- --only=signing,bundle some rows; written to results/dev.*
 *
 * A row that fails shows its error in the table and the run goes on. Every child process
 * (sandbox, DynamoDB Local, workers) and temporary folder is removed at the end, also on Ctrl-C.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArguments, USAGE } from './lib/args.ts';
import { ROOT } from './lib/build.ts';
import { createContext, type Row } from './lib/context.ts';
import { evaluate, failedRow, ROW_IDS, type Figure } from './lib/figures.ts';
import { cleanUp, tempDir } from './lib/processes.ts';
import { jsonReport, machineInfo, markdownReport, textReport, type Report } from './lib/report.ts';
import { bundleRow } from './rows/bundle.ts';
import { callRequestsRow } from './rows/callRequests.ts';
import { coldLoadRow } from './rows/coldLoad.ts';
import { drainRow } from './rows/drain.ts';
import { lambdaColdRow } from './rows/lambdaCold.ts';
import { placingRow } from './rows/placing.ts';
import { signingRow } from './rows/signing.ts';

const ROWS: readonly Row[] = [bundleRow, coldLoadRow, lambdaColdRow, signingRow, placingRow, drainRow, callRequestsRow];

async function main(): Promise<void> {
  const args = parseArguments(process.argv.slice(2));
  if (args.help) {
    console.log(USAGE);
    return;
  }
  const started = performance.now();
  const log = (message: string) => process.stderr.write(`[bench ${((performance.now() - started) / 1000).toFixed(0).padStart(3)} s] ${message}\n`);
  const context = createContext({ quick: args.quick, tmp: tempDir('run'), log });
  const figures: Figure[] = [];
  const details: string[] = [];
  const data: Record<string, unknown> = {};

  for (const row of ROWS.filter((candidate) => args.only.includes(candidate.id))) {
    log(`${row.title}…`);
    const rowStarted = performance.now();
    try {
      const output = await row.run(context);
      figures.push(...output.figures);
      if (output.details) details.push(...output.details);
      if (output.data) data[row.id] = output.data;
    } catch (error) {
      log(`${row.title} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      figures.push(failedRow(row.id, row.title, error));
    }
    log(`${row.title} done in ${((performance.now() - rowStarted) / 1000).toFixed(1)} s`);
  }

  const full = !args.quick && args.only.length === ROW_IDS.length;
  const report: Report = {
    machine: machineInfo(),
    mode: args.quick ? 'quick' : 'full',
    rows: args.only,
    durationMs: performance.now() - started,
    figures: figures.map(evaluate),
    details,
    data,
  };
  console.log(textReport(report));
  const dir = join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const base = full ? 'latest' : 'dev';
  writeFileSync(join(dir, `${base}.md`), markdownReport(report));
  writeFileSync(join(dir, `${base}.json`), jsonReport(report));
  log(`written to bench/results/${base}.md and ${base}.json${full ? '' : ' (a partial or quick run never replaces latest.*)'}`);
}

let exiting = false;
async function exit(code: number): Promise<never> {
  if (!exiting) {
    exiting = true;
    await cleanUp();
  }
  process.exit(code);
}

process.on('SIGINT', () => void exit(130));
process.on('SIGTERM', () => void exit(143));

main().then(
  () => exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    return exit(1);
  },
);
