/**
 * Child processes of the bench: every one started here is tracked and ended (by its own pid) when
 * the run ends, fails or is interrupted; temporary folders are removed the same way.
 */
import { fork, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const children = new Set<ChildProcess>();
const cleanups: (() => Promise<void> | void)[] = [];

/** Remembers `child` so that cleanUp() ends it; forgets it once it exited. */
export function track<T extends ChildProcess>(child: T): T {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** Runs `cleanup` at the end of the run (last registered, first run). */
export function onCleanUp(cleanup: () => Promise<void> | void): void {
  cleanups.push(cleanup);
}

/** A temporary folder removed by cleanUp(). */
export function tempDir(label: string): string {
  const dir = mkdtempSync(join(tmpdir(), `aliyun-voice-bench-${label}-`));
  onCleanUp(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** SIGTERM, then SIGKILL after `graceMs` for a child that has not exited by then. */
export function stopChild(child: ChildProcess, graceMs = 3_000): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Runs the registered cleanups, then ends every child still running. Safe to call twice. */
export async function cleanUp(): Promise<void> {
  while (cleanups.length > 0) {
    const cleanup = cleanups.pop()!;
    try {
      await cleanup();
    } catch (error) {
      console.error(`[bench] clean-up step failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  await Promise.all([...children].map((child) => stopChild(child)));
}

/** Resolves with the first match of `pattern` in the child's stdout or stderr, or rejects on exit / timeout. */
export function waitForOutput(child: ChildProcess, pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = pattern.exec(output);
      if (match) finish(() => resolve(match));
    };
    const onExit = (code: number | null) => finish(() => reject(new Error(`exited with ${code} before printing ${pattern}: ${output.slice(-1000)}`)));
    const timer = setTimeout(() => finish(() => reject(new Error(`no ${pattern} within ${timeoutMs} ms: ${output.slice(-1000)}`))), timeoutMs);
    const finish = (settle: () => void) => {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.stderr?.off('data', onData);
      child.off('exit', onExit);
      settle();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', onExit);
  });
}

export interface TimedProcess {
  /** Wall time from spawn to exit, measured here with the monotonic clock. */
  wallMs: number;
  /** What the process wrote to stdout. */
  stdout: string;
}

/** Runs `node args...` to its exit; rejects when it fails, with the end of its stderr. */
export function timeNodeProcess(args: readonly string[], options: SpawnOptions & { timeoutMs?: number } = {}): Promise<TimedProcess> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = track(spawn(process.execPath, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] }));
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
      clearTimeout(timer);
      if (code === 0) resolve({ wallMs, stdout });
      else reject(new Error(`node ${args.join(' ').slice(0, 120)} exited with ${code ?? signal}: ${stderr.trim().slice(-600)}`));
    });
  });
}

/** A forked worker answering `request(type, payload)` over IPC (see workerProtocol.ts). */
export interface Worker {
  child: ChildProcess;
  request<T = unknown>(type: string, payload?: unknown, timeoutMs?: number): Promise<T>;
  stop(): Promise<void>;
  /** The end of what the worker wrote to stderr (for error messages). */
  stderr(): string;
}

/**
 * Forks a compiled worker script with plain Node (no TypeScript loader: nothing but the measured
 * code runs in it). Its stdout is discarded (handlers log there, as on Lambda); stderr is kept.
 */
export function forkWorker(script: string, env: NodeJS.ProcessEnv, options: { cwd?: string } = {}): Worker {
  const child = track(fork(script, [], { execArgv: [], env, cwd: options.cwd, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] }));
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  let nextId = 0;
  const pending = new Map<number, { resolve: (value: any) => void; reject: (error: Error) => void; timer: NodeJS.Timeout }>();
  child.on('message', (message: { id: number; ok: boolean; result?: unknown; error?: string }) => {
    const waiting = pending.get(message.id);
    if (!waiting) return;
    pending.delete(message.id);
    clearTimeout(waiting.timer);
    if (message.ok) waiting.resolve(message.result);
    else waiting.reject(new Error(message.error ?? 'worker failed'));
  });
  // Without a listener an IPC 'error' (EPIPE after the worker died) would crash the bench and leave
  // its other processes running; the send callback and 'exit' below report it instead.
  child.on('error', () => undefined);
  child.once('exit', (code, signal) => {
    for (const [id, waiting] of pending) {
      clearTimeout(waiting.timer);
      waiting.reject(new Error(`worker ${script} exited with ${code ?? signal}: ${stderr.trim().slice(-600)}`));
      pending.delete(id);
    }
  });
  return {
    child,
    request<T>(type: string, payload?: unknown, timeoutMs = 300_000): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        if (child.exitCode !== null || !child.connected) {
          reject(new Error(`worker ${script} is not running: ${stderr.trim().slice(-600)}`));
          return;
        }
        const id = nextId++;
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`worker ${script} did not answer ${type} within ${timeoutMs} ms`));
        }, timeoutMs);
        pending.set(id, { resolve, reject, timer });
        // A worker that died between the check above and this send (EPIPE) fails this request,
        // not the whole run: the caller's row reports it and the run still cleans up.
        child.send({ id, type, payload }, (error) => {
          if (!error || !pending.has(id)) return;
          pending.delete(id);
          clearTimeout(timer);
          reject(new Error(`worker ${script} could not be sent ${type}: ${error.message}; ${stderr.trim().slice(-600)}`));
        });
      });
    },
    stop: () => stopChild(child),
    stderr: () => stderr,
  };
}
