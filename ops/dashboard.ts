/**
 * The stage's CloudWatch dashboard, `aliyun-voice-<stage>` (docs/operations.md#dashboard): the body
 * serverless.yml deploys, built at package time by ops/cloudformation.cjs.
 *
 * The body is the JSON of CloudWatch's dashboard body structure, handed to CloudFormation's Fn::Sub
 * so that the region, each function's name and log group and each queue's name are the deployed
 * ones: `${AWS::Region}`, `${PlaceCallLambdaFunction}`, `${PlaceCallLogGroup}`,
 * `${CallRequestsDLQ.QueueName}`. Nothing else in it may contain `${`.
 *
 * Every widget title says what a healthy value looks like. Widgets on this bundle's own metrics
 * name them exactly as shared/metrics.ts writes them (namespace, name, dimension set: a widget
 * naming a dimension set that is never written stays empty), which the template test checks on
 * the packaged template and an integration test checks against what the handlers write.
 */
import { METRIC_DIMENSIONS, METRICS_NAMESPACE, type MetricName } from '#shared/metrics';

/** docs/alibaba/receipts.md#flow: Alibaba waits this long for a push's answer, then redelivers. */
export const ALIBABA_PUSH_WAIT_MS = 700;

/** The function whose DynamoDB stream iterator age is drawn (serverless.yml: the calls table's stream). */
export const STREAM_FUNCTION = 'processCallChanges';

/**
 * The dead-letter queues (serverless.yml logical ids), drawn on one widget; the template test
 * fails when the template holds a `...DLQ` queue missing here.
 */
export const DEAD_LETTER_QUEUES = ['CallRequestsDLQ', 'PlaceCallEventsDLQ', 'ProcessCallChangesDLQ', 'CallRequestAttemptsDLQ'] as const;

/** The statistics a line may show. */
export type Stat = 'Sum' | 'Average' | 'Maximum' | 'p50' | 'p90' | 'p99';

/**
 * Values of serverless.yml a widget draws as a line, resolved at package time: the alarms'
 * thresholds (params) and pollReceipts' timeout.
 */
export type Threshold = 'receiptLagAlarmMs' | 'iteratorAgeAlarmMs' | 'pollReceiptsTimeoutMs';

/** A horizontal line on a widget: a fixed value, or one of serverless.yml's. */
export type Line = { label: string; value: number } | { label: string; threshold: Threshold };

/** The sections of this bundle's own metrics, in the order shown (above the AWS metrics' sections). */
export const SECTIONS = ['Calls', 'Flow control and call requests', 'Receipts'] as const;
export type Section = (typeof SECTIONS)[number];

/** A widget on one of this bundle's own metrics (namespace AliyunVoice, shared/metrics.ts). */
export interface BundleMetricWidget {
  section: Section;
  /** Says what a healthy value looks like. */
  title: string;
  metric: MetricName;
  /**
   * One line per statistic. A metric with dimensions shows one line per series that exists (a
   * CloudWatch SEARCH over its exact dimension set), for each statistic.
   */
  stats: readonly Stat[];
  /** Seconds per data point. */
  period: number;
  /** With dimensions: only the `top` series with the largest sum over the time range shown. */
  top?: number;
  lines?: readonly Line[];
  /** The left axis' label (the unit shown). */
  unit?: string;
}

/**
 * The widgets on this bundle's own metrics, in the order shown within their section. To chart a new
 * metric: declare it in shared/metrics.ts (METRIC_UNITS and METRIC_DIMENSIONS), write it from the
 * code, append its widget here, and make test/integration/observability/dashboard.test.ts drive the
 * code that writes it (that test fails, naming the series, until it sees every series drawn here).
 */
