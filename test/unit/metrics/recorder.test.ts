/**
 * shared/metrics.ts: each dimension set is its own EMF series (CloudWatch applies a document's
 * dimensions to every metric in it), units come from the one catalogue, the undimensioned series
 * declares `Dimensions: [[]]` (the EMF schema refuses `[]`), and POWERTOOLS_METRICS_DISABLED is
 * honoured at publish time.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EmfMetricsRecorder, METRIC_DIMENSIONS, METRIC_UNITS, METRICS_NAMESPACE, MetricUnit, type MetricDimensions, type MetricName } from '#shared/metrics';

interface EmfDocument {
  _aws: { Timestamp: number; CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[] };
  [key: string]: unknown;
}

function recorder() {
  const lines: string[] = [];
  const metrics = new EmfMetricsRecorder({ write: (line) => lines.push(line) });
  return { metrics, lines, documents: () => lines.map((line) => JSON.parse(line) as EmfDocument) };
}

/** The one document whose directive names `metric`. */
function documentOf(documents: EmfDocument[], metric: string, where: (document: EmfDocument) => boolean = () => true): EmfDocument {
  const found = documents.filter((document) => document._aws.CloudWatchMetrics[0]!.Metrics.some((definition) => definition.Name === metric) && where(document));
  expect(found, `${metric} in ${JSON.stringify(documents)}`).toHaveLength(1);
  return found[0]!;
}

beforeEach(() => {
  vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
});
afterEach(() => {
  vi.unstubAllEnvs();
});

describe('series and dimensions', () => {
  it('writes a dimensioned metric in its own document, with exactly its dimensions', () => {
    // arrange
    const { metrics, documents } = recorder();
    // act
    metrics.record('CallsPlaced', 1, { CallType: 'tts', Outcome: 'placed' });
    metrics.record('ReceiptLag', 1_500);
    metrics.publish();
    // assert
    const placed = documentOf(documents(), 'CallsPlaced');
    expect(placed._aws.CloudWatchMetrics).toEqual([
      { Namespace: 'AliyunVoice', Dimensions: [['CallType', 'Outcome']], Metrics: [{ Name: 'CallsPlaced', Unit: 'Count' }] },
    ]);
    expect(placed).toMatchObject({ CallType: 'tts', Outcome: 'placed', CallsPlaced: 1 });
    expect(placed).not.toHaveProperty('service');
    expect(placed).not.toHaveProperty('ReceiptLag');
  });

  it('declares the undimensioned series with one empty DimensionSet, and no default `service` dimension', () => {
    const { metrics, documents } = recorder();
    metrics.record('PollErrors', 0);
    metrics.record('PollDuration', 812);
    metrics.publish();
    const [document] = documents();
    expect(documents()).toHaveLength(1);
    expect(document!._aws.CloudWatchMetrics[0]!.Dimensions).toEqual([[]]);
    expect(document!._aws.CloudWatchMetrics[0]!.Metrics).toEqual([
      { Name: 'PollErrors', Unit: 'Count' },
      { Name: 'PollDuration', Unit: 'Milliseconds' },
    ]);
    expect(document).toMatchObject({ PollErrors: 0, PollDuration: 812 });
    expect(document).not.toHaveProperty('service');
  });

  it('keeps one series per distinct set of dimension values, whatever the order they were given in', () => {
    const { metrics, documents } = recorder();
    metrics.record('CallsPlaced', 1, { CallType: 'tts', Outcome: 'placed' });
    metrics.record('CallsPlaced', 1, { Outcome: 'placed', CallType: 'tts' });
    metrics.record('CallsPlaced', 1, { CallType: 'tts', Outcome: 'rejected' });
    metrics.publish();
    expect(documentOf(documents(), 'CallsPlaced', (document) => document.Outcome === 'placed').CallsPlaced).toEqual([1, 1]);
    expect(documentOf(documents(), 'CallsPlaced', (document) => document.Outcome === 'rejected').CallsPlaced).toBe(1);
  });

  it('names an empty dimension value `unknown` rather than dropping the dimension (which would change the series)', () => {
    const { metrics, documents } = recorder();
    metrics.record('AlibabaErrors', 1, { Action: 'SingleCallByTts', Code: '' });
    metrics.publish();
    const document = documentOf(documents(), 'AlibabaErrors');
    expect(document._aws.CloudWatchMetrics[0]!.Dimensions).toEqual([['Action', 'Code']]);
    expect(document.Code).toBe('unknown');
  });

  it('uses the catalogue\'s unit and dimension names for every metric', () => {
    const { metrics, documents } = recorder();
    // Each metric with a value for each of its catalogued dimensions (the loop loses record's per-name typing).
    const recordAny = metrics.record.bind(metrics) as (name: MetricName, value: number, dimensions: MetricDimensions) => void;
    for (const name of Object.keys(METRIC_UNITS) as MetricName[]) {
      recordAny(name, 1, Object.fromEntries(METRIC_DIMENSIONS[name].map((dimension) => [dimension, `${name}-${dimension}`])));
    }
    metrics.publish();
    const directives = documents().flatMap((document) => document._aws.CloudWatchMetrics);
    const written = directives.flatMap((directive) => directive.Metrics.map(({ Name, Unit }) => ({ Name, Unit, Dimensions: directive.Dimensions })));
    expect(Object.fromEntries(written.map(({ Name, Unit }) => [Name, Unit]))).toEqual(METRIC_UNITS);
    expect(Object.fromEntries(written.map(({ Name, Dimensions }) => [Name, Dimensions]))).toEqual(
      Object.fromEntries(Object.entries(METRIC_DIMENSIONS).map(([name, dimensions]) => [name, [[...dimensions]]])),
    );
    expect(directives.every((directive) => directive.Namespace === METRICS_NAMESPACE)).toBe(true);
  });

  it('takes, by its type, exactly a metric\'s catalogued dimensions (npm run typecheck proves the refusals)', () => {
    const { metrics, documents } = recorder();
    // @ts-expect-error a dimension CallsPlaced does not have
    metrics.record('CallsPlaced', 1, { CallType: 'tts', Outcome: 'placed', Number: '13800138000' });
    // @ts-expect-error CallsPlaced without its Outcome
    metrics.record('CallsPlaced', 1, { CallType: 'tts' });
    // @ts-expect-error ReceiptLag has no dimensions
    metrics.record('ReceiptLag', 1, { MessageType: 'VoiceReport' });
    metrics.record('PushAnswers', 1, { Status: '200' });
    metrics.publish();
    // At run time the recorder writes what it is given: the compiler is the guard.
    expect(documents()).toHaveLength(4);
  });

  it('accepts Powertools\' addMetric for a metric outside the catalogue, in the undimensioned series', () => {
    const { metrics, documents } = recorder();
    metrics.addMetric('CallRequestsPlaced', MetricUnit.Count, 3);
    metrics.publish();
    expect(documentOf(documents(), 'CallRequestsPlaced')).toMatchObject({ CallRequestsPlaced: 3, _aws: { CloudWatchMetrics: [{ Dimensions: [[]] }] } });
  });
});

