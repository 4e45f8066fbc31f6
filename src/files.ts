/**
 * File formats, for reading and writing them directly: safetensors (and gradstream's checkpoint
 * trees in it), PyTorch state dicts and IDX files (gzipped or not). The everyday functions
 * (`saveModel`, `loadModel`, `saveCheckpoint`, `loadCheckpoint`, `loadMnist`) are in the main
 * entry point; this one (`gradstream/files`) is for working with the formats themselves.
 *
 * @example
 * ```ts
 * import { decodeSafetensors, encodeSafetensors } from "./files.ts";
 * import { tensor } from "./tensor.ts";
 * const bytes = encodeSafetensors({ w: tensor([1, 2]) });
 * if (decodeSafetensors(bytes).tensors.w.data[1] !== 2) throw new Error("unexpected");
 * ```
 *
 * @module
 */

export * from "./checkpoint.ts";
export {
  decodeIdxFile,
  gunzipIfNeeded,
  type IdxArray,
  type IdxData,
  type IdxType,
  parseIdx,
  readIdx,
} from "./data/idx.ts";
export { findMnistDir, idxToDataset, MNIST_FILES, type MnistFiles } from "./data/mnist.ts";
