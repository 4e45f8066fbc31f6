/**
 * Checkpoints in the safetensors format: raw encode/decode of named tensors, and whole training
 * checkpoints (`{ params, state, optState, ... }`) whose tree structure travels in the file's
 * metadata, so that loading rebuilds the exact tree. Files written here load in PyTorch with
 * `safetensors.torch.load_file`, and plain safetensors files load here as flat records. Every
 * reader treats the file as hostile and gives the Rust safetensors reader's verdicts. PyTorch
 * state dicts map to and from a model's parameters and state with `toTorchStateDict`,
 * `fromTorchStateDict` and their file forms (`saveTorchStateDict`, `loadTorchStateDict`).
 *
 * @example
 * ```ts
 * import { decodeCheckpoint, encodeCheckpoint } from "./files.ts";
 * import { tensor } from "./tensor.ts";
 * const checkpoint = { params: [{ w: tensor([[1, 2]]), b: tensor([0]) }, null], step: 7 };
 * const back = decodeCheckpoint(encodeCheckpoint(checkpoint)) as typeof checkpoint;
 * if (back.step !== 7 || back.params[0]?.w.data[1] !== 2) throw new Error("unexpected");
 * ```
 *
 * @module
 */

export {
  decodeSafetensors,
  encodeSafetensors,
  type Safetensors,
  type SafetensorsDType,
} from "./checkpoint/safetensors.ts";
export {
  type CheckpointTree,
  decodeCheckpoint,
  encodeCheckpoint,
  TREE_METADATA_KEY,
} from "./checkpoint/checkpoint_tree.ts";
export {
  type Checkpoint,
  loadCheckpoint,
  saveCheckpoint,
  type SaveCheckpointOptions,
} from "./checkpoint/files.ts";
export {
  isStoredTensor,
  type StoredDType,
  type StoredTensor,
  storedToTensor,
} from "./checkpoint/stored_tensor.ts";
export { fromTorchStateDict } from "./checkpoint/torch_from.ts";
export {
  type FromTorch,
  type TorchMappable,
  type TorchStateDict,
  type ToTorchOptions,
  toTorchStateDict,
} from "./checkpoint/torch.ts";
export {
  decodeTorchStateDict,
  encodeTorchStateDict,
  loadTorchStateDict,
  saveTorchStateDict,
} from "./checkpoint/torch_files.ts";
