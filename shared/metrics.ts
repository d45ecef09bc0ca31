/**
 * CloudWatch metrics as Embedded Metric Format log lines (Powertools Metrics): no PutMetricData call,
 * no extra IAM, no latency on the request path. One namespace for the bundle.
 *
 * Every metric name and unit is declared once, in METRIC_UNITS. A data point is recorded with its
 * own dimensions, and each distinct dimension set is its own series, kept in its own Powertools
 * Metrics buffer: EMF applies a document's dimensions to every metric in it, so `CallsPlaced` by
 * CallType and Outcome and the undimensioned `ReceiptLag` cannot share one. No default dimension
 * (Powertools would add `service`): the namespace is this bundle's alone, and an alarm must name a
 * series' exact dimensions, so the alarm-used series (`PollErrors`, `ReceiptLag`) have none.
 * publishMetrics() writes every buffer, one line per series that has data, at the end of an
 * invocation (shared/triggers/eventHandler.ts eventHandler, shared/http/apiGateway.ts httpHandler).
 */
import { getBooleanFromEnv, isDevMode } from '@aws-lambda-powertools/commons/utils/env';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

export const METRICS_NAMESPACE = 'AliyunVoice';

/** The metrics this bundle emits and their units. */
export const METRIC_UNITS = {
  /** One per placeCall attempt (HTTP, SQS, EventBridge); dimensions CallType, Outcome. */
  CallsPlaced: MetricUnit.Count,
  /** One per failed Alibaba RPC attempt; dimensions Action, Code. */
  AlibabaErrors: MetricUnit.Count,
  /** Receipts written as receipt items; dimension MessageType. */
  ReceiptsStored: MetricUnit.Count,
  /** Message bodies (or parts) stored raw as invalid; dimension MessageType. */
  InvalidReceipts: MetricUnit.Count,
  /** Receipt event time (China time, docs/alibaba/receipts.md#body-encoding) to storage; no dimensions. */
  ReceiptLag: MetricUnit.Milliseconds,
  /** One per pollReceipts invocation; no dimensions. */
  PollDuration: MetricUnit.Milliseconds,
  /** Queues a pollReceipts invocation stopped on an error (0 when none); no dimensions. */
  PollErrors: MetricUnit.Count,
  /** Placements the flow-control guard refused before anything was sent; dimension Window (`1/60`). */
  FlowControlRefused: MetricUnit.Count,
  /** The wait a flow-control refusal gave (its Retry-After); no dimensions. */
  FlowControlWait: MetricUnit.Seconds,
  /** Every change of a call request's status, counted once as it is written; dimension Status. */
  CallRequestStatus: MetricUnit.Count,
  /** Attempts of call requests that could not be scheduled at once (the sweeper schedules them again); no dimensions. */
  ScheduleFailures: MetricUnit.Count,
  /** One per answer of the receipt push route; dimension Status (the HTTP status: "200", "401", ...). */
  PushAnswers: MetricUnit.Count,
  /** API Gateway's receipt of a push to its answer, a cold start included (Alibaba waits 700 ms); no dimensions. */
  PushAnswerTime: MetricUnit.Milliseconds,
} as const;

export type MetricName = keyof typeof METRIC_UNITS;
type MetricUnitValue = (typeof MetricUnit)[keyof typeof MetricUnit];
export type MetricDimensions = Readonly<Record<string, string>>;

/**
 * The dimension names of every metric: each metric is written with exactly these, and nothing else
 * (MetricsRecorder.record's type), so a dashboard widget or an alarm naming a metric can name its
 * series exactly (CloudWatch shows nothing for a dimension set that was never written). The
 * template test checks the dashboard and the alarms against this catalogue.
 */
export const METRIC_DIMENSIONS = {
  CallsPlaced: ['CallType', 'Outcome'],
  AlibabaErrors: ['Action', 'Code'],
  ReceiptsStored: ['MessageType'],
  InvalidReceipts: ['MessageType'],
  ReceiptLag: [],
  PollDuration: [],
  PollErrors: [],
  PushAnswers: ['Status'],
  PushAnswerTime: [],
  FlowControlRefused: ['Window'],
  FlowControlWait: [],
  CallRequestStatus: ['Status'],
  ScheduleFailures: [],
} as const satisfies Record<MetricName, readonly string[]>;

/** The dimensions a data point of metric `N` carries: one value for each of its dimension names. */
export type DimensionsOf<N extends MetricName> = { readonly [D in (typeof METRIC_DIMENSIONS)[N][number]]: string };

/** `record`'s last argument: none for an undimensioned metric, exactly its dimensions otherwise. */
export type DimensionArguments<N extends MetricName> = (typeof METRIC_DIMENSIONS)[N] extends readonly [] ? [] : [dimensions: DimensionsOf<N>];

/**
 * The port through which domain code counts and times things: Lambda-free, so a test passes a
 * fake and the domain never imports Powertools.
 */
export interface MetricsRecorder {
  /** Adds one data point to the series of `name` with exactly its catalogued dimensions (METRIC_DIMENSIONS). */
  record<N extends MetricName>(name: N, value: number, ...dimensions: DimensionArguments<N>): void;
}