export const BUNDLE_METRIC_WIDGETS: readonly BundleMetricWidget[] = [
  {
    section: 'Calls',
    title: 'Calls placed per minute, by type and outcome · healthy: nearly all Outcome=placed',
    metric: 'CallsPlaced',
    stats: ['Sum'],
    period: 60,
  },
  {
    section: 'Calls',
    title: 'Alibaba errors by action and code, top 10 · healthy: none; a steady code is a content or account problem',
    metric: 'AlibabaErrors',
    stats: ['Sum'],
    period: 300,
    top: 10,
  },
  {
    section: 'Flow control and call requests',
    title: 'Flow-control refusals by window · healthy: few; a steady stream means callers retry too early',
    metric: 'FlowControlRefused',
    stats: ['Sum'],
    period: 300,
  },
  {
    section: 'Flow control and call requests',
    title: 'Flow-control waits given p50 / max (s) · healthy: under a minute; hours mean numbers called 5+ times an hour',
    metric: 'FlowControlWait',
    stats: ['p50', 'Maximum'],
    period: 300,
    unit: 's',
  },
  {
    section: 'Flow control and call requests',
    title: 'Call requests by status (changes) · healthy: succeeded follows scheduled; exhausted and refused rare',
    metric: 'CallRequestStatus',
    stats: ['Sum'],
    period: 300,
  },
  {
    section: 'Flow control and call requests',
    title: 'Call-request attempts that could not be scheduled · healthy: 0; the sweeper re-arms them',
    metric: 'ScheduleFailures',
    stats: ['Sum'],
    period: 300,
  },
  {
    section: 'Receipts',
    title: 'Receipts stored by message type · healthy: follows calls placed (several per call)',
    metric: 'ReceiptsStored',
    stats: ['Sum'],
    period: 300,
  },
  {
    section: 'Receipts',
    title: 'Invalid receipts (stored raw) by message type · healthy: 0',
    metric: 'InvalidReceipts',
    stats: ['Sum'],
    period: 300,
  },
  {
    section: 'Receipts',
    title: 'Receipt lag p50 / p90, event to storage · healthy: p90 within a few minutes, under the alarm line',
    metric: 'ReceiptLag',
    stats: ['p50', 'p90'],
    period: 300,
    lines: [{ label: 'ReceiptLagAlarm', threshold: 'receiptLagAlarmMs' }],
    unit: 'ms',
  },
  {
    section: 'Receipts',
    title: 'Poll duration p50 / max · healthy: seconds; at the timeout line, a backlog',
    metric: 'PollDuration',
    stats: ['p50', 'Maximum'],
    period: 300,
    lines: [{ label: 'pollReceipts timeout', threshold: 'pollReceiptsTimeoutMs' }],
    unit: 'ms',
  },
  {
    section: 'Receipts',
    title: 'Poll errors (queues stopped on an error) · healthy: 0; 1 or more alarms',
    metric: 'PollErrors',
    stats: ['Sum'],
    period: 300,
  },
  {
    section: 'Receipts',
    title: 'Push answers by HTTP status · healthy: 200 only; 401 is a wrong token in the console',
    metric: 'PushAnswers',
    stats: ['Sum'],
    period: 300,
  },
  {
    section: 'Receipts',
    title: "Push answer time p50 / p90 / p99 · healthy: p99 well under Alibaba's 700 ms",
    metric: 'PushAnswerTime',
    stats: ['p50', 'p90', 'p99'],
    period: 300,
    lines: [{ label: "Alibaba's wait", value: ALIBABA_PUSH_WAIT_MS }],
    unit: 'ms',
  },
];

/** What the body is built from: serverless.yml's functions and params, resolved at package time. */
export interface DashboardInput {
  /** The functions of serverless.yml, by name, in its order. */
  functions: readonly string[];
  /** The value of each threshold a widget draws. */
  thresholds: Readonly<Record<Threshold, number>>;
}

/** osls' logical id of a function's resource: `placeCall` → `PlaceCallLambdaFunction` (and `...LogGroup`). */
export function functionLogicalId(name: string, suffix: 'LambdaFunction' | 'LogGroup'): string {
  const normalized = name.replace(/-/g, 'Dash').replace(/_/g, 'Underscore');
  return `${normalized.charAt(0).toUpperCase()}${normalized.slice(1)}${suffix}`;
}

/** The dashboard body, for Fn::Sub. Deterministic: the same input gives the same text. */
export function dashboardBody(input: DashboardInput): string {
  const layout = new Layout();
  layout.text(
    `# aliyun-voice\nEach title says what healthy looks like; docs/operations.md#dashboard says what to do when it is not. ` +
      `Find one call's story with the saved Logs Insights queries (Logs Insights, Saved queries).`,
  );
  for (const section of SECTIONS) {
    layout.text(`## ${section}`);
    for (const widget of BUNDLE_METRIC_WIDGETS.filter((candidate) => candidate.section === section)) layout.widget(bundleMetricWidget(widget, input));
  }
  layout.text('## Stream and dead-letter queues');
  layout.widget(streamWidget(input));
  layout.widget(deadLetterWidget());
  layout.text('## Functions');
  for (const widget of lambdaWidgets(input)) layout.widget(widget);
  layout.widget(coldStartWidget(input), 24, 6);
  return JSON.stringify({ widgets: layout.widgets });
}

type Json = Record<string, unknown>;
const REGION = '${AWS::Region}';

/** Places widgets left to right, three to a row; a text header starts a new row. */
class Layout {
  readonly widgets: Json[] = [];
  private x = 0;
  private y = 0;
  private rowHeight = 0;

  text(markdown: string): void {
    this.newRow();
    this.widgets.push({ type: 'text', x: 0, y: this.y, width: 24, height: 2, properties: { markdown } });
    this.y += 2;
  }

