import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

/**
 * CloudWatch metrics as Embedded Metric Format log lines (Powertools Metrics): no PutMetricData call,
 * no extra IAM, no latency on the request path. One namespace for the bundle; the function name is
 * a dimension Powertools adds to the cold-start metric only, so alarms select by metric name.
 */
export const METRICS_NAMESPACE = 'AliyunVoice';

export const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: 'aliyun-voice' });

export { MetricUnit };

/** Writes the metrics gathered during an invocation (call once, at its end, whatever happened). */
export function publishMetrics(): void {
  if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
}
