/** The parameters of each dyvmsapi action, transcribed from docs/alibaba/actions.md. */
import { invalidParameters } from '../rpc/errors.ts';
import {
  calledOrCallerNumber,
  dtmfKey,
  integerRange,
  oneOf,
  outId,
  showNumber,
  templateVariables,
  ttsCode,
} from './checks.ts';
import type { ActionParamRules, ParamRule } from '../rpc/params.ts';

/** docs/alibaba/rpc.md#common-parameters: present in every action model, for partner accounts; read but never checked. */
const OWNER_PARAMS: readonly ParamRule[] = [
  { name: 'OwnerId', type: 'Long' },
  { name: 'ResourceOwnerAccount', type: 'String' },
  { name: 'ResourceOwnerId', type: 'Long' },
];

const OUT_ID: ParamRule = { name: 'OutId', type: 'String', check: outId };
const CALLED_NUMBER: ParamRule = { name: 'CalledNumber', type: 'String', required: true, check: calledOrCallerNumber };
/** docs/alibaba/actions.md#singlecallbytts/docs/alibaba/actions.md#singlecallbyvoice/docs/alibaba/actions.md#ivrcall: PlayTimes 1-3. */
const PLAY_TIMES: ParamRule = { name: 'PlayTimes', type: 'Integer', check: integerRange(1, 3) };
/** docs/alibaba/actions.md#singlecallbytts/docs/alibaba/actions.md#singlecallbyvoice: Volume 0-100, Speed -500..500. */
const NOTIFICATION_VOLUME: ParamRule = { name: 'Volume', type: 'Integer', check: integerRange(0, 100) };
const NOTIFICATION_SPEED: ParamRule = { name: 'Speed', type: 'Integer', check: integerRange(-500, 500) };

function showNumberParam(name: string, required: boolean): ParamRule {
  return { name, type: 'String', required, check: showNumber };
}

/** docs/alibaba/actions.md#singlecallbytts */
export const SINGLE_CALL_BY_TTS: ActionParamRules = {
  params: [
    CALLED_NUMBER,
    showNumberParam('CalledShowNumber', false),
    { name: 'TtsCode', type: 'String', required: true, check: ttsCode },
    // docs/alibaba/actions.md#singlecallbytts: the whole variable text under 250 characters.
    { name: 'TtsParam', type: 'String', check: templateVariables({ maxCharacters: 250 }) },
    PLAY_TIMES,
    NOTIFICATION_VOLUME,
    NOTIFICATION_SPEED,
    OUT_ID,
    ...OWNER_PARAMS,
  ],
};

/** docs/alibaba/actions.md#singlecallbyvoice */
export const SINGLE_CALL_BY_VOICE: ActionParamRules = {
  params: [
    CALLED_NUMBER,
    showNumberParam('CalledShowNumber', false),
    { name: 'VoiceCode', type: 'String', required: true },
    PLAY_TIMES,
    NOTIFICATION_VOLUME,
    NOTIFICATION_SPEED,
    OUT_ID,
    ...OWNER_PARAMS,
  ],
};

const isTtsTemplate = (code: string): boolean => code.startsWith('TTS_');

/** docs/alibaba/actions.md#ivrcall */
export const IVR_CALL: ActionParamRules = {
  params: [
    CALLED_NUMBER,
    showNumberParam('CalledShowNumber', true),
    { name: 'StartCode', type: 'String', required: true },
    { name: 'StartTtsParams', type: 'String', check: templateVariables() },
    { name: 'ByeCode', type: 'String' },
    { name: 'ByeTtsParams', type: 'String', check: templateVariables() },
    PLAY_TIMES,
    // docs/alibaba/actions.md#ivrcall: milliseconds; the range is unverified, so only negatives are refused.
    { name: 'Timeout', type: 'Integer', check: integerRange(0, 2 ** 31 - 1) },
    OUT_ID,
    ...OWNER_PARAMS,
  ],
  lists: [
    {
      name: 'MenuKeyMap',
      fields: [
        { name: 'Key', required: true, check: dtmfKey },
        { name: 'Code', required: true },
        { name: 'TtsParams', check: templateVariables() },
      ],
      checkItems(items) {
        const keys = items.map((item) => item.Key);
        const repeated = keys.find((key, index) => keys.indexOf(key) !== index);
        if (repeated !== undefined) throw invalidParameters(`MenuKeyMap maps key ${repeated} twice.`);
      },
    },
  ],
  checkAll(params) {
    // docs/alibaba/actions.md#ivrcall: ByeCode must be the same kind (voice file vs TTS template) as StartCode.
    const { StartCode: start, ByeCode: bye } = params;
    if (start !== undefined && bye !== undefined && isTtsTemplate(start) !== isTtsTemplate(bye)) {
      throw invalidParameters('ByeCode must be the same kind as StartCode (both TTS templates or both voice files).');
    }
  },
};

