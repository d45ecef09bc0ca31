/**
 * Alibaba's voice products speak China time (Asia/Shanghai, UTC+8, no daylight saving): token
 * ExpireTime (spec §5.2), receipt times (§5.4) and QueryDate's day (§3.7).
 */
export const CHINA_OFFSET_MS = 8 * 3_600_000;