/** CloudWatch caps a dimension value at 1,024 characters; ours are codes and names, far shorter. */
const MAX_DIMENSION_VALUE_CHARS = 250;

/**
 * Whether EMF output is switched off, decided at every publish (not at construction) so a test can
 * turn it on: POWERTOOLS_METRICS_DISABLED when set, else off under POWERTOOLS_DEV, as in Powertools.
 */
function metricsDisabled(): boolean {
  if (process.env.POWERTOOLS_METRICS_DISABLED !== undefined && process.env.POWERTOOLS_METRICS_DISABLED !== '') {
    return getBooleanFromEnv({ key: 'POWERTOOLS_METRICS_DISABLED', defaultValue: false, extendedParsing: true });
  }
  return isDevMode();
}

/** One series: a Powertools Metrics buffer whose only dimensions are `dimensions`. */
class EmfSeries extends Metrics {
  private readonly writeLine: (line: string) => void;

  constructor(namespace: string, dimensions: MetricDimensions, writeLine: (line: string) => void) {
    super({ namespace });
    this.writeLine = writeLine;
    this.clearDefaultDimensions();
    if (Object.keys(dimensions).length > 0) this.setDefaultDimensions({ ...dimensions });
  }

  /**
   * Powertools writes `Dimensions: []` for a metric without dimensions, which the EMF schema
   * refuses (at least one DimensionSet); an empty DimensionSet, `[[]]`, declares "no dimensions".
   */
  override serializeMetrics(): ReturnType<Metrics['serializeMetrics']> {
    const document = super.serializeMetrics();
    for (const directive of document._aws.CloudWatchMetrics) {
      // Typed as a one-element tuple, which is what this makes true.
      if ((directive.Dimensions as string[][]).length === 0) directive.Dimensions = [[]];
    }
    return document;
  }

  /**
   * Also called by Powertools itself when a buffer fills (100 metrics, or 100 values of one).
   * Writes through `writeLine`, skips empty buffers silently (Powertools warns on each), and
   * honours the switch at publish time.
   */
  override publishStoredMetrics(): this {
    try {
      if (this.hasStoredMetrics() && !metricsDisabled()) this.writeLine(JSON.stringify(this.serializeMetrics()));
    } finally {
      this.clearMetrics();
      this.clearDimensions();
      this.clearMetadata();
    }
    return this;
  }
}

/** Records data points per series and writes them as EMF lines on publish(). */
export class EmfMetricsRecorder implements MetricsRecorder {
  private readonly series = new Map<string, EmfSeries>();
  private readonly namespace: string;
  private readonly writeLine: (line: string) => void;

  constructor(options: { namespace?: string; write?: (line: string) => void } = {}) {
    this.namespace = options.namespace ?? METRICS_NAMESPACE;
    this.writeLine = options.write ?? ((line) => process.stdout.write(`${line}\n`));
  }

  record<N extends MetricName>(name: N, value: number, ...[dimensions]: DimensionArguments<N>): void {
    this.add(name, METRIC_UNITS[name], value, dimensions ?? {});
  }

  /**
   * Powertools' `addMetric` signature, for a metric outside METRIC_UNITS: a data point in the
   * undimensioned series.
   */
  addMetric(name: string, unit: MetricUnitValue, value: number): this {
    this.add(name, unit, value, {});
    return this;
  }

  private add(name: string, unit: MetricUnitValue, value: number, dimensions: MetricDimensions): void {
    // A metric must never fail the work it observes: bad values are dropped, not thrown.
    if (!Number.isFinite(value)) return;
    const clean = cleanDimensions(dimensions);
    const key = JSON.stringify(Object.entries(clean).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    let series = this.series.get(key);
    if (!series) {
      series = new EmfSeries(this.namespace, clean, this.writeLine);
      this.series.set(key, series);
    }
    try {
      series.addMetric(name, unit, value);
    } catch {
      // Powertools refuses a bad name, an unknown unit, or a name reused with another unit.
    }
  }

  /** Writes every series that has data (one EMF line each) and empties the buffers. */
  publish(): void {
    for (const series of this.series.values()) {
      if (series.hasStoredMetrics()) series.publishStoredMetrics();
    }
  }
}

/** Empty values would make Powertools drop the dimension (and so change the series): named instead. */
function cleanDimensions(dimensions: MetricDimensions): Record<string, string> {
  const clean: Record<string, string> = {};
  for (const [name, value] of Object.entries(dimensions)) {
    const text = String(value ?? '').trim();
    clean[name] = text === '' ? 'unknown' : text.slice(0, MAX_DIMENSION_VALUE_CHARS);
  }
  return clean;
}

/** The process-wide recorder: domain code defaults to it, handler wrappers publish it. */
export const metrics = new EmfMetricsRecorder();

export { MetricUnit };

/** Writes the metrics gathered during an invocation (call once, at its end, whatever happened). */
export function publishMetrics(): void {
  metrics.publish();
}