/** docs/alibaba/actions.md#clicktodial */
export const CLICK_TO_DIAL: ActionParamRules = {
  params: [
    showNumberParam('CallerShowNumber', true),
    { name: 'CallerNumber', type: 'String', required: true, check: calledOrCallerNumber },
    showNumberParam('CalledShowNumber', true),
    CALLED_NUMBER,
    { name: 'RecordFlag', type: 'Boolean' },
    { name: 'AsrFlag', type: 'Boolean' },
    { name: 'AsrModelId', type: 'String' },
    // docs/alibaba/actions.md#clicktodial: seconds; no documented maximum for ClickToDial.
    { name: 'SessionTimeout', type: 'Integer', check: integerRange(1, 2 ** 31 - 1) },
    OUT_ID,
    ...OWNER_PARAMS,
  ],
};

/** docs/alibaba/actions.md#cancelcall */
export const CANCEL_CALL: ActionParamRules = {
  params: [{ name: 'CallId', type: 'String', required: true }, ...OWNER_PARAMS],
};

/** docs/alibaba/actions.md#smartcall */
export const SMART_CALL: ActionParamRules = {
  params: [
    CALLED_NUMBER,
    showNumberParam('CalledShowNumber', true),
    { name: 'VoiceCode', type: 'String', required: true },
    { name: 'VoiceCodeParam', type: 'String', check: templateVariables() },
    { name: 'Volume', type: 'Integer', check: integerRange(-4, 4) },
    { name: 'Speed', type: 'Integer' }, // docs/alibaba/actions.md#smartcall: "not available (ignored)"
    { name: 'RecordFlag', type: 'Boolean' },
    { name: 'AsrModelId', type: 'String' },
    { name: 'AsrBaseId', type: 'String', check: oneOf('customer_service_8k', 'dialect_customer_service_8k') },
    { name: 'MuteTime', type: 'Integer', check: integerRange(1000, 20000) },
    { name: 'PauseTime', type: 'Integer', check: integerRange(300, 1200) },
    { name: 'SessionTimeout', type: 'Integer', check: integerRange(1, 3600) },
    { name: 'ActionCodeBreak', type: 'Boolean' },
    { name: 'ActionCodeTimeBreak', type: 'Integer', check: integerRange(0, 2 ** 31 - 1) },
    { name: 'DynamicId', type: 'String' },
    { name: 'EarlyMediaAsr', type: 'Boolean' },
    { name: 'EnableITN', type: 'Boolean' },
    { name: 'StreamAsr', type: 'Integer', check: oneOf('0', '1') },
    { name: 'TtsConf', type: 'Boolean' },
    { name: 'TtsStyle', type: 'String' },
    { name: 'TtsVolume', type: 'Integer', check: integerRange(0, 100) },
    { name: 'TtsSpeed', type: 'Integer', check: integerRange(-200, 200) },
    { name: 'BackgroundFileCode', type: 'String' },
    { name: 'BackgroundSpeed', type: 'Integer' },
    { name: 'BackgroundVolume', type: 'Integer' },
    { name: 'NoiseThreshold', type: 'Number' },
    OUT_ID,
    ...OWNER_PARAMS,
  ],
};

/** docs/alibaba/actions.md#querycalldetailbycallid */
export const QUERY_CALL_DETAIL_BY_CALL_ID: ActionParamRules = {
  params: [
    { name: 'CallId', type: 'String', required: true },
    { name: 'ProdId', type: 'Long', required: true },
    { name: 'QueryDate', type: 'Long', required: true },
    ...OWNER_PARAMS,
  ],
};
