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
import type { Tensor } from "../tensor.ts";
import { type JsonNode, JsonSyntaxError, parseJson } from "./json.ts";
import { describeJson, quote } from "./json_print.ts";
import { decodeSafetensorsAs, encodeNamedTensors, type NamedTensor } from "./safetensors.ts";
import { storedToTensor } from "./stored_tensor.ts";
import {
  type CheckpointTree,
  define,
  fromSkeleton,
  MAX_CHECKPOINT_DEPTH,
  MAX_SKELETON_JSON_DEPTH,
  SKELETON_VERSION,
  toSkeleton,
} from "./checkpoint_skeleton.ts";

export { type CheckpointTree, MAX_CHECKPOINT_DEPTH } from "./checkpoint_skeleton.ts";

/** The metadata key that holds the tree skeleton. */
export const TREE_METADATA_KEY = "gradstream.tree";

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
