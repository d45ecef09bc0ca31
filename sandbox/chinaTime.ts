/** Alibaba's wall-clock strings: `yyyy-MM-dd HH:mm:ss` in China time, UTC+8 (docs/alibaba/actions.md#querycalldetailbycallid, docs/alibaba/receipts.md#querytokenformnsqueue, docs/alibaba/receipts.md#body-encoding). */

const CHINA_OFFSET_MS = 8 * 60 * 60_000;

/** The China-time text of an instant; fractions of a second are cut off. */
export function chinaTime(epochMs: number): string {
  return new Date(epochMs + CHINA_OFFSET_MS).toISOString().slice(0, 19).replace('T', ' ');
}
