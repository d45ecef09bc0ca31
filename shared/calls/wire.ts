import type { CallType, PlaceCallRequest } from './schemas.ts';

/** The Alibaba action behind each call type (README.md, POST /calls table). */
export const ACTION_BY_CALL_TYPE: Readonly<Record<CallType, string>> = {
  tts: 'SingleCallByTts',
  voice: 'SingleCallByVoice',
  ivr: 'IvrCall',
  clickToDial: 'ClickToDial',
  smart: 'SmartCall',
};

/**
 * ProdId for QueryCallDetailByCallId (docs/alibaba/actions.md#querycalldetailbycallid). Alibaba does not publish one for ClickToDial
 * (docs/alibaba/README.md#what-is-not-verified), so such calls need an explicit `prodId` to be queried live.
 */
export const PROD_ID_BY_CALL_TYPE: Readonly<Record<CallType, string | undefined>> = {
  tts: '11010000138001',
  voice: '11000000300006',
  ivr: '11000000300005',
  clickToDial: undefined,
  smart: '11030000180001',
};

/**
 * Turns a validated request into Alibaba wire parameters (docs/alibaba/rpc.md#common-parameters): PascalCase names, numbers as
 * decimal strings, booleans as true/false, JSON-object parameters serialised, MenuKeyMap flattened
 * as MenuKeyMap.N.Key / .Code / .TtsParams with N from 1.
 */
export function toWireParams(request: PlaceCallRequest & { outId: string }): Record<string, string> {
  const params: Record<string, string> = {};
  for (const [field, value] of Object.entries(request)) {
    if (field === 'type' || value === undefined) continue;
    if (field === 'menuKeyMap') {
      flattenList('MenuKeyMap', value as readonly Record<string, unknown>[], params);
      continue;
    }
    params[wireName(field)] = wireValue(value);
  }
  return params;
}

function flattenList(name: string, entries: readonly Record<string, unknown>[], params: Record<string, string>): void {
  entries.forEach((entry, index) => {
    for (const [field, value] of Object.entries(entry)) {
      if (value !== undefined) params[`${name}.${index + 1}.${wireName(field)}`] = wireValue(value);
    }
  });
}

function wireName(field: string): string {
  return field.charAt(0).toUpperCase() + field.slice(1);
}

function wireValue(value: unknown): string {
  return typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);
}
