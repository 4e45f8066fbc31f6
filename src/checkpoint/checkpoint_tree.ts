/**
 * Whole training checkpoints as safetensors bytes: every tensor of the tree is stored under its
 * path (`params.0.w`, `optState.0.mu.1.b`), and the tree's structure (arrays, objects, nulls and
 * plain numbers, booleans and strings such as a step count) is stored as a JSON skeleton in
 * `__metadata__["gradstream.tree"]`, so decoding rebuilds exactly the tree that was encoded.
 *
 * Skeleton nodes: `null`, booleans, strings and finite numbers stand for themselves; arrays
 * are arrays; `{"object": {...}}` is an object; `{"tensor": name}` is a tensor; and
 * `{"number": "NaN" | "Infinity" | "-Infinity" | "-0"}` is a number JSON cannot spell.
 *
 * @module
 */

import { checkStringRecord } from "../_checks.ts";
import { isTensor, type Tensor } from "../tensor.ts";
import { formatPath } from "../tree.ts";
import { type JsonNode, JsonSyntaxError, parseJson } from "./json.ts";
import { describeJson, quote } from "./json_print.ts";
import { decodeSafetensorsAs, encodeNamedTensors, type NamedTensor } from "./safetensors.ts";
import { storedToTensor } from "./stored_tensor.ts";

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

/** The metadata key that holds the tree skeleton. */
export const TREE_METADATA_KEY = "gradstream.tree";
const SKELETON_VERSION = 1;
/**
 * The deepest tree a checkpoint holds (arrays and objects nested inside one another). The
 * skeleton spends at most two JSON levels per tree level, so its parser's limit follows.
 */
export const MAX_CHECKPOINT_DEPTH = 100;
const MAX_SKELETON_JSON_DEPTH = 2 * MAX_CHECKPOINT_DEPTH + 2;
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

type Skeleton =
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

function toSkeleton(
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

/**
 * Serialises a checkpoint tree as safetensors bytes (see the module doc for the layout).
 * `metadata` adds string entries to `__metadata__`; its key `gradstream.tree` is reserved.
 *
 * @example
 * ```ts
 * import { decodeCheckpoint, encodeCheckpoint } from "./checkpoint_tree.ts";
 * import { tensor } from "../tensor.ts";
 * const bytes = encodeCheckpoint({ params: [{ w: tensor([1, 2]) }, null], step: 12 });
 * const back = decodeCheckpoint(bytes) as { params: [{ w: { data: Float32Array } }, null]; step: number };
 * if (back.step !== 12 || back.params[0].w.data[1] !== 2 || back.params[1] !== null) {
 *   throw new Error("unexpected");
 * }
 * ```
 */
export function encodeCheckpoint(
  tree: CheckpointTree,
  metadata: Readonly<Record<string, string>> = {},
): Uint8Array {
  checkStringRecord("encodeCheckpoint", "metadata", metadata);
  if (Object.hasOwn(metadata, TREE_METADATA_KEY)) {
    throw new TypeError(`encodeCheckpoint: the metadata key "${TREE_METADATA_KEY}" is reserved`);
  }
  const tensors: NamedTensor[] = [];
  const skeleton = toSkeleton(tree, [], tensors, new Set());
  const json = JSON.stringify({ version: SKELETON_VERSION, tree: skeleton });
  return encodeNamedTensors(
    tensors,
    { ...metadata, [TREE_METADATA_KEY]: json },
    "encodeCheckpoint",
  );
}

const define = (record: object, k: string, value: unknown) =>
  Object.defineProperty(record, k, { value, enumerable: true, writable: true, configurable: true });

/**
 * Builds the tree a skeleton describes, checking it as it goes: every node well formed, every
 * tensor held by the file and placed once. Recursion is bounded by the parser's depth limit.
 */
function fromSkeleton(
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

/**
 * Decodes checkpoint bytes back into the tree {@linkcode encodeCheckpoint} stored. A
 * safetensors file without a gradstream skeleton (one written by PyTorch, say) decodes as a
 * flat record `{ name: tensor }`. Everything, file and skeleton, is validated before the tree
 * is built; errors are `TypeError`s and `RangeError`s naming the tensor or path at fault.
 *
 * @example
 * ```ts
 * import { decodeCheckpoint, encodeCheckpoint } from "./checkpoint_tree.ts";
 * const back = decodeCheckpoint(encodeCheckpoint({ best: Infinity, done: false, tag: "run-1" }));
 * if ((back as { best: number }).best !== Infinity) throw new Error("unexpected");
 * ```
 */
export function decodeCheckpoint(bytes: Uint8Array): CheckpointTree {
  return decodeCheckpointAs(bytes, "decodeCheckpoint");
}

/** {@linkcode decodeCheckpoint} whose errors start with `prefix` (a function and a file). */
export function decodeCheckpointAs(bytes: Uint8Array, prefix: string): CheckpointTree {
  const { tensors, metadata, others } = decodeSafetensorsAs(bytes, prefix);
  const all = new Map(Object.entries(tensors));
  for (const [name, stored] of Object.entries(others)) {
    try {
      all.set(name, storedToTensor(stored, undefined, `tensor ${quote(name, 60)}`));
    } catch (e) {
      const message = (e as Error).message.replace(/^storedToTensor: /, "");
      throw new (e instanceof RangeError ? RangeError : TypeError)(
        `${prefix}: ${message} (decodeSafetensors reads it as bytes)`,
      );
    }
  }
  if (!Object.hasOwn(metadata, TREE_METADATA_KEY)) {
    const flat: Record<string, Tensor> = {};
    for (const [name, t] of all) define(flat, name, t);
    return flat;
  }
  let parsed: JsonNode;
  try {
    parsed = parseJson(metadata[TREE_METADATA_KEY], { maxDepth: MAX_SKELETON_JSON_DEPTH });
  } catch (e) {
    if (!(e instanceof JsonSyntaxError)) throw e;
    throw new TypeError(
      `${prefix}: metadata "${TREE_METADATA_KEY}" is not valid JSON (${e.reason}${
        e.reason === "recursion limit exceeded"
          ? `: checkpoints nest at most ${MAX_CHECKPOINT_DEPTH} levels`
          : ""
      } at character ${e.offset})`,
    );
  }
  const fields = new Map<string, JsonNode>();
  if (parsed.kind === "object") {
    for (const [k, v] of parsed.entries) {
      if (fields.has(k)) {
        throw new TypeError(
          `${prefix}: metadata "${TREE_METADATA_KEY}" repeats the key ${quote(k, 40)}`,
        );
      }
      fields.set(k, v);
    }
  }
  const tree = fields.get("tree"), version = fields.get("version");
  if (tree === undefined) {
    throw new TypeError(`${prefix}: metadata "${TREE_METADATA_KEY}" has no tree`);
  }
  if (version?.kind !== "number" || version.value !== SKELETON_VERSION) {
    throw new TypeError(
      `${prefix}: unsupported tree skeleton version ${
        version === undefined ? "(none)" : describeJson(version, 30)
      } (this gradstream reads version ${SKELETON_VERSION})`,
    );
  }
  const placed = new Set<string>();
  const result = fromSkeleton(tree, [], all, placed, prefix);
  for (const name of all.keys()) {
    if (!placed.has(name)) {
      throw new TypeError(
        `${prefix}: tensor ${quote(name, 60)} is not placed by the tree skeleton`,
      );
    }
  }
  return result;
}
