/**
 * Small in-memory implementations of the call-request ports (shared/callRequests/ports.ts) for unit
 * tests of the rules that use them (writes.ts, progress.ts). The DynamoDB store and the scheduler
 * adapter themselves are tested against DynamoDB Local and the scheduler stand-in
 * (test/integration/call-requests/).
 */
import type { CallRequest } from '#shared/callRequests/model';
import type { ArmedAttempt, AttemptScheduler, CallRequestStore } from '#shared/callRequests/ports';
import type { CallRequestDependencies } from '#shared/callRequests/writes';
import { createLogger } from '#shared/logger';
import type { MetricDimensions, MetricName, MetricsRecorder } from '#shared/metrics';
import { MINIMAL } from '../calls/requests.ts';

/** Requests in a Map; `replace` is conditional on the version, like the DynamoDB store's PutItem. */
export class MemoryRequestStore implements CallRequestStore {
  readonly requests = new Map<string, CallRequest>();
  /** Replaces that will report a concurrent writer (false) before doing anything. */
  conflicts = 0;
  writes = 0;

  async create(request: CallRequest): Promise<{ created: true } | { created: false; existing: CallRequest }> {
    const existing = this.requests.get(request.requestId);
    if (existing) return { created: false, existing: structuredClone(existing) };
    this.requests.set(request.requestId, structuredClone(request));
    return { created: true };
  }

  async get(requestId: string): Promise<CallRequest | undefined> {
    const request = this.requests.get(requestId);
    return request ? structuredClone(request) : undefined;
  }

  async replace(request: CallRequest, expectedVersion: number): Promise<boolean> {
    if (this.conflicts > 0) {
      this.conflicts -= 1;
      // Another writer got there first: its version is stored now.
      const stored = this.requests.get(request.requestId)!;
      this.requests.set(request.requestId, { ...stored, version: stored.version + 1, reason: 'changed by another writer' });
      return false;
    }
    if (this.requests.get(request.requestId)?.version !== expectedVersion) return false;
    this.writes += 1;
    // Like DynamoDB, an attribute that is undefined is not kept.
    this.requests.set(request.requestId, JSON.parse(JSON.stringify(request)) as CallRequest);
    return true;
  }

  async due(before: number, limit: number): Promise<CallRequest[]> {
    return [...this.requests.values()]
      .filter((request) => request.dueAt !== undefined && request.dueAt < before)
      .sort((a, b) => a.dueAt! - b.dueAt!)
      .slice(0, limit)
      .map((request) => structuredClone(request));
  }
}

/** Records what is armed and disarmed; `failArm` / `failDisarm` make the next calls throw. */
export class RecordingScheduler implements AttemptScheduler {
  readonly armed = new Map<string, ArmedAttempt>();
  readonly disarmed: string[] = [];
  failArm = 0;
  failDisarm = 0;

  async arm(armed: ArmedAttempt, name: string): Promise<void> {
    if (this.failArm > 0) {
      this.failArm -= 1;
      throw new Error('Scheduler CreateSchedule failed: InternalServerException (HTTP 500)');
    }
    this.armed.set(name, armed);
  }

  async disarm(name: string): Promise<void> {
    if (this.failDisarm > 0) {
      this.failDisarm -= 1;
      throw new Error('Scheduler DeleteSchedule failed: InternalServerException (HTTP 500)');
    }
    this.armed.delete(name);
    this.disarmed.push(name);
  }
}

export class RecordingMetrics implements MetricsRecorder {
  readonly points: { name: MetricName; value: number; dimensions?: MetricDimensions }[] = [];
  record(name: MetricName, value: number, dimensions?: MetricDimensions): void {
    this.points.push({ name, value, ...(dimensions ? { dimensions } : {}) });
  }
}

export interface MemoryPorts {
  deps: CallRequestDependencies;
  requests: MemoryRequestStore;
  scheduler: RecordingScheduler;
  metrics: RecordingMetrics;
  /** The log entries written, parsed. */
  logs: Array<Record<string, unknown>>;
  clock: { now: number };
}

/** The dependencies of writes.ts and progress.ts over memory, with a clock the test moves. */
export function memoryPorts(start: number): MemoryPorts {
  const requests = new MemoryRequestStore();
  const scheduler = new RecordingScheduler();
  const metrics = new RecordingMetrics();
  const logs: Array<Record<string, unknown>> = [];
  const clock = { now: start };
  const logger = createLogger({}, { level: 'debug', write: (line) => logs.push(JSON.parse(line) as Record<string, unknown>) });
  return { deps: { requests, scheduler, metrics, logger, now: () => clock.now }, requests, scheduler, metrics, logs, clock };
}

/** A stored request (version 1) with its first attempt due at `at`, every other field as the defaults give it. */
export function scheduledRequest(requestId: string, at: number, overrides: Partial<CallRequest> = {}): CallRequest {
  return {
    requestId,
    call: MINIMAL.tts,
    notBefore: at,
    notAfter: at + 30 * 86_400_000,
    redial: { on: ['no-answer', 'busy'], maxAttempts: 3, intervalSeconds: 300 },
    until: 'answered',
    status: 'scheduled',
    attempts: [],
    currentAttempt: 1,
    nextAttemptAt: at,
    dueAt: at,
    fingerprint: 'fingerprint',
    createdAt: at - 60_000,
    updatedAt: at - 60_000,
    version: 1,
    ...overrides,
  };
}
