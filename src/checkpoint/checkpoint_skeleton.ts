/**
 * The tree skeleton of a checkpoint (see `checkpoint_tree.ts`): a tree turned into JSON nodes
 * with its tensors set aside under their paths, and a parsed skeleton checked and turned back
 * into the tree, every tensor placed once.
 *
 * @module
 */

import { isTensor, type Tensor } from "../tensor.ts";
import { formatPath } from "../tree.ts";
import type { JsonNode } from "./json.ts";
import { describeJson, quote } from "./json_print.ts";
import type { NamedTensor } from "./safetensors.ts";

/**
 * What a checkpoint can hold: tensors, `null`, numbers, booleans and strings, nested in arrays
 * and plain objects. Every parameter tree and optimiser state is one.
 */
export type CheckpointTree =
  | Tensor
  | null
  | number
  | boolean
  | string
  | readonly CheckpointTree[]
  | { readonly [name: string]: CheckpointTree };

/** The version of the skeleton format this gradstream writes and reads. */
export const SKELETON_VERSION = 1;
/**
 * The deepest tree a checkpoint holds (arrays and objects nested inside one another). The
 * skeleton spends at most two JSON levels per tree level, so its parser's limit follows.
 */
export const MAX_CHECKPOINT_DEPTH = 100;
/** The skeleton parser's nesting limit: two JSON levels per tree level, and the wrapper. */
export const MAX_SKELETON_JSON_DEPTH = 2 * MAX_CHECKPOINT_DEPTH + 2;
const SPECIAL_NUMBERS: ReadonlyMap<string, number> = new Map([
  ["NaN", NaN],
  ["Infinity", Infinity],
  ["-Infinity", -Infinity],
  ["-0", -0],
]);

/** A tree path printed in a bounded number of characters (keys may be long, trees deep). */
function pathText(path: readonly (string | number)[]): string {
  const text = formatPath(
    path.map((p) => typeof p === "string" && p.length > 40 ? `${p.slice(0, 40)}…` : p),
  );
  return text.length > 200 ? `…${text.slice(-200)}` : text;
}

/** The JSON form of a tree (see the module doc of `checkpoint_tree.ts`). */
export type Skeleton =
  | null
  | boolean
  | string
  | number
  | Skeleton[]
  | { object: Record<string, Skeleton> }
  | { tensor: string }
  | { number: string };

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function uniqueName(path: (string | number)[], used: Set<string>): string {
  const base = formatPath(path);
  let name = base;
  // A key containing a dot can make two paths print alike; the skeleton records the real name.
  for (let k = 2; used.has(name) || name === "__metadata__"; k++) name = `${base}#${k}`;
  used.add(name);
  return name;
}

/** A lone surrogate has no UTF-8 form: JSON would escape it and no reader would take it back. */
function checkText(s: string, path: (string | number)[], what: string): string {
  if (!(s as string & { isWellFormed(): boolean }).isWellFormed()) {
    throw new TypeError(
      `encodeCheckpoint: the ${what} ${quote(s, 40)} at ${
        pathText(path)
      } holds a lone surrogate (not Unicode text)`,
    );
  }
  return s;
}

/**
 * The skeleton of `node` at `path`, pushing its tensors onto `tensors` under unique names; a
 * value a checkpoint cannot hold is a `TypeError` naming its path.
 */
export function toSkeleton(
  node: unknown,
  path: (string | number)[],
  tensors: NamedTensor[],
  used: Set<string>,
): Skeleton {
  if (typeof node === "string") return checkText(node, path, "string");
  if (node === null || typeof node === "boolean") return node;
  if (typeof node === "number") {
    if (Number.isFinite(node) && !Object.is(node, -0)) return node;
    return { number: Object.is(node, -0) ? "-0" : String(node) };
  }
  if (path.length > MAX_CHECKPOINT_DEPTH) {
    throw new RangeError(
      `encodeCheckpoint: the tree nests deeper than ${MAX_CHECKPOINT_DEPTH} levels at ${
        pathText(path)
      } (a cycle, or a tree no checkpoint reader would accept)`,
    );
  }
  if (isTensor(node)) {
    const name = uniqueName(path, used);
    tensors.push({ name, tensor: node });
    return { tensor: name };
  }
  if (Array.isArray(node)) {
    // An index loop, not map, so a hole in a sparse array is seen (and refused) as undefined.
    const out: Skeleton[] = [];
    for (let i = 0; i < node.length; i++) {
      out.push(toSkeleton(node[i], [...path, i], tensors, used));
    }
    return out;
  }
  if (isPlainObject(node)) {
    const object: Record<string, Skeleton> = {};
    for (const k of Object.keys(node).sort()) {
      checkText(k, path, "key");
      Object.defineProperty(object, k, {
        value: toSkeleton(node[k], [...path, k], tensors, used),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return { object };
  }
  throw new TypeError(
    `encodeCheckpoint: cannot store ${node === undefined ? "undefined" : typeof node} at ${
      pathText(path)
    } (checkpoints hold tensors, numbers, booleans, strings and null in arrays and plain objects)`,
  );
}

/** Sets an own enumerable property, even one named `__proto__`. */
export const define = (record: object, k: string, value: unknown) =>
  Object.defineProperty(record, k, { value, enumerable: true, writable: true, configurable: true });

/**
 * Builds the tree a skeleton describes, checking it as it goes: every node well formed, every
 * tensor held by the file and placed once. Recursion is bounded by the parser's depth limit.
 */
export function fromSkeleton(
  node: JsonNode,
  path: (string | number)[],
  tensors: ReadonlyMap<string, Tensor>,
  placed: Set<string>,
  prefix: string,
): CheckpointTree {
  const where = () => `${prefix}: the tree skeleton at ${pathText(path)}`;
  if (path.length > MAX_CHECKPOINT_DEPTH) {
    throw new TypeError(
      `${where()} nests deeper than checkpoints do (at most ${MAX_CHECKPOINT_DEPTH} levels)`,
    );
  }
  switch (node.kind) {
    case "null":
      return null;
    case "boolean":
    case "string":
    case "number":
      return node.value;
    case "array":
      return node.items.map((c, i) => fromSkeleton(c, [...path, i], tensors, placed, prefix));
  }
  const [tag, value] = node.entries.length === 1 ? node.entries[0] : ["", node];
  if (tag === "tensor" && value.kind === "string") {
    const t = tensors.get(value.value);
    if (t === undefined) {
      throw new TypeError(
        `${where()} names tensor ${quote(value.value, 60)}, which the file does not hold`,
      );
    }
    if (placed.has(value.value)) {
      throw new TypeError(`${where()} places tensor ${quote(value.value, 60)} a second time`);
    }
    placed.add(value.value);
    return t;
  }
  if (tag === "number" && value.kind === "string") {
    const v = SPECIAL_NUMBERS.get(value.value);
    if (v === undefined) {
      throw new TypeError(`${where()} holds an unknown number ${quote(value.value, 30)}`);
    }
    return v;
  }
  if (tag === "object" && value.kind === "object") {
    const out: Record<string, CheckpointTree> = {};
    for (const [k, child] of value.entries) {
      if (Object.hasOwn(out, k)) throw new TypeError(`${where()} repeats the key ${quote(k, 60)}`);
      define(out, k, fromSkeleton(child, [...path, k], tensors, placed, prefix));
    }
    return out;
  }
  throw new TypeError(`${where()} is not a skeleton node: ${describeJson(node, 60)}`);
}
