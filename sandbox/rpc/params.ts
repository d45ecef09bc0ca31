/**
 * Wire-parameter validation for every product's actions, written from docs/alibaba/actions.md and docs/alibaba/receipts.md#querytokenformnsqueue
 * independently of the bundle's request schemas (the sandbox is the check on our client, so it
 * must not share its mistakes).
 *
 * Two layers, in Alibaba's order: the gateway first refuses absent required parameters
 * (`Missing<Param>`) and values that are not of the declared wire type (`InvalidParameter`); only
 * then does the product check limits and formats (`isv.*`).
 */
import { invalidParameter, invalidParameters, missingParameter } from './errors.ts';
import type { ActionContext, RpcAction, RpcProduct } from './registry.ts';

export type WireParams = Readonly<Record<string, string>>;

/** docs/alibaba/actions.md "Type" column. `Number` is NoiseThreshold's undocumented numeric type. */
export type WireType = 'String' | 'Integer' | 'Long' | 'Boolean' | 'Number';

/** A business check: throws an RpcError (`isv.*`) naming the parameter. */
export type ValueCheck = (value: string, name: string) => void;

export interface ParamRule {
  name: string;
  type: WireType;
  required?: boolean;
  check?: ValueCheck;
}

/** A repeat list flattened as `Name.N.Field`, N = 1, 2, ... (docs/alibaba/rpc.md#common-parameters). */
export interface ListRule {
  name: string;
  fields: readonly { name: string; required?: boolean; check?: ValueCheck }[];
  /** Checks across items, e.g. unique keys. */
  checkItems?: (items: readonly Readonly<Record<string, string>>[]) => void;
}

export interface ActionParamRules {
  params: readonly ParamRule[];
  lists?: readonly ListRule[];
  /** Checks across parameters, after every single one passed. */
  checkAll?: (params: WireParams) => void;
}

const INTEGER = /^[+-]?\d+$/;
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const INT32 = { min: -(2n ** 31n), max: 2n ** 31n - 1n };
const INT64 = { min: -(2n ** 63n), max: 2n ** 63n - 1n };

const TYPE_TESTS: Readonly<Record<WireType, (value: string) => boolean>> = {
  String: () => true,
  Integer: (value) => INTEGER.test(value) && inRange(BigInt(value), INT32),
  Long: (value) => INTEGER.test(value) && inRange(BigInt(value), INT64),
  Boolean: (value) => /^(true|false)$/i.test(value),
  Number: (value) => NUMBER.test(value),
};

function inRange(value: bigint, range: { min: bigint; max: bigint }): boolean {
  return value >= range.min && value <= range.max;
}

/** Throws the first problem Alibaba would report. */
export function validateParams(rules: ActionParamRules, params: WireParams): void {
  // Gateway layer. An empty value is as good as absent for a required parameter.
  for (const rule of rules.params) {
    if (rule.required && !params[rule.name]) throw missingParameter(rule.name);
  }
  for (const rule of rules.params) {
    const value = params[rule.name];
    if (value !== undefined && !TYPE_TESTS[rule.type](value)) throw invalidParameter(rule.name, rule.type);
  }
  // Product layer.
  for (const list of rules.lists ?? []) validateList(list, params);
  for (const rule of rules.params) {
    const value = params[rule.name];
    if (value !== undefined) rule.check?.(value, rule.name);
  }
  rules.checkAll?.(params);
}

/** Whether Alibaba would read this parameter at all (the rest is ignored, docs/alibaba/actions.md). */
export function isKnownParam(rules: ActionParamRules, name: string): boolean {
  if (rules.params.some((rule) => rule.name === name)) return true;
  return (rules.lists ?? []).some((list) => {
    const entry = parseListName(list.name, name);
    return entry !== undefined && list.fields.some((field) => field.name === entry.field);
  });
}

function parseListName(listName: string, name: string): { index: string; field: string } | undefined {
  if (!name.startsWith(`${listName}.`)) return undefined;
  const match = /^([^.]+)\.(.+)$/.exec(name.slice(listName.length + 1));
  return match ? { index: match[1]!, field: match[2]! } : undefined;
}

function validateList(list: ListRule, params: WireParams): void {
  const items = new Map<number, Record<string, string>>();
  for (const [name, value] of Object.entries(params)) {
    if (name === list.name || (name.startsWith(`${list.name}.`) && !parseListName(list.name, name))) {
      throw invalidParameters(`${name}: ${list.name} must be flattened as ${list.name}.N.Field (docs/alibaba/rpc.md#common-parameters).`);
    }
    const entry = parseListName(list.name, name);
    if (!entry) continue;
    if (!/^[1-9]\d*$/.test(entry.index)) {
      throw invalidParameters(`${name}: the index of ${list.name} must be 1, 2, ...`);
    }
    const index = Number(entry.index);
    const item = items.get(index) ?? {};
    item[entry.field] = value;
    items.set(index, item);
  }
  const ordered: Record<string, string>[] = [];
  for (let index = 1; index <= items.size; index += 1) {
    const item = items.get(index);
    if (!item) throw invalidParameters(`${list.name} has a gap: ${list.name}.${index} is missing.`);
    ordered.push(item);
  }
  ordered.forEach((item, position) => {
    for (const field of list.fields) {
      const name = `${list.name}.${position + 1}.${field.name}`;
      const value = item[field.name];
      if (field.required && !value) throw invalidParameters(`${name} is mandatory for each ${list.name} entry.`);
      if (value !== undefined) field.check?.(value, name);
    }
  });
  list.checkItems?.(ordered);
}

/** An action of `product` whose parameters are checked against `rules` before `handle` runs. */
export function validatedAction(
  product: RpcProduct,
  name: string,
  rules: ActionParamRules,
  handle: (context: ActionContext) => Record<string, unknown>,
): RpcAction {
  return {
    name,
    product,
    isKnownParam: (param) => isKnownParam(rules, param),
    handle(context) {
      validateParams(rules, context.params);
      return handle(context);
    },
  };
}
