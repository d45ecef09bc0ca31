/** What every row gets from the orchestrator (bench/run.ts), and what it gives back. */
import { join } from 'node:path';
import { buildBundle, buildWorker, bundleExtension, functionsFromServerlessYml, ROOT, type BuiltBundle } from './build.ts';
import type { Figure, RowId } from './figures.ts';
import { onCleanUp } from './processes.ts';
import { startLocalDynamo, type LocalDynamo } from './services.ts';

export interface BenchContext {
  /** Smaller sizes for development (`--quick`): the figures are not the ones to publish. */
  quick: boolean;
  root: string;
  /** The run's temporary folder (removed at the end). */
  tmp: string;
  /** A progress line on stderr (the table alone goes to stdout). */
  log(message: string): void;
  /** A serverless.yml function (`placeCall`) or an anchor (`popCore`, `teaSdk`), bundled once per run. */
  bundle(name: string): Promise<BuiltBundle>;
  /** A bench worker compiled to plain JavaScript, once per run; returns its path. */
  worker(name: string): Promise<string>;
  /** DynamoDB Local with the serverless.yml tables, started on first use and stopped at the end. */
  dynamo(): Promise<LocalDynamo>;
}

export interface RowOutput {
  figures: Figure[];
  /** Lines printed under the table (and in latest.md), such as a bundle's largest inputs. */
  details?: string[];
  /** Extra measurements kept in latest.json only. */
  data?: Record<string, unknown>;
}

export interface Row {
  id: RowId;
  title: string;
  run(context: BenchContext): Promise<RowOutput>;
}

/** Official-SDK entries bundled like the functions (bench/anchors/). */
export const ANCHORS: Readonly<Record<string, string>> = {
  popCore: join(ROOT, 'bench', 'anchors', 'popCore.ts'),
  teaSdk: join(ROOT, 'bench', 'anchors', 'teaSdk.ts'),
  // The same work as a function, written with the official clients (bench/anchors/likeForLike/).
  likePlaceCall: join(ROOT, 'bench', 'anchors', 'likeForLike', 'placeCall.ts'),
  likeCancelCall: join(ROOT, 'bench', 'anchors', 'likeForLike', 'cancelCall.ts'),
  likeGetCall: join(ROOT, 'bench', 'anchors', 'likeForLike', 'getCall.ts'),
  likePollReceipts: join(ROOT, 'bench', 'anchors', 'likeForLike', 'pollReceipts.ts'),
  likePushReceipts: join(ROOT, 'bench', 'anchors', 'likeForLike', 'pushReceipts.ts'),
};

/**
 * Each function that calls Alibaba, and pushReceipts, beside the anchor doing the same work with the
 * official clients: the anchor of the like-for-like bundle and cold-start figures.
 */
export const LIKE_FOR_LIKE: Readonly<Record<string, string>> = {
  placeCall: 'likePlaceCall',
  placeCallsFromQueue: 'likePlaceCall',
  placeCallFromEvent: 'likePlaceCall',
  cancelCall: 'likeCancelCall',
  getCall: 'likeGetCall',
  pollReceipts: 'likePollReceipts',
  pushReceipts: 'likePushReceipts',
};

export function createContext(options: { quick: boolean; tmp: string; log: (message: string) => void }): BenchContext {
  const bundles = new Map<string, Promise<BuiltBundle>>();
  const workers = new Map<string, Promise<string>>();
  let dynamo: Promise<LocalDynamo> | undefined;
  // A row that fails while sibling builds still run must not have them write into the temporary
  // folder after it is removed: clean-up waits for every build first (clean-ups run last-first,
  // and the folder's was registered before this context existed).
  const building = new Set<Promise<unknown>>();
  const tracked = <T>(promise: Promise<T>): Promise<T> => {
    building.add(promise);
    promise.then(
      () => building.delete(promise),
      () => building.delete(promise),
    );
    return promise;
  };
  onCleanUp(async () => {
    await Promise.allSettled([...building]);
  });
  return {
    quick: options.quick,
    root: ROOT,
    tmp: options.tmp,
    log: options.log,
    bundle(name) {
      let built = bundles.get(name);
      if (!built) {
        const entry = ANCHORS[name] ?? functionsFromServerlessYml(ROOT).find((fn) => fn.name === name)?.entry;
        if (!entry) return Promise.reject(new Error(`no function or anchor named ${name}`));
        // One folder per bundle, like the deployed zips: the handler file alone (index.js, or .mjs).
        built = tracked(buildBundle(name, entry, join(options.tmp, 'bundles', name, `index${bundleExtension(ROOT)}`), ROOT, { withoutAlias: name in ANCHORS }));
        bundles.set(name, built);
      }
      return built;
    },
    worker(name) {
      let built = workers.get(name);
      if (!built) {
        built = tracked(buildWorker(name, join(options.tmp, 'workers')));
        workers.set(name, built);
      }
      return built;
    },
    dynamo() {
      if (!dynamo) {
        const starting = startLocalDynamo();
        dynamo = starting;
        // Registered now, not once it has started: a row failing meanwhile must not orphan the JVM.
        onCleanUp(async () => {
          const started = await starting.catch(() => undefined);
          await started?.raw.stop();
        });
      }
      return dynamo;
    },
  };
}
