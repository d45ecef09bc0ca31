/**
 * Which actions the gateway serves. Products (dyvmsapi now, dybaseapi next) register their
 * actions here; the gateway knows nothing about any one of them.
 */
import { actionNotFound, invalidVersion } from './errors.ts';

export interface RpcProduct {
  /** Product code, e.g. `dyvmsapi`. */
  code: string;
  /** `HostId` of error envelopes (docs/alibaba/rpc.md#response-envelope), e.g. `dyvmsapi.aliyuncs.com`. */
  hostId: string;
  /** API version (docs/alibaba/rpc.md#endpoints). */
  version: string;
}

export interface ActionContext {
  /** The action's parameters as received: flattened wire names, string values. */
  params: Readonly<Record<string, string>>;
  /** The sandbox clock, epoch milliseconds. */
  now: number;
}

export interface RpcAction {
  name: string;
  product: RpcProduct;
  /** False for parameters Alibaba would ignore; the request log lists those. */
  isKnownParam(name: string): boolean;
  /** The response's own fields (beside RequestId, Code, Message); throws RpcError to refuse. */
  handle(context: ActionContext): Record<string, unknown>;
}

export class ActionRegistry {
  private readonly actions = new Map<string, RpcAction>();
  private readonly versions = new Set<string>();

  /** `defaultProduct` names errors raised before an action is known. */
  constructor(readonly defaultProduct: RpcProduct) {}

  register(...actions: RpcAction[]): this {
    for (const action of actions) {
      if (this.actions.has(action.name)) throw new Error(`RPC action ${action.name} registered twice`);
      this.actions.set(action.name, action);
      this.versions.add(action.product.version);
    }
    return this;
  }

  /** The version is checked first: Alibaba answers InvalidVersion before looking at the action. */
  resolve(version: string, name: string): RpcAction {
    if (!this.versions.has(version)) throw invalidVersion(version);
    const action = this.actions.get(name);
    if (!action) throw actionNotFound(name);
    if (action.product.version !== version) throw invalidVersion(version);
    return action;
  }
}
