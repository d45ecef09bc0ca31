/**
 * Holds a process to a share of one CPU, as Lambda holds an invocation to its memory's share of a
 * vCPU (memory / 1,769 MB: 256 MB is about 14.5%). Init runs at a full vCPU on Lambda, so the bench
 * moves a worker into the throttle only once it has loaded its bundle.
 *
 * On Linux as root, a CPU cgroup with a CFS quota does it exactly as Lambda's own isolation does:
 * cgroup v2 (`cpu.max`) where the unified hierarchy has the cpu controller, else v1
 * (`cpu.cfs_quota_us`). Everything else falls back to a duty cycle of SIGSTOP / SIGCONT, which gives
 * the same share on average but in coarser slices; `method` says which one ran.
 */
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Lambda gives one full vCPU at 1,769 MB and a proportional share below it. */
export const MB_PER_VCPU = 1_769;

/**
 * The CFS period. Lambda does not document its own; 20 ms keeps the throttle's granularity well
 * below the first answer being measured (a 100 ms period would let a 14.5% share run 14.5 ms, then
 * stop for 85 ms, adding up to 85 ms of noise to a single sample).
 */
export const PERIOD_US = 20_000;

export type ThrottleMethod = 'cgroup v2' | 'cgroup v1' | 'SIGSTOP/SIGCONT';

export interface CpuShare {
  method: ThrottleMethod;
  /** The share of one CPU, 0-1. */
  share: number;
  /** Moves the process (all its threads) under the share; it stays there until it exits. */
  hold(pid: number): void;
  /** Removes the cgroup (or stops the duty cycles); processes still held must have exited. */
  close(): void;
}

/** The CPU share of a Lambda with `memoryMb` of memory (capped at one vCPU: the bench's workers are single-threaded JavaScript). */
export function lambdaCpuShare(memoryMb: number): number {
  return Math.min(1, memoryMb / MB_PER_VCPU);
}

/** A throttle at `share` of one CPU, by the best method this machine allows. `label` names the cgroup. */
export function createCpuShare(share: number, label: string): CpuShare {
  if (!(share > 0 && share <= 1)) throw new Error(`a CPU share is in (0, 1], got ${share}`);
  const quotaUs = Math.max(1_000, Math.round(share * PERIOD_US));
  const name = `aliyun-voice-bench-${label}-${process.pid}`;
  const v2 = cgroupV2Root();
  if (v2) {
    const dir = join(v2, name);
    try {
      mkdirSync(dir);
      writeFileSync(join(dir, 'cpu.max'), `${quotaUs} ${PERIOD_US}`);
      return cgroupShare('cgroup v2', share, dir);
    } catch {
      removeQuietly(dir);
    }
  }
  const v1 = '/sys/fs/cgroup/cpu';
  if (existsSync(join(v1, 'cpu.cfs_quota_us'))) {
    const dir = join(v1, name);
    try {
      mkdirSync(dir);
      writeFileSync(join(dir, 'cpu.cfs_period_us'), String(PERIOD_US));
      writeFileSync(join(dir, 'cpu.cfs_quota_us'), String(quotaUs));
      return cgroupShare('cgroup v1', share, dir);
    } catch {
      removeQuietly(dir);
    }
  }
  return dutyCycleShare(share);
}

/** The unified hierarchy's mount point when its root delegates the cpu controller. */
function cgroupV2Root(): string | undefined {
  for (const root of ['/sys/fs/cgroup', '/sys/fs/cgroup/unified']) {
    try {
      if (!readFileSync(join(root, 'cgroup.controllers'), 'utf8').split(/\s+/).includes('cpu')) continue;
      if (!readFileSync(join(root, 'cgroup.subtree_control'), 'utf8').split(/\s+/).includes('cpu')) writeFileSync(join(root, 'cgroup.subtree_control'), '+cpu');
      return root;
    } catch {
      // Not mounted here, not writable, or the controller is bound to v1.
    }
  }
  return undefined;
}

function cgroupShare(method: ThrottleMethod, share: number, dir: string): CpuShare {
  return {
    method,
    share,
    // cgroup.procs moves every thread of the process (libuv's pool, V8's helpers), not just one.
    hold: (pid) => writeFileSync(join(dir, 'cgroup.procs'), String(pid)),
    close: () => removeQuietly(dir),
  };
}

function removeQuietly(dir: string): void {
  try {
    rmdirSync(dir);
  } catch {
    // Still has a process in it (it is removed once empty by the next run) or never created.
  }
}

/**
 * Fallback: each held process runs `share` of every period and is stopped for the rest. Coarser
 * than CFS (the whole process stops, timers included), and only as exact as this process's timers.
 */
function dutyCycleShare(share: number): CpuShare {
  const periodMs = PERIOD_US / 1000;
  const held = new Set<number>();
  const signal = (pid: number, name: NodeJS.Signals) => {
    try {
      process.kill(pid, name);
    } catch {
      held.delete(pid);
    }
  };
  const timer = setInterval(() => {
    for (const pid of held) signal(pid, 'SIGCONT');
    setTimeout(() => {
      for (const pid of held) signal(pid, 'SIGSTOP');
    }, share * periodMs).unref();
  }, periodMs);
  timer.unref();
  return {
    method: 'SIGSTOP/SIGCONT',
    share,
    hold: (pid) => held.add(pid),
    close: () => {
      clearInterval(timer);
      for (const pid of held) signal(pid, 'SIGCONT');
      held.clear();
    },
  };
}
