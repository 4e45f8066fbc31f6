/**
 * Saving a trained model's weights to a file and loading them back into the same model, one
 * line each. The file is a safetensors checkpoint (readable by PyTorch's
 * `safetensors.torch.load_file`: tensors named `params.0.w`, `modelState.4.mean`), so the
 * weights do not depend on gradstream; the way back is typed by the model, which checks the
 * stored tree against its own `init` before anything is used.
 *
 * @module
 */

import { checkLayer, describeValue } from "../_checks.ts";
import { loadCheckpoint, saveCheckpoint } from "../checkpoint.ts";
import { filePath, renameError } from "../file_errors.ts";
import type { Layer } from "../layers/layer.ts";
import { key } from "../random.ts";
import { formatShape, isTensor, type Shape } from "../tensor.ts";
import { formatPath, type Tree, type TreePath } from "../tree.ts";
import type { TrainState } from "./state.ts";

/** What a model file holds: the weights, the model state, and how to read the rest. */
export type ModelWeights<P extends Tree = Tree, S extends Tree = Tree> = Pick<
  TrainState<P, S>,
  "params" | "modelState"
>;

/** The `format` entry that marks a file written by {@linkcode saveModel}. */
const FORMAT = "gradstream.model/1";

/** `serial(dense, reluLayer, dense)`: the layer names, for messages. */
function describeLayers(layer: Layer): string {
  const name = typeof layer.name === "string" && layer.name !== "" ? layer.name : "layer";
  const children = layer.children?.layers;
  return children === undefined ? name : `${name}(${children.map(describeLayers).join(", ")})`;
}

function kind(t: unknown): string {
  if (t === null) return "null";
  if (isTensor(t)) return `a ${t.dtype} tensor ${formatShape(t.shape)}`;
  if (Array.isArray(t)) return `an array of ${t.length}`;
  if (typeof t === "object") return `an object {${Object.keys(t as object).sort().join(",")}}`;
  return typeof t;
}

/** The first place where `got` (from the file) and `want` (from `init`) differ, if any. */
function mismatch(got: unknown, want: Tree, path: TreePath): string | undefined {
  const at = formatPath(path);
  if (want === null) return got === null ? undefined : `${at} is ${kind(got)}, the model has null`;
  if (isTensor(want)) {
    if (!isTensor(got)) return `${at} is ${kind(got)}, the model has ${kind(want)}`;
    if (got.shape.join() !== want.shape.join() || got.dtype !== want.dtype) {
      return `${at} is ${kind(got)}, the model has ${kind(want)}`;
    }
    return undefined;
  }
  if (Array.isArray(want)) {
    if (!Array.isArray(got) || got.length !== want.length) {
      return `${at} is ${kind(got)}, the model has ${kind(want)}`;
    }
    for (let i = 0; i < want.length; i++) {
      const m = mismatch(got[i], want[i], [...path, i]);
      if (m !== undefined) return m;
    }
    return undefined;
  }
  const w = want as { readonly [k: string]: Tree };
  if (typeof got !== "object" || got === null || Array.isArray(got) || isTensor(got)) {
    return `${at} is ${kind(got)}, the model has ${kind(want)}`;
  }
  const g = got as Record<string, unknown>;
  const keys = Object.keys(w).sort();
  const missing = keys.find((k) => !Object.hasOwn(g, k));
  if (missing !== undefined) return `${formatPath([...path, missing])} is missing from the file`;
  const extra = Object.keys(g).sort().find((k) => !Object.hasOwn(w, k));
  if (extra !== undefined) {
    return `${formatPath([...path, extra])} is in the file, not in the model`;
  }
  for (const k of keys) {
    const m = mismatch(g[k], w[k], [...path, k]);
    if (m !== undefined) return m;
  }
  return undefined;
}

