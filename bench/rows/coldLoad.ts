/**
 * Row 2, cold load: how long a fresh Node process takes to load each bundle (import it, which
 * runs the handler's module scope: configuration, clients), minus a bare `node` start. Spawns are
 * sequential and interleaved (every bundle once per round, the order rotating) so drift and page
 * cache effects hit every bundle alike. The environment is complete and local, so module
 * initialisation succeeds without any network I/O.
 */
import { functionsFromServerlessYml } from '../lib/build.ts';
import type { Row } from '../lib/context.ts';
import type { Figure } from '../lib/figures.ts';
import { timeNodeProcess } from '../lib/processes.ts';
import { handlerEnv } from '../lib/services.ts';
import { median, percentile } from '../lib/stats.ts';
import { formatValue } from '../lib/table.ts';

/** Nothing listens here; loading must not try it (and the process would hang or fail if it did). */
const UNUSED_ENDPOINT = 'http://127.0.0.1:9';
/**
 * Both print the process's CPU time (user + system, ms) at exit: a second measure, much less
 * sensitive than wall time to other work on the machine.
 */
const CPU = 'const u=process.cpuUsage();process.stdout.write(String((u.user+u.system)/1000));process.exit(0)';
// import() loads an ESM bundle (.mjs) and a CommonJS one alike; the process exits once it has run.
const LOAD = `import(require('node:url').pathToFileURL(process.argv[1]).href).then(()=>{${CPU}})`;
const BARE = CPU;

export const coldLoadRow: Row = {
  id: 'cold',
  title: 'Cold load',
  async run(context) {
    const functions = functionsFromServerlessYml(context.root).map((fn) => fn.name);
    const names = [...functions, 'popCore', 'teaSdk'];
    const files = new Map<string, string>();
    const failures = new Map<string, string>();
    for (const name of names) {
      try {
        files.set(name, (await context.bundle(name)).file);
      } catch (error) {
        failures.set(name, `could not bundle: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    const env = handlerEnv({
      callsTable: 'aliyun-voice-bench-calls',
      idempotencyTable: 'aliyun-voice-bench-idempotency',
      dynamodbEndpoint: UNUSED_ENDPOINT,
      alibaba: { url: UNUSED_ENDPOINT, mnsUrl: UNUSED_ENDPOINT },
      logLevel: 'warn',
    });
    const spawnOnce = (name: string) => (name === 'baseline' ? timeNodeProcess(['-e', BARE], { env }) : timeNodeProcess(['-e', LOAD, files.get(name)!], { env, cwd: context.tmp }));

    const runs = context.quick ? 5 : 15;
    const targets = ['baseline', ...names.filter((name) => files.has(name))];
    context.log(`cold load: ${runs} spawns each of ${targets.join(', ')}`);
    const samples = new Map<string, number[]>(targets.map((name) => [name, []]));
    const cpuSamples = new Map<string, number[]>(targets.map((name) => [name, []]));
    // One unmeasured spawn each first: the file system cache then holds every bundle.
    for (const name of targets) {
      await spawnOnce(name).catch((error: unknown) => {
        failures.set(name, error instanceof Error ? error.message : String(error));
      });
    }
    const measured = targets.filter((name) => !failures.has(name));
    for (let round = 0; round < runs; round++) {
      for (let index = 0; index < measured.length; index++) {
        const name = measured[(index + round) % measured.length]!;
        const run = await spawnOnce(name);
        samples.get(name)!.push(run.wallMs);
        const cpu = Number(run.stdout);
        if (Number.isFinite(cpu)) cpuSamples.get(name)!.push(cpu);
      }
    }
    if (failures.has('baseline')) throw new Error(`a bare node process failed: ${failures.get('baseline')}`);

    const baseline = median(samples.get('baseline')!);
    const net = (name: string) => {
      const values = samples.get(name);
      if (!values || values.length === 0) return undefined;
      return { median: median(values) - baseline, p90: percentile(values, 90) - baseline };
    };
    const cpuBaseline = cpuSamples.get('baseline')!.length > 0 ? median(cpuSamples.get('baseline')!) : undefined;
    const netCpu = (name: string) => {
      const values = cpuSamples.get(name);
      return values && values.length > 0 && cpuBaseline !== undefined ? median(values) - cpuBaseline : undefined;
    };
    const popCore = net('popCore');
    const tea = net('teaSdk');
    const figures: Figure[] = [];
    const data: Record<string, unknown> = {
      baselineMedianMs: baseline,
      cpuBaselineMedianMs: cpuBaseline,
      runs,
      netCpuMedianMs: Object.fromEntries(targets.filter((name) => name !== 'baseline').map((name) => [name, netCpu(name)])),
      samplesMs: Object.fromEntries(samples),
    };
    for (const name of functions) {
      const ours = net(name);
      const isPlaceCall = name === 'placeCall';
      const note = isPlaceCall
        ? `Median (and p90) of ${runs} fresh \`node\` processes importing the bundle, minus the median of a bare \`node -e 0\` (${formatValue(baseline, 'ms')}); ` +
          'spawns interleaved, order rotating. Loading runs the module scope (configuration, credentials from the environment, DynamoDB and Alibaba clients) with no network I/O. ' +
          'Anchors: the pop-core and Tea SDK entries (bench/anchors/) bundled the same way. ' +
          `CPU time (user+system, net of bare node ${formatValue(cpuBaseline, 'ms')}), less sensitive to other load: ours ${formatValue(netCpu(name), 'ms')}, ` +
          `pop-core ${formatValue(netCpu('popCore'), 'ms')}, Tea ${formatValue(netCpu('teaSdk'), 'ms')}.`
        : undefined;
      figures.push({
        row: 'cold',
        name: `Cold load ${name}`,
        value: ours?.median,
        unit: 'ms',
        anchor: { name: 'pop-core alone', value: popCore?.median },
        spread: { label: 'p90', ours: ours?.p90, anchor: popCore?.p90 },
        ...(isPlaceCall ? { target: { of: 'ratio', op: '<=', threshold: 1 } as const } : {}),
        ...(note ? { note } : {}),
        ...(failures.has(name) ? { error: failures.get(name) } : {}),
      });
      if (isPlaceCall) {
        figures.push({
          row: 'cold',
          name: 'Cold load placeCall vs Tea SDK',
          value: ours?.median,
          unit: 'ms',
          anchor: { name: 'Tea SDK (openapi-client)', value: tea?.median },
          spread: { label: 'p90', ours: ours?.p90, anchor: tea?.p90 },
        });
      }
    }
    if (failures.has('popCore') || failures.has('teaSdk')) {
      figures.push({ row: 'cold', name: 'Cold load anchors', error: [...failures].filter(([name]) => name === 'popCore' || name === 'teaSdk').map(([name, message]) => `${name}: ${message}`).join('; ') });
    }
    return { figures, data };
  },
};
