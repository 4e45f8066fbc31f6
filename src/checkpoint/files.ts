/**
 * Saving and loading whole training checkpoints as safetensors files, with `node:fs/promises`
 * so the same code runs under Deno and Bun.
 *
 * @module
 */

import { readFile, rename, rm, writeFile } from "node:fs/promises";
import { checkOptions, rethrowAs } from "../_checks.ts";
import { fileError, filePath } from "../file_errors.ts";
import { isTensor } from "../tensor.ts";
import { type CheckpointTree, decodeCheckpointAs, encodeCheckpoint } from "./checkpoint_tree.ts";

/**
 * A training checkpoint: named trees, typically `{ params, state, optState }` plus whatever
 * else the run needs to resume (an epoch, a step count, the best loss so far).
 */
export type Checkpoint = { readonly [name: string]: CheckpointTree };

/** Options of {@linkcode saveCheckpoint}. */
export interface SaveCheckpointOptions {
  /** Extra `__metadata__` strings (the key `gradstream.tree` is reserved). */
  metadata?: Readonly<Record<string, string>>;
}

/**
 * Writes a checkpoint to `path` as a safetensors file: each tensor under its path
 * (`params.0.w`), the structure in the metadata (see `encodeCheckpoint`). The file is written
 * beside the target and renamed into place, so a crash mid-write never leaves a truncated
 * checkpoint under the real name.
 *
 * @example
 * ```ts
 * import { loadCheckpoint, saveCheckpoint } from "./files.ts";
 * import { tensor } from "../tensor.ts";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { rm } from "node:fs/promises";
 * const path = join(tmpdir(), `gradstream-doc-${Date.now()}.safetensors`);
 * await saveCheckpoint(path, { params: { w: tensor([1, 2]) }, state: null, step: 3 });
 * const back = await loadCheckpoint(path);
 * await rm(path);
 * if (back.step !== 3 || back.state !== null) throw new Error("unexpected");
 * ```
 */
export async function saveCheckpoint(
  path: string | URL,
  checkpoint: Checkpoint,
  options: SaveCheckpointOptions = {},
): Promise<void> {
  if (typeof checkpoint !== "object" || checkpoint === null || Array.isArray(checkpoint)) {
    throw new TypeError(
      `saveCheckpoint: a checkpoint is an object such as { params, state, optState }, got ${
        checkpoint === null ? "null" : Array.isArray(checkpoint) ? "an array" : typeof checkpoint
      }`,
    );
  }
  const op = "saveCheckpoint";
  const target = filePath(op, path);
  const { metadata } = checkOptions(op, options, ["metadata"]);
  const bytes = rethrowAs(op, () => encodeCheckpoint(checkpoint, metadata));
  const partial = `${target}.partial`;
  try {
    await writeFile(partial, bytes);
    await rename(partial, target);
  } catch (e) {
    await rm(partial, { force: true }).catch(() => {});
    throw fileError("saveCheckpoint", target, e, "write");
  }
}

/**
 * Reads a checkpoint written by {@linkcode saveCheckpoint}, rebuilding the exact tree. The
 * whole file is validated before anything is built, and every error names the file. A plain
 * safetensors file (no gradstream skeleton) loads as a flat record `{ name: tensor }`, its
 * `F16`/`BF16` tensors widened to float32 and its integer tensors (`num_batches_tracked`) to
 * float64. A read Deno denies says which `--allow-read` flag grants it.
 *
 * @example
 * ```ts
 * import { loadCheckpoint, saveCheckpoint } from "./files.ts";
 * import { tensor } from "../tensor.ts";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { rm } from "node:fs/promises";
 * const path = join(tmpdir(), `gradstream-doc-load-${Date.now()}.safetensors`);
 * await saveCheckpoint(path, { optState: [{ count: tensor([4], [], "float64") }, null] });
 * const { optState } = await loadCheckpoint(path) as { optState: [{ count: { data: Float64Array } }, null] };
 * await rm(path);
 * if (optState[0].count.data[0] !== 4) throw new Error("unexpected");
 * ```
 */
export async function loadCheckpoint(path: string | URL): Promise<Checkpoint> {
  const target = filePath("loadCheckpoint", path);
  let bytes: Uint8Array;
  try {
    bytes = await readFile(target);
  } catch (e) {
    throw fileError("loadCheckpoint", target, e, "read");
  }
  const tree = decodeCheckpointAs(
    new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength),
    `loadCheckpoint: ${target}`,
  );
  if (typeof tree !== "object" || tree === null || Array.isArray(tree) || isTensor(tree)) {
    throw new TypeError(
      `loadCheckpoint: ${target} holds a tree whose root is not an object of named trees`,
    );
  }
  return tree as Checkpoint;
}
