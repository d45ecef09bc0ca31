/**
 * One full-featured POST /calls body per call type and, written out literally from docs/alibaba/actions.md, the
 * exact wire parameters Alibaba must receive for it (flattened names, string values, JSON-object
 * parameters serialised). Nothing here is derived from the product's schemas or wire mapping.
 */

export type CallTypeName = 'tts' | 'voice' | 'ivr' | 'clickToDial' | 'smart';

export interface FullRequest {
  type: CallTypeName;
  /** docs/alibaba/actions.md action behind the type (docs/http-api.md#post-calls). */
  action: string;
  body: Record<string, unknown>;
  /** Exactly the action parameters Alibaba must see (no common parameters). */
  wire: Record<string, string>;
  /** The number that decides the sandbox's script (for ClickToDial the B leg). */
  calledNumber: string;
  /** What QueryCallDetailByCallId's Data must say about the parties. */
  parties: { callee: string; calleeShowNumber: string };
}

/** `number()` gives fresh phone numbers: the called number first (then the caller for clickToDial). */
export function fullRequest(type: CallTypeName, number: () => string): FullRequest {
  switch (type) {
    case 'tts': {
      const called = number();
      return {
        type,
        action: 'SingleCallByTts',
        calledNumber: called,
        parties: { callee: called, calleeShowNumber: '057188880000' },
        body: {
          type: 'tts',
          calledNumber: called,
          calledShowNumber: '057188880000',
          ttsCode: 'TTS_123456789',
          ttsParam: { code: '1234', name: 'Li Lei', attempts: 2, urgent: true },
          playTimes: 2,
          volume: 0,
          speed: -100,
          outId: 'order-1001',
        },
        wire: {
          CalledNumber: called,
          CalledShowNumber: '057188880000',
          TtsCode: 'TTS_123456789',
          TtsParam: '{"code":"1234","name":"Li Lei","attempts":2,"urgent":true}',
          PlayTimes: '2',
          Volume: '0',
          Speed: '-100',
          OutId: 'order-1001',
        },
      };
    }
    case 'voice': {
      const called = number();
      return {
        type,
        action: 'SingleCallByVoice',
        calledNumber: called,
        parties: { callee: called, calleeShowNumber: '057188880001' },
        body: {
          type: 'voice',
          calledNumber: called,
          calledShowNumber: '057188880001',
          voiceCode: '2d4c-4e78-8d2a-afbb06cf1234.wav',
          playTimes: 3,
          volume: 100,
          speed: 500,
          outId: 'voice-7',
        },
        wire: {
          CalledNumber: called,
          CalledShowNumber: '057188880001',
          VoiceCode: '2d4c-4e78-8d2a-afbb06cf1234.wav',
          PlayTimes: '3',
          Volume: '100',
          Speed: '500',
          OutId: 'voice-7',
        },
      };
    }
    case 'ivr': {
      const called = number();
      return {
        type,
        action: 'IvrCall',
        calledNumber: called,
        parties: { callee: called, calleeShowNumber: '057188880002' },
        body: {
          type: 'ivr',
          calledNumber: called,
          calledShowNumber: '057188880002',
          startCode: 'TTS_10001',
          startTtsParams: { name: 'Li Lei', balance: 12.5 },
          menuKeyMap: [
            { key: '1', code: 'TTS_20001', ttsParams: { product: 'broadband' } },
            { key: '#', code: 'TTS_20002' },
            { key: '*', code: 'TTS_20003', ttsParams: { minutes: 30 } },
          ],
          byeCode: 'TTS_30001',
          byeTtsParams: { name: 'Li Lei' },
          playTimes: 1,
          timeout: 3000,
          outId: 'ivr-42',
        },
        wire: {
          CalledNumber: called,
          CalledShowNumber: '057188880002',
          StartCode: 'TTS_10001',
          StartTtsParams: '{"name":"Li Lei","balance":12.5}',
          'MenuKeyMap.1.Key': '1',
          'MenuKeyMap.1.Code': 'TTS_20001',
          'MenuKeyMap.1.TtsParams': '{"product":"broadband"}',
          'MenuKeyMap.2.Key': '#',
          'MenuKeyMap.2.Code': 'TTS_20002',
          'MenuKeyMap.3.Key': '*',
          'MenuKeyMap.3.Code': 'TTS_20003',
          'MenuKeyMap.3.TtsParams': '{"minutes":30}',
          ByeCode: 'TTS_30001',
          ByeTtsParams: '{"name":"Li Lei"}',
          PlayTimes: '1',
          Timeout: '3000',
          OutId: 'ivr-42',
        },
      };
    }
    case 'clickToDial': {
      const called = number();
      const caller = number();
      return {
        type,
        action: 'ClickToDial',
        calledNumber: called,
        parties: { callee: called, calleeShowNumber: '057188880004' },
        body: {
          type: 'clickToDial',
          callerShowNumber: '057188880003',
          callerNumber: caller,
          calledShowNumber: '057188880004',
          calledNumber: called,
          recordFlag: true,
          asrFlag: false,
          asrModelId: 'asr-model-42',
          sessionTimeout: 600,
          outId: 'c2d-9',
        },
        wire: {
          CallerShowNumber: '057188880003',
          CallerNumber: caller,
          CalledShowNumber: '057188880004',
          CalledNumber: called,
          RecordFlag: 'true',
          AsrFlag: 'false',
          AsrModelId: 'asr-model-42',
          SessionTimeout: '600',
          OutId: 'c2d-9',
        },
      };
    }
    case 'smart': {
      const called = number();
      return {
        type,
        action: 'SmartCall',
        calledNumber: called,
        parties: { callee: called, calleeShowNumber: '057188880005' },
        body: {
          type: 'smart',
          calledNumber: called,
          calledShowNumber: '057188880005',
          voiceCode: '2d4c-4e78-8d2a-afbb06cf1234.wav,$name$',
          voiceCodeParam: { name: 'Li Lei' },
          volume: -2,
          recordFlag: true,
          asrBaseId: 'dialect_customer_service_8k',
          muteTime: 1000,
          pauseTime: 1200,
          sessionTimeout: 3600,
          actionCodeBreak: true,
          actionCodeTimeBreak: 500,
          dynamicId: 'campaign-7',
          earlyMediaAsr: false,
          enableITN: true,
          streamAsr: 1,
          ttsConf: true,
          ttsStyle: 'xiaoyun',
          ttsVolume: 100,
          ttsSpeed: -200,
          backgroundFileCode: 'bg-music.wav',
          noiseThreshold: 0.5,
          outId: 'smart-3',
        },
        wire: {
          CalledNumber: called,
          CalledShowNumber: '057188880005',
          VoiceCode: '2d4c-4e78-8d2a-afbb06cf1234.wav,$name$',
          VoiceCodeParam: '{"name":"Li Lei"}',
          Volume: '-2',
          RecordFlag: 'true',
          AsrBaseId: 'dialect_customer_service_8k',
          MuteTime: '1000',
          PauseTime: '1200',
          SessionTimeout: '3600',
          ActionCodeBreak: 'true',
          ActionCodeTimeBreak: '500',
          DynamicId: 'campaign-7',
          EarlyMediaAsr: 'false',
          EnableITN: 'true',
          StreamAsr: '1',
          TtsConf: 'true',
          TtsStyle: 'xiaoyun',
          TtsVolume: '100',
          TtsSpeed: '-200',
          BackgroundFileCode: 'bg-music.wav',
          NoiseThreshold: '0.5',
          OutId: 'smart-3',
        },
      };
    }
  }
}

export const CALL_TYPE_NAMES: readonly CallTypeName[] = ['tts', 'voice', 'ivr', 'clickToDial', 'smart'];

/**
 * A TTS call whose text needs every kind of percent-encoding (RFC 3986 reserved characters,
 * Chinese, an emoji) and the exact wire parameters Alibaba must receive for it, whatever the
 * signature version.
 */
export function encodingRequest(calledNumber: string): { body: Record<string, unknown>; wire: Record<string, string> } {
  const outId = "&=+%/?#*()~!'";
  return {
    body: { type: 'tts', calledNumber, ttsCode: 'TTS_123456789', ttsParam: { name: '李雷 😀', note: "a&b=c+d%e/f?g#h*i'(j)~!" }, outId },
    wire: {
      CalledNumber: calledNumber,
      TtsCode: 'TTS_123456789',
      TtsParam: '{"name":"李雷 😀","note":"a&b=c+d%e/f?g#h*i\'(j)~!"}',
      OutId: outId,
    },
  };
}
