/** dyvmsapi, the Voice Service product (docs/alibaba/rpc.md#endpoints, docs/alibaba/actions.md#querycalldetailbycallid). */
import type { RpcProduct } from '../rpc/registry.ts';

export const DYVMSAPI: RpcProduct = {
  code: 'dyvmsapi',
  hostId: 'dyvmsapi.aliyuncs.com',
  version: '2017-05-25',
};

/** The actions that place a call and return a CallId (docs/alibaba/actions.md, docs/alibaba/actions.md#smartcall). */
export type CallAction = 'SingleCallByTts' | 'SingleCallByVoice' | 'IvrCall' | 'ClickToDial' | 'SmartCall';

/**
 * docs/alibaba/actions.md#querycalldetailbycallid: the ProdId QueryCallDetailByCallId needs for each kind of call. ClickToDial's is
 * unverified, so any ProdId finds a ClickToDial call.
 */
export const PRODUCT_IDS: Readonly<Record<CallAction, string | undefined>> = {
  SingleCallByVoice: '11000000300006',
  SingleCallByTts: '11010000138001',
  IvrCall: '11000000300005',
  SmartCall: '11030000180001',
  ClickToDial: undefined,
};
