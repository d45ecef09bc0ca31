import type { CallType } from './schemas.ts';
import type { CallStatus } from './status.ts';

/** A call as this bundle recorded it when placing it. */
export interface CallRecord {
  callId: string;
  type: CallType;
  outId: string;
  /** docs/alibaba/actions.md#querycalldetailbycallid product id, absent where Alibaba publishes none (ClickToDial). */
  prodId?: string;
  /** Alibaba's RequestId of the placing request. */
  requestId: string;
  status: CallStatus;
  /** ISO-8601 UTC. */
  createdAt: string;
  updatedAt: string;
  /** The call request this call is an attempt of (docs/call-requests.md), and which attempt. */
  callRequestId?: string;
  attempt?: number;
}

/** One stored receipt: normalised fields beside Alibaba's raw body. */
export interface ReceiptRecord {
  messageType: string;
  receivedAt: string;
  [field: string]: unknown;
}

/**
 * A call as stored, with its receipts. A call this bundle did not place (placed elsewhere, known only
 * from its receipts) has `type`, `requestId` and possibly `outId` null, `status` null until a
 * receipt implies one, and `createdAt` = when its first receipt was enqueued.
 */
export interface StoredCall extends Omit<CallRecord, 'type' | 'outId' | 'requestId' | 'status'> {
  type: CallType | null;
  outId: string | null;
  requestId: string | null;
  status: CallStatus | null;
  /** One page of the call's receipts (at most RECEIPTS_PER_PAGE). */
  receipts: ReceiptRecord[];
  /** Where the next page of receipts starts (`receiptsAfter`), when there may be one. */
  nextReceiptsAfter?: string;
}

/**
 * Receipts read per request: one DynamoDB page, so a call with thousands of receipts (every key
 * press is one) costs no more to read than a call with a hundred.
 */
export const RECEIPTS_PER_PAGE = 100;

/** Port for call persistence; `DynamoCallStore` is the adapter used everywhere but unit tests. */
export interface CallStore {
  /** Records a newly placed call; expires with the configured retention. */
  putPlacedCall(call: CallRecord): Promise<void>;
  /**
   * The call and a page of its receipts (the first, or the one after `receiptsAfter`, a previous
   * page's `nextReceiptsAfter`), or undefined when this bundle has no record of it.
   */
  getCall(callId: string, options?: { receiptsAfter?: string }): Promise<StoredCall | undefined>;
  /** Moves the call to `status` unless it already is as far or further; returns whether it moved. */
  advanceStatus(callId: string, status: CallStatus, at: string): Promise<boolean>;
}
