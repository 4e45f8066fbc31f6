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

import { isTensor, type Tensor } from "../tensor.ts";
import { formatPath } from "../tree.ts";
import { decodeSafetensors, encodeNamedTensors, type NamedTensor } from "./safetensors.ts";

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
const SPECIAL_NUMBERS: Readonly<Record<string, number>> = {
  "NaN": NaN,
  "Infinity": Infinity,
  "-Infinity": -Infinity,
  "-0": -0,
};

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

function toSkeleton(
  node: unknown,
  path: (string | number)[],
  tensors: NamedTensor[],
  used: Set<string>,
): Skeleton {
  if (node === null || typeof node === "boolean" || typeof node === "string") return node;
  if (typeof node === "number") {
    if (Number.isFinite(node) && !Object.is(node, -0)) return node;
    return { number: Object.is(node, -0) ? "-0" : String(node) };
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
      formatPath(path)
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

/** Throws unless `node` is a well-formed skeleton whose tensors exist; records their names. */
function checkSkeleton(
  node: unknown,
  path: (string | number)[],
  tensors: Record<string, Tensor>,
  placed: Set<string>,
): void {
  const where = () => `decodeCheckpoint: the tree skeleton at ${formatPath(path)}`;
  if (node === null || typeof node === "boolean" || typeof node === "string") return;
  if (typeof node === "number") return;
  if (Array.isArray(node)) {
    node.forEach((c, i) => checkSkeleton(c, [...path, i], tensors, placed));
    return;
  }
  if (typeof node !== "object") throw new TypeError(`${where()} is not a skeleton node`);
  const keys = Object.keys(node);
  const o = node as Record<string, unknown>;
  if (keys.length === 1 && keys[0] === "tensor" && typeof o.tensor === "string") {
    if (!Object.hasOwn(tensors, o.tensor)) {
      throw new TypeError(`${where()} names tensor "${o.tensor}", which the file does not hold`);
    }
    if (placed.has(o.tensor)) {
      throw new TypeError(`${where()} places tensor "${o.tensor}" a second time`);
    }
    placed.add(o.tensor);
    return;
  }
  if (keys.length === 1 && keys[0] === "number" && typeof o.number === "string") {
    if (!Object.hasOwn(SPECIAL_NUMBERS, o.number)) {
      throw new TypeError(`${where()} holds an unknown number ${JSON.stringify(o.number)}`);
    }
    return;
  }
  if (keys.length === 1 && keys[0] === "object" && isPlainObject(o.object)) {
    const obj = o.object;
    for (const k of Object.keys(obj)) checkSkeleton(obj[k], [...path, k], tensors, placed);
    return;
  }
  throw new TypeError(`${where()} is not a skeleton node: ${JSON.stringify(node).slice(0, 80)}`);
}

function fromSkeleton(node: Skeleton, tensors: Record<string, Tensor>): CheckpointTree {
  if (node === null || typeof node !== "object") return node;
  if (Array.isArray(node)) return node.map((c) => fromSkeleton(c, tensors));
  if ("tensor" in node) return tensors[node.tensor];
  if ("number" in node) return SPECIAL_NUMBERS[node.number];
  // fromEntries defines own properties, so even a key named "__proto__" comes back as data.
  return Object.fromEntries(
    Object.keys(node.object).map((k) => [k, fromSkeleton(node.object[k], tensors)]),
  );
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
  const { tensors, metadata } = decodeSafetensors(bytes);
  if (!Object.hasOwn(metadata, TREE_METADATA_KEY)) return tensors;
  let parsed: unknown;
  try {
    parsed = JSON.parse(metadata[TREE_METADATA_KEY]);
  } catch (e) {
    throw new TypeError(
      `decodeCheckpoint: metadata "${TREE_METADATA_KEY}" is not valid JSON (${
        (e as Error).message
      })`,
    );
  }
  if (!isPlainObject(parsed) || !Object.hasOwn(parsed, "tree")) {
    throw new TypeError(`decodeCheckpoint: metadata "${TREE_METADATA_KEY}" has no tree`);
  }
  if (parsed.version !== SKELETON_VERSION) {
    throw new TypeError(
      `decodeCheckpoint: unsupported tree skeleton version ${JSON.stringify(parsed.version)} ` +
        `(this gradstream reads version ${SKELETON_VERSION})`,
    );
  }
  const placed = new Set<string>();
  checkSkeleton(parsed.tree, [], tensors, placed);
  for (const name of Object.keys(tensors)) {
    if (!placed.has(name)) {
      throw new TypeError(`decodeCheckpoint: tensor "${name}" is not placed by the tree skeleton`);
    }
  }
  return fromSkeleton(parsed.tree as Skeleton, tensors);
}