  widget(widget: Json, width = 8, height = 6): void {
    if (this.x + width > 24) this.newRow();
    this.widgets.push({ ...widget, x: this.x, y: this.y, width, height });
    this.x += width;
    this.rowHeight = Math.max(this.rowHeight, height);
  }

  private newRow(): void {
    this.y += this.rowHeight;
    this.x = 0;
    this.rowHeight = 0;
  }
}

type HorizontalLine = { label: string; value: number };

function metricWidget(title: string, period: number, metrics: unknown[][], options: { lines?: readonly HorizontalLine[]; unit?: string } = {}): Json {
  const properties: Json = { title, region: REGION, view: 'timeSeries', stacked: false, period, metrics, yAxis: { left: { min: 0, ...(options.unit ? { label: options.unit } : {}) } } };
  if (options.lines?.length) properties.annotations = { horizontal: options.lines };
  return { type: 'metric', properties };
}

/** Each line with its value: a fixed one, or serverless.yml's. */
function horizontalLines(lines: readonly Line[] | undefined, thresholds: DashboardInput['thresholds']): HorizontalLine[] {
  return (lines ?? []).map((line) => ({ label: line.label, value: 'value' in line ? line.value : thresholds[line.threshold] }));
}

/**
 * An undimensioned metric: one line per statistic. A dimensioned one: a SEARCH over exactly its
 * dimension set (every series that exists, whatever the values), optionally its top series.
 */
function bundleMetricWidget(widget: BundleMetricWidget, input: DashboardInput): Json {
  const dimensions: readonly string[] = METRIC_DIMENSIONS[widget.metric];
  const metrics = widget.stats.map((stat, index) => {
    if (dimensions.length === 0) return [METRICS_NAMESPACE, widget.metric, { stat, label: stat }];
    const search = `SEARCH('{${[METRICS_NAMESPACE, ...dimensions].join(',')}} MetricName="${widget.metric}"', '${stat}', ${widget.period})`;
    const expression = widget.top === undefined ? search : `SORT(${search}, SUM, DESC, ${widget.top})`;
    return [{ expression, id: `e${index + 1}`, period: widget.period }];
  });
  return metricWidget(widget.title, widget.period, metrics, { lines: horizontalLines(widget.lines, input.thresholds), unit: widget.unit });
}

function streamWidget(input: DashboardInput): Json {
  const name = `\${${functionLogicalId(STREAM_FUNCTION, 'LambdaFunction')}}`;
  return metricWidget(
    `${STREAM_FUNCTION} stream iterator age (max) · healthy: seconds, far under the alarm line`,
    60,
    [['AWS/Lambda', 'IteratorAge', 'FunctionName', name, { stat: 'Maximum', label: STREAM_FUNCTION }]],
    { lines: horizontalLines([{ label: 'ProcessCallChangesIteratorAgeAlarm', threshold: 'iteratorAgeAlarmMs' }], input.thresholds), unit: 'ms' },
  );
}

function deadLetterWidget(): Json {
  return metricWidget(
    'Dead-letter queue depths · healthy: 0 everywhere; 1 or more alarms',
    300,
    DEAD_LETTER_QUEUES.map((queue) => ['AWS/SQS', 'ApproximateNumberOfMessagesVisible', 'QueueName', `\${${queue}.QueueName}`, { stat: 'Maximum', label: queue }]),
  );
}

/** Errors, throttles and p99 duration, one line per function. */
function lambdaWidgets(input: DashboardInput): Json[] {
  const perFunction = (metric: string, stat: Stat) =>
    input.functions.map((name) => ['AWS/Lambda', metric, 'FunctionName', `\${${functionLogicalId(name, 'LambdaFunction')}}`, { stat, label: name }]);
  return [
    metricWidget('Errors per function · healthy: 0 (a refused request is not an error)', 300, perFunction('Errors', 'Sum')),
    metricWidget('Throttles per function · healthy: 0', 300, perFunction('Throttles', 'Sum')),
    metricWidget("p99 duration per function · healthy: far under each function's timeout", 300, perFunction('Duration', 'p99'), { unit: 'ms' }),
  ];
}

/** Lambda's REPORT line carries @initDuration on a cold start only: counted and timed per function. */
function coldStartWidget(input: DashboardInput): Json {
  const sources = input.functions.map((name) => `SOURCE '\${${functionLogicalId(name, 'LogGroup')}}'`).join(' | ');
  const query =
    `${sources} | filter @type = "REPORT" and ispresent(@initDuration)` +
    ' | stats count(*) as coldStarts, pct(@initDuration, 50) as initP50Ms, max(@initDuration) as initMaxMs by @log' +
    ' | sort coldStarts desc';
  return {
    type: 'log',
    properties: { title: 'Cold starts per function (Lambda init) · healthy: a few an hour, init under 1 s', region: REGION, view: 'table', query },
  };
}
