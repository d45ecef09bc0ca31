/**
 * The last verified requests (RPC, and MNS with its own entry type), for tests and developers to
 * see exactly what a client sent.
 */
import type { SignatureStyle } from './signedRequest.ts';

export interface RecordedRequest {
  requestId: string;
  /** ISO-8601, sandbox clock. */
  receivedAt: string;
  action: string;
  method: string;
  signatureVersion: SignatureStyle;
  accessKeyId: string;
  securityToken: boolean;
  /** Action parameters exactly as received (flattened names, string values), no common ones. */
  params: Record<string, string>;
  /** Parameters the action does not know; Alibaba ignores them and so does the sandbox. */
  ignoredParams: string[];
  /** Set when an injected fault applied to this request. */
  fault?: { error?: string; latencyMs?: number; drop?: boolean };
  /** Absent while the request is in flight, and forever for a dropped connection. */
  response?: { httpStatus: number; code: string };
}

export const REQUEST_LOG_LIMIT = 500;

export class RequestLog<Entry = RecordedRequest> {
  private entries: Entry[] = [];

  constructor(private readonly limit: number = REQUEST_LOG_LIMIT) {}

  /** Keeps the entry (and the caller's reference to it, to complete it later). */
  add(entry: Entry): Entry {
    this.entries.push(entry);
    if (this.entries.length > this.limit) this.entries.splice(0, this.entries.length - this.limit);
    return entry;
  }

  /** Oldest first; copies, so callers cannot change the log. */
  list(): Entry[] {
    return structuredClone(this.entries);
  }

  clear(): void {
    this.entries = [];
  }
}
