/** dyvmsapi, the Voice Service product (spec §1.1, §3.7). */
import type { RpcProduct } from '../rpc/registry.ts';

export const DYVMSAPI: RpcProduct = {
  code: 'dyvmsapi',
  hostId: 'dyvmsapi.aliyuncs.com',
  version: '2017-05-25',
};

/** The actions that place a call and return a CallId (spec §3.1-§3.4, §3.6). */
export type CallAction = 'SingleCallByTts' | 'SingleCallByVoice' | 'IvrCall' | 'ClickToDial' | 'SmartCall';

/**
 * spec §3.7: the ProdId QueryCallDetailByCallId needs for each kind of call. ClickToDial's is
 * unverified, so any ProdId finds a ClickToDial call.
 */
export const PRODUCT_IDS: Readonly<Record<CallAction, string | undefined>> = {
  SingleCallByVoice: '11000000300006',
  SingleCallByTts: '11010000138001',
  IvrCall: '11000000300005',
  SmartCall: '11030000180001',
  ClickToDial: undefined,
};
