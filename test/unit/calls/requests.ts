/**
 * Request bodies shared by the calls unit tests: for each call type the smallest valid body (only
 * the required fields of README.md's POST /calls table) and the largest one (every parameter of
 * docs/alibaba/actions.md for that action). Written by hand from the spec, not derived from the schemas.
 */
import type { CallType, PlaceCallRequest } from '#shared/calls/schemas';

export const CALLED = '13800138000';
export const SHOW = '057100000000';

export const MINIMAL: Readonly<Record<CallType, PlaceCallRequest>> = {
  tts: { type: 'tts', calledNumber: CALLED, ttsCode: 'TTS_123456789' },
  voice: { type: 'voice', calledNumber: CALLED, voiceCode: '2d4c-4e78-8d2a-afbb06cf1234.wav' },
  ivr: { type: 'ivr', calledNumber: CALLED, calledShowNumber: SHOW, startCode: 'TTS_10001' },
  clickToDial: {
    type: 'clickToDial',
    callerShowNumber: '057100000001',
    callerNumber: '13900139000',
    calledShowNumber: SHOW,
    calledNumber: CALLED,
  },
  smart: { type: 'smart', calledNumber: CALLED, calledShowNumber: SHOW, voiceCode: '2d4c.wav,$name$' },
};

/** The required fields per type (README.md, POST /calls table). */
export const REQUIRED_FIELDS: Readonly<Record<CallType, readonly string[]>> = {
  tts: ['calledNumber', 'ttsCode'],
  voice: ['calledNumber', 'voiceCode'],
  ivr: ['calledNumber', 'calledShowNumber', 'startCode'],
  clickToDial: ['callerShowNumber', 'callerNumber', 'calledShowNumber', 'calledNumber'],
  smart: ['calledNumber', 'calledShowNumber', 'voiceCode'],
};

export const MAXIMAL: Readonly<Record<CallType, PlaceCallRequest>> = {
  tts: {
    type: 'tts',
    calledNumber: CALLED,
    calledShowNumber: SHOW,
    ttsCode: 'TTS_123456789',
    ttsParam: { code: '1234', name: 'Li', attempts: 2, urgent: true },
    playTimes: 2,
    volume: 100,
    speed: 0,
    outId: 'order-001',
  },
  voice: {
    type: 'voice',
    calledNumber: CALLED,
    calledShowNumber: SHOW,
    voiceCode: '2d4c-4e78-8d2a-afbb06cf1234.wav',
    playTimes: 3,
    volume: 50,
    speed: -100,
    outId: 'voice-1',
  },
  ivr: {
    type: 'ivr',
    calledNumber: CALLED,
    calledShowNumber: SHOW,
    startCode: 'TTS_10001',
    startTtsParams: { name: 'Li' },
    menuKeyMap: [
      { key: '1', code: 'TTS_20001', ttsParams: { x: '1' } },
      { key: '#', code: 'a1b2c3.wav' },
    ],
    byeCode: 'TTS_10002',
    byeTtsParams: { name: 'Li' },
    playTimes: 3,
    timeout: 3000,
    outId: 'ivr-1',
  },
  clickToDial: {
    type: 'clickToDial',
    callerShowNumber: '057100000001',
    callerNumber: '13900139000',
    calledShowNumber: SHOW,
    calledNumber: CALLED,
    recordFlag: true,
    asrFlag: false,
    asrModelId: 'asr-model-1',
    sessionTimeout: 600,
    outId: 'c2d-1',
  },
  smart: {
    type: 'smart',
    calledNumber: CALLED,
    calledShowNumber: SHOW,
    voiceCode: '2d4c.wav,$name$',
    voiceCodeParam: { name: 'Li' },
    volume: 1,
    speed: 0,
    recordFlag: true,
    asrModelId: 'asr-model-1',
    asrBaseId: 'customer_service_8k',
    muteTime: 10000,
    pauseTime: 800,
    sessionTimeout: 3600,
    actionCodeBreak: true,
    actionCodeTimeBreak: 500,
    dynamicId: 'dyn-1',
    earlyMediaAsr: false,
    enableITN: true,
    streamAsr: 1,
    ttsConf: true,
    ttsStyle: 'xiaoyun',
    ttsVolume: 50,
    ttsSpeed: -50,
    backgroundFileCode: 'bg.wav',
    backgroundSpeed: 0,
    backgroundVolume: 0,
    noiseThreshold: 0.5,
    outId: 'smart-1',
  },
};

/**
 * Alibaba's parameter name for each body field (docs/alibaba/actions.md tables, case-sensitive per docs/alibaba/rpc.md#common-parameters).
 * Menu entry fields are flattened as MenuKeyMap.N.<name> (docs/alibaba/rpc.md#common-parameters).
 */
export const WIRE_NAME: Readonly<Record<string, string>> = {
  calledNumber: 'CalledNumber',
  calledShowNumber: 'CalledShowNumber',
  ttsCode: 'TtsCode',
  ttsParam: 'TtsParam',
  playTimes: 'PlayTimes',
  volume: 'Volume',
  speed: 'Speed',
  outId: 'OutId',
  voiceCode: 'VoiceCode',
  startCode: 'StartCode',
  startTtsParams: 'StartTtsParams',
  byeCode: 'ByeCode',
  byeTtsParams: 'ByeTtsParams',
  timeout: 'Timeout',
  callerShowNumber: 'CallerShowNumber',
  callerNumber: 'CallerNumber',
  recordFlag: 'RecordFlag',
  asrFlag: 'AsrFlag',
  asrModelId: 'AsrModelId',
  sessionTimeout: 'SessionTimeout',
  voiceCodeParam: 'VoiceCodeParam',
  asrBaseId: 'AsrBaseId',
  muteTime: 'MuteTime',
  pauseTime: 'PauseTime',
  actionCodeBreak: 'ActionCodeBreak',
  actionCodeTimeBreak: 'ActionCodeTimeBreak',
  dynamicId: 'DynamicId',
  earlyMediaAsr: 'EarlyMediaAsr',
  enableITN: 'EnableITN',
  streamAsr: 'StreamAsr',
  ttsConf: 'TtsConf',
  ttsStyle: 'TtsStyle',
  ttsVolume: 'TtsVolume',
  ttsSpeed: 'TtsSpeed',
  backgroundFileCode: 'BackgroundFileCode',
  backgroundSpeed: 'BackgroundSpeed',
  backgroundVolume: 'BackgroundVolume',
  noiseThreshold: 'NoiseThreshold',
};

export const MENU_WIRE_NAME: Readonly<Record<string, string>> = { key: 'Key', code: 'Code', ttsParams: 'TtsParams' };

/** A body of `type` with `overrides` on top of the minimal one (`undefined` removes a field). */
export function bodyOf(type: CallType, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const body: Record<string, unknown> = { ...MINIMAL[type], ...overrides };
  for (const [key, value] of Object.entries(overrides)) if (value === undefined) delete body[key];
  return body;
}