describe('publishing', () => {
  it('writes nothing when nothing was recorded, and empties the buffers after writing', () => {
    const { metrics, lines } = recorder();
    metrics.publish();
    expect(lines).toEqual([]);
    metrics.record('PollErrors', 1);
    metrics.publish();
    metrics.publish();
    expect(lines).toHaveLength(1);
  });

  it('gathers many values of one metric in one line, up to Powertools\' 100, then starts another', () => {
    const { metrics, documents } = recorder();
    for (let value = 0; value < 150; value++) metrics.record('ReceiptLag', value);
    metrics.publish();
    expect(documents().map((document) => (document.ReceiptLag as number[]).length)).toEqual([100, 50]);
  });

  it('drops a value that is not a finite number instead of failing the work it measures', () => {
    const { metrics, documents } = recorder();
    expect(() => metrics.record('ReceiptLag', Number.NaN)).not.toThrow();
    metrics.record('ReceiptLag', Number.POSITIVE_INFINITY);
    metrics.record('ReceiptLag', 5);
    metrics.publish();
    expect(documents()).toHaveLength(1);
    expect(documents()[0]!.ReceiptLag).toBe(5);
  });

  it.each([
    ['POWERTOOLS_METRICS_DISABLED=true', { POWERTOOLS_METRICS_DISABLED: 'true' }],
    ['POWERTOOLS_DEV=true without POWERTOOLS_METRICS_DISABLED', { POWERTOOLS_METRICS_DISABLED: '', POWERTOOLS_DEV: 'true' }],
  ])('writes nothing under %s, decided at publish time, and still empties the buffers', (_name, env) => {
    const { metrics, lines } = recorder();
    metrics.record('PollErrors', 1);
    for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
    metrics.publish();
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
    metrics.publish();
    expect(lines).toEqual([]);
  });
});
