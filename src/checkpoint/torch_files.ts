/**
 * PyTorch state dicts as safetensors bytes and files: the mapping of `./torch.ts` (names,
 * layouts, the Linear transpose) encoded with the safetensors writer, so `safetensors.torch`
 * reads what gradstream writes and the other way round.
 *
 * @module
 */

import { readFile, rename, rm, writeFile } from "node:fs/promises";
import { fileError, filePath, renameError } from "../file_errors.ts";
import type { Tree } from "../tree.ts";
import { decodeSafetensorsAs, encodeNamedTensors } from "./safetensors.ts";
import {
  checkTrees,
  type FromTorch,
  type TorchMappable,
  toTorchAs,
  type ToTorchOptions,
} from "./torch.ts";
import { fromTorchAs } from "./torch_from.ts";

/**
 * {@linkcode toTorchStateDict} as safetensors bytes, which `safetensors.torch.load` (or
 * `load_file` on a saved copy) turns into a dict `model.load_state_dict` accepts.
 */
export function encodeTorchStateDict(
  model: TorchMappable,
  options: ToTorchOptions = {},
): Uint8Array {
  const dict = toTorchAs(model, options, "encodeTorchStateDict");
  return encodeNamedTensors(
    Object.entries(dict).map(([name, tensor]) => ({ name, tensor })),
    { format: "pt" },
    "encodeTorchStateDict",
  );
}

/** {@linkcode fromTorchStateDict} of safetensors bytes (`safetensors.torch.save(model.state_dict())`). */
export function decodeTorchStateDict<P extends Tree, S extends Tree>(
  bytes: Uint8Array,
  template: TorchMappable<P, S>,
): FromTorch<P, S> {
  const op = "decodeTorchStateDict";
  const { tensors, others } = decodeSafetensorsAs(bytes, op);
  return fromTorchAs({ ...tensors, ...others }, template, op);
}

/**
 * Writes a model's parameters and state as a PyTorch state dict in a safetensors file:
 * `model.load_state_dict(safetensors.torch.load_file(path))` in Python restores them.
 *
 * @example
 * ```ts
 * import { loadTorchStateDict, saveTorchStateDict } from "./torch_files.ts";
 * import { batchNorm, dense, reluLayer, serial } from "../../mod.ts";
 * import { key } from "../random.ts";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { rm } from "node:fs/promises";
 * const model = serial(dense(4), reluLayer(), batchNorm(), dense(2));
 * const trained = model.init(key(0), [3]);
 * const path = join(tmpdir(), `gradstream-doc-torch-${Date.now()}.safetensors`);
 * await saveTorchStateDict(path, trained, { numBatchesTracked: 5 });
 * const back = await loadTorchStateDict(path, model.init(key(1), [3]));
 * await rm(path);
 * if (back.numBatchesTracked["2."] !== 5) throw new Error("unexpected");
 * ```
 */
export async function saveTorchStateDict(
  path: string,
  model: TorchMappable,
  options: ToTorchOptions = {},
): Promise<void> {
  const op = "saveTorchStateDict";
  filePath(op, path);
  const bytes = (() => {
    try {
      return encodeTorchStateDict(model, options);
    } catch (e) {
      throw renameError(e, "encodeTorchStateDict", op);
    }
  })();
  const partial = `${path}.partial`;
  try {
    await writeFile(partial, bytes);
    await rename(partial, path);
  } catch (e) {
    await rm(partial, { force: true }).catch(() => {});
    throw fileError("saveTorchStateDict", path, e, "write");
  }
}

/**
 * Reads a PyTorch state dict saved as safetensors (`safetensors.torch.save_file(
 * model.state_dict(), path)`) into a model's parameters and state, shaped as `template`.
 * Errors name the file.
 */
export async function loadTorchStateDict<P extends Tree, S extends Tree>(
  path: string,
  template: TorchMappable<P, S>,
): Promise<FromTorch<P, S>> {
  filePath("loadTorchStateDict", path);
  checkTrees("loadTorchStateDict", template, "the template");
  let raw: Uint8Array;
  try {
    raw = await readFile(path);
  } catch (e) {
    throw fileError("loadTorchStateDict", path, e, "read");
  }
  const op = `loadTorchStateDict: ${path}`;
  const { tensors, others } = decodeSafetensorsAs(
    new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength),
    op,
  );
  return fromTorchAs({ ...tensors, ...others }, template, op);
}
