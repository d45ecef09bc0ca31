/**
 * How one environment variable is read: its text trimmed, blank read as unset, and checked against
 * its kind of value (an http(s) origin, a whole number in a range, an SQS queue URL), with a
 * ConfigError naming the variable when it does not fit. config.ts says which variables there are
 * and what each one means; these only read them.
 */
import { ConfigError } from './errors.ts';

/** The environment a configuration is read from: process.env, or a test's own. */
export type Env = Readonly<Record<string, string | undefined>>;

/** The variable's text, trimmed; undefined when it is unset or blank. */
export function optionalVariable(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === '' ? undefined : value;
}

/** The variable's text, trimmed; a ConfigError when it is unset or blank. */
export function requiredVariable(env: Env, name: string): string {
  const value = optionalVariable(env, name);
  if (value === undefined) throw new ConfigError(name, 'is required');
  return value;
}

/** An http(s) origin without credentials, path or query: the variable's, or `fallback` when it is unset. */
export function originVariable(env: Env, name: string, fallback: string): string {
  const value = optionalVariable(env, name) ?? fallback;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(name, `must be an http(s) URL, got "${value}"`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ConfigError(name, `must be an http(s) URL, got "${value}"`);
  }
  if (url.username || url.password) {
    throw new ConfigError(name, 'must not carry credentials in the URL');
  }
  if (url.pathname !== '/' || url.search || url.hash) {
    throw new ConfigError(name, `must be an origin without path or query, got "${value}"`);
  }
  return url.origin;
}

/** A whole number from `min` to `max`: the variable's, or `fallback` when it is unset. */
export function wholeNumberVariable(env: Env, name: string, fallback: number, min: number, max: number): number {
  const value = optionalVariable(env, name);
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!/^\d+$/.test(value) || parsed < min || parsed > max) {
    throw new ConfigError(name, `must be a whole number from ${min} to ${max}, got "${value}"`);
  }
  return parsed;
}

/** An SQS queue URL: `https://sqs.<region>.amazonaws.com/<account>/<name>` deployed, any http(s) URL locally. */
export function queueUrlVariable(env: Env, name: string): string | undefined {
  const value = optionalVariable(env, name);
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(name, `must be an SQS queue URL, got "${value}"`);
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.username || url.password || url.search || url.hash || !/^\/\d{1,12}\/[\w-]{1,80}$/.test(url.pathname)) {
    throw new ConfigError(name, `must be an SQS queue URL (https://sqs.<region>.amazonaws.com/<account>/<queue>), got "${value}"`);
  }
  return url.href;
}
