/**
 * Alibaba's voice products speak China time (Asia/Shanghai, UTC+8, no daylight saving): token
 * ExpireTime (docs/alibaba/receipts.md#querytokenformnsqueue), receipt times (docs/alibaba/receipts.md#body-encoding) and QueryDate's day (docs/alibaba/actions.md#querycalldetailbycallid).
 */
export const CHINA_OFFSET_MS = 8 * 3_600_000;
