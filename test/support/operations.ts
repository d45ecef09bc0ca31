/**
 * Reads what the operations dashboard and the saved Logs Insights queries name (ops/), so tests can
 * hold them against what the code writes: the metric series of every metric widget line (a plain
 * metric, or each SEARCH of an expression) and the log fields of every Logs Insights query.
 *
 * Strict on purpose: a line form this reader does not know (the "." shorthand, metric math without
 * SEARCH) throws, so no widget escapes the checks.
 */

/** One series a metric widget line names. */
export interface DashboardSeries {
  widget: string;
  namespace: string;
  metric: string;
  /** Dimension names, sorted. */
  dimensions: string[];
  /** Dimension values of a plain metric line; a SEARCH names none (it matches every value). */
  values: Record<string, string>;
  stat: string | undefined;
  /** The line is a SEARCH over the exact dimension set. */
  search: boolean;
}

export interface DashboardWidget {
  type: string;
  x: number;
  y: number;
  width: number;
  height: number;
  properties: Record<string, any>;
}

/** The widgets of a dashboard body. */
export function widgetsOf(body: string): DashboardWidget[] {
  const parsed = JSON.parse(body) as { widgets?: DashboardWidget[] };
  if (!Array.isArray(parsed.widgets)) throw new Error('the dashboard body has no widgets array');
  return parsed.widgets;
}

/** Every series the body's metric widgets name. */
export function dashboardSeries(body: string): DashboardSeries[] {
  return widgetsOf(body)
    .filter((widget) => widget.type === 'metric')
    .flatMap((widget) => (widget.properties.metrics as unknown[][]).flatMap((line) => seriesOfLine(String(widget.properties.title), line, widget.properties.stat)));
}

function seriesOfLine(widget: string, line: unknown[], defaultStat: string | undefined): DashboardSeries[] {
  const [first] = line;
  if (first !== null && typeof first === 'object') {
    const { expression } = first as { expression?: unknown };
    if (typeof expression !== 'string') throw new Error(`${widget}: a line whose first element is an object but not an expression`);
    const searches = [...expression.matchAll(/SEARCH\(\s*'\{([^}]*)\}\s+MetricName="([^"]+)"'\s*,\s*'([^']+)'/g)];
    if (searches.length === 0) throw new Error(`${widget}: an expression without a SEARCH this reader understands: ${expression}`);
    return searches.map(([, schema, metric, stat]) => {
      const [namespace, ...dimensions] = schema!.split(',').map((part) => part.trim());
      return { widget, namespace: namespace!, metric: metric!, dimensions: dimensions.sort(), values: {}, stat, search: true };
    });
  }
  const options = line.length % 2 === 1 && typeof line.at(-1) === 'object' ? (line.at(-1) as { stat?: string }) : undefined;
  const parts = (options ? line.slice(0, -1) : line) as unknown[];
  if (parts.some((part) => typeof part !== 'string' || part === '.' || part === '..')) {
    throw new Error(`${widget}: a metric line this reader does not understand (write every part in full): ${JSON.stringify(line)}`);
  }
  const [namespace, metric, ...pairs] = parts as string[];
  const values: Record<string, string> = {};
  for (let index = 0; index < pairs.length; index += 2) values[pairs[index]!] = pairs[index + 1]!;
  return [{ widget, namespace: namespace!, metric: metric!, dimensions: Object.keys(values).sort(), values, stat: options?.stat ?? defaultStat, search: false }];
}

/** A number of a horizontal line, by its label, on the widget whose title starts with `title`. */
export function lineOf(body: string, title: string, label: string): number | undefined {
  const widget = widgetsOf(body).find((candidate) => String(candidate.properties.title).startsWith(title));
  return (widget?.properties.annotations?.horizontal as { label: string; value: number }[] | undefined)?.find((line) => line.label === label)?.value;
}

/** Logs Insights' own fields, and those it discovers in Lambda's REPORT lines. */
export const INSIGHTS_FIELDS = new Set(['@timestamp', '@message', '@log', '@logStream', '@ingestionTime', '@type', '@requestId', '@duration', '@billedDuration', '@initDuration', '@maxMemoryUsed', '@memorySize']);

const COMMANDS = new Set(['fields', 'filter', 'stats', 'sort', 'limit', 'display', 'parse', 'dedup', 'SOURCE']);
const WORDS = new Set(['by', 'as', 'and', 'or', 'not', 'in', 'like', 'asc', 'desc']);

/**
 * The log fields a Logs Insights query reads, in the order first named: every identifier that is
 * not a command, a keyword, a function (followed by "("), a string, a regex, a number or a name the
 * query itself gives with `as`. Dotted names (`reasons.0.reason`) are JSON paths, as Insights
 * flattens nested fields.
 */
export function fieldsOfQuery(query: string): string[] {
  const text = query
    .replace(/"(?:[^"\\]|\\.)*"/g, ' ')
    .replace(/'(?:[^'\\]|\\.)*'/g, ' ')
    .replace(/\/(?:[^/\\\n]|\\.)+\//g, ' ');
  const aliases = new Set([...text.matchAll(/\bas\s+([A-Za-z_@][\w.@]*)/g)].map(([, alias]) => alias!));
  const fields: string[] = [];
  for (const match of text.matchAll(/[A-Za-z_@][\w.@]*/g)) {
    const name = match[0];
    const after = text.slice(match.index + name.length).trimStart();
    if (COMMANDS.has(name) || WORDS.has(name) || aliases.has(name) || after.startsWith('(')) continue;
    if (!fields.includes(name)) fields.push(name);
  }
  return fields;
}

/** The log groups a dashboard log widget's query reads (its SOURCE clauses). */
export function sourcesOfQuery(query: string): string[] {
  return [...query.matchAll(/SOURCE\s+'([^']+)'/g)].map(([, source]) => source!);
}

/** The dotted paths of every value of a log entry, as Logs Insights names them (`reasons.0.reason`). */
export function flattenedFields(entry: unknown, prefix = ''): string[] {
  if (entry === null || typeof entry !== 'object') return prefix === '' ? [] : [prefix];
  const paths = Object.entries(entry as Record<string, unknown>).flatMap(([key, value]) => flattenedFields(value, prefix === '' ? key : `${prefix}.${key}`));
  return prefix === '' ? paths : [prefix, ...paths];
}