/**
 * Writes `state.params` and `state.modelState` (batch-norm statistics) to `path` as a
 * safetensors file, with the model's layer names for messages; the optimiser state is not
 * included (for resuming training, use `saveCheckpoint`). The file is written beside the
 * target and renamed into place. Load it with {@linkcode loadModel}.
 *
 * @example
 * ```ts
 * import { dense, initTrain, key, loadModel, predict, saveModel, sgd, tensor } from "../../mod.ts";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { rm } from "node:fs/promises";
 * const model = dense(2);
 * const state = initTrain(model, sgd(0.1), key(0), [3]);
 * const path = join(tmpdir(), `gradstream-model-doc-${Date.now()}.safetensors`);
 * await saveModel(path, model, state);
 * const loaded = await loadModel(path, model, [3]);
 * await rm(path);
 * const x = tensor([[1, 2, 3]]);
 * if (predict(model, loaded, x).data.join() !== predict(model, state, x).data.join()) {
 *   throw new Error("the loaded model predicts differently");
 * }
 * ```
 */
export async function saveModel<P extends Tree, S extends Tree>(
  path: string | URL,
  model: Layer<P, S>,
  state: ModelWeights<P, S>,
): Promise<void> {
  const op = "saveModel";
  filePath(op, path);
  checkLayer(op, model);
  if (typeof state !== "object" || state === null || !("params" in state)) {
    throw new TypeError(
      `${op}: state must hold params and modelState (a TrainState), got ${describeValue(state)}`,
    );
  }
  try {
    await saveCheckpoint(path, {
      format: FORMAT,
      model: describeLayers(model as Layer),
      params: state.params,
      modelState: state.modelState ?? null,
    });
  } catch (e) {
    throw renameError(e, "saveCheckpoint", op);
  }
}

/**
 * Reads weights written by {@linkcode saveModel} for `model` on examples of shape `inShape`,
 * after checking that the stored trees have exactly the structure, shapes and dtypes of the
 * model's own `init(key, inShape)`: a `TypeError` names the first leaf that differs (`params.2.w
 * is a float32 tensor [256,10], the model has a float32 tensor [128,10]`) and the
 * architecture the file was saved from. Returns `{ params, modelState }`, typed by the model,
 * for `predict`, `evaluate`, or `{ ...initTrain(...), params, modelState }` to train on.
 *
 * @example
 * ```ts
 * import { dense, initTrain, key, loadModel, saveModel, serial, sgd } from "../../mod.ts";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { rm } from "node:fs/promises";
 * const path = join(tmpdir(), `gradstream-model-doc-mismatch-${Date.now()}.safetensors`);
 * const small = serial(dense(4), dense(2));
 * await saveModel(path, small, initTrain(small, sgd(0.1), key(0), [3]));
 * const message = await loadModel(path, serial(dense(5), dense(2)), [3]).then(() => "", (e) => e.message);
 * await rm(path);
 * if (!message.includes("params.0.b")) throw new Error(message);
 * ```
 */
export async function loadModel<P extends Tree, S extends Tree>(
  path: string | URL,
  model: Layer<P, S>,
  inShape: Shape,
): Promise<ModelWeights<P, S>> {
  const op = "loadModel";
  const where = filePath(op, path);
  checkLayer(op, model);
  if (!Array.isArray(inShape) || !inShape.every((d) => Number.isInteger(d) && d >= 1)) {
    throw new TypeError(
      `loadModel: inShape is the shape of one example, positive integers such as [784], got ${
        Array.isArray(inShape) ? formatShape(inShape) : String(inShape)
      }`,
    );
  }
  const file = await loadCheckpoint(path).catch((e) => {
    throw renameError(e, "loadCheckpoint", op);
  });
  if (file.format !== FORMAT) {
    throw new TypeError(
      `loadModel: ${where} is not a model file written by saveModel (its format is ${
        JSON.stringify(file.format ?? null)
      }, expected "${FORMAT}"); a training checkpoint loads with loadCheckpoint`,
    );
  }
  const expected = model.init(key(0), inShape);
  const stored = { params: file.params, modelState: file.modelState };
  const m = mismatch(stored.params, expected.params, ["params"]) ??
    mismatch(stored.modelState, expected.state ?? null, ["modelState"]);
  if (m !== undefined) {
    throw new TypeError(
      `loadModel: ${where} does not fit the model: ${m} (the file was saved from ${
        String(file.model)
      }; this model is ${describeLayers(model as Layer)} on examples ${formatShape(inShape)})`,
    );
  }
  return Object.freeze({ params: stored.params as P, modelState: stored.modelState as S });
}
