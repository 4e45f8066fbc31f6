/**
 * Sweep specs for the file formats in memory: checkpoints and safetensors, IDX, stored tensors
 * and PyTorch state dicts. Their asynchronous readers and writers (which reject rather than
 * throw) are swept in `test/model_io_errors_test.ts`.
 *
 * @module
 */

import * as mod from "../mod.ts";
import * as files from "../src/files.ts";

const g = { ...mod, ...files };
import { arg, dtype, fixed, type Spec, spec, t32 } from "./_sweep.ts";

const bytes = () => g.encodeSafetensors({ w: t32([1, 2]) });
const checkpointBytes = () => g.encodeCheckpoint({ params: { w: t32([1, 2]) }, step: 1 });
const badBytes = [3, "bytes", [1, 2], {}, new Uint8Array(3), new Uint8Array(16)];
const idxBytes = () => new Uint8Array([0, 0, 8, 1, 0, 0, 0, 1, 7]);
const idxImages = () =>
  g.parseIdx(new Uint8Array([0, 0, 8, 3, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 2, 9, 9]));
const model = () => g.serial(g.dense(2, { dtype: "float64" }), g.reluLayer(), g.dense(1));
const trees = () => model().init(g.key(0), [3]);
const badTrees = [3, "x", {}, { params: null }];

/** Checkpoints, safetensors, IDX and PyTorch state dicts in memory. */
export const fileSpecs: Spec[] = [
  spec("encodeCheckpoint", g.encodeCheckpoint, [
    arg(() => ({ params: { w: t32([1]) } }), undefined, [Symbol("s")], { f: () => 1 }),
    arg(() => ({ note: "x" }), null, 3, "meta", { note: 3 }, { "gradstream.tree": "x" }),
  ]),
  spec("decodeCheckpoint", g.decodeCheckpoint, [arg(checkpointBytes, null, 3, "b", {})]),
  spec("encodeSafetensors", g.encodeSafetensors, [
    arg(() => ({ w: t32([1, 2]) }), null, undefined, 3, "tree", t32([1])),
    arg(() => undefined, null, 3, "meta", { a: 3 }),
  ]),
  spec("decodeSafetensors", g.decodeSafetensors, [arg(bytes, null, 3, "b", {}, new Uint8Array(3))]),
  spec("parseIdx", g.parseIdx, [
    arg(idxBytes, null, 3, "b", {}, new Uint8Array(3), new Uint8Array([1, 2, 3, 4])),
  ]),
  spec("idxToDataset", g.idxToDataset, [
    arg(idxImages, null, 3, {}, g.parseIdx(idxBytes())),
    arg(() => g.parseIdx(idxBytes()), null, 3, {}, idxImages()),
    arg(() => ({ dtype: "float64" }), 3, "x", { dtype: "int8" }, { nope: 1 }),
  ]),
  spec("storedToTensor", g.storedToTensor, [
    fixed(() => ({ dtype: "F16", shape: [2], bytes: new Uint8Array([0, 60, 0, 64]) })),
    dtype("float64", true),
  ], { label: "storedToTensor (an F16 tensor)" }),
  spec("storedToTensor", g.storedToTensor, [
    arg(() => ({ dtype: "I64", shape: [1], bytes: new Uint8Array(8) }), null, 3, t32([1]), {}),
  ]),
  spec("toTorchStateDict", g.toTorchStateDict, [
    arg(trees, null, ...badTrees),
    arg(() => ({ numBatchesTracked: 2 }), 3, "x", { numBatchesTracked: -1 }, { nope: 1 }),
  ]),
  spec("fromTorchStateDict", g.fromTorchStateDict, [
    arg(() => g.toTorchStateDict(trees()), null, 3, "x", {}, { "0.weight": t32([1]) }),
    arg(trees, null, ...badTrees),
  ]),
  spec("encodeTorchStateDict", g.encodeTorchStateDict, [arg(trees, null, ...badTrees)]),
  spec("decodeTorchStateDict", g.decodeTorchStateDict, [
    arg(() => g.encodeTorchStateDict(trees()), null, ...badBytes),
    arg(trees, null, ...badTrees),
  ]),
];
