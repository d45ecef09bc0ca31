/**
 * Alibaba receipt bodies as tests send them (docs/alibaba/receipts.md#receipt-fields): the illustrative VoiceReport of the spec,
 * and a VoiceCallReport progress event, each for a given CallId with fields to add or override.
 */

/** docs/alibaba/receipts.md#receipt-fields's illustrative VoiceReport body (a completed, answered call), for `callId`. */
export const voiceReport = (callId: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  call_id: callId,
  out_id: 'order-001',
  status_code: '200000',
  smart_status_code: 'ANSWERED',
  status_msg: '执行完成',
  caller: '057100000000',
  callee: '13800138000',
  originate_time: '2024-01-15 16:30:01',
  ring_time: '2024-01-15 16:30:04',
  start_time: '2024-01-15 16:30:09',
  end_time: '2024-01-15 16:30:31',
  duration: '22',
  hangup_direction: '用户',
  voice_type: 'voice',
  toll_type: 'UNKNOWN',
  ...extra,
});

/** A VoiceCallReport progress event (docs/alibaba/receipts.md#receipt-fields) for `callId`. */
export const callReport = (callId: string, statusCode: string, statusTime: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  call_id: callId,
  out_id: 'order-001',
  status_code: statusCode,
  status_time: statusTime,
  ...extra,
});
