/**
 * Decoded IDX images and labels as a dataset: pixels flattened per example and scaled to
 * [0, 1], labels as floats (the shape of MNIST-like data the loaders in `mnist.ts` return).
 *
 * @module
 */

import { checkDType, checkOptions, describeValue } from "../_checks.ts";
import type { Dataset } from "./dataset.ts";
import type { IdxArray } from "./idx.ts";
import { allocate, DEFAULT_DTYPE, type DType, fromTypedArray } from "../tensor.ts";

/**
 * Turns decoded uint8 images `[N, H, W]` and labels `[N]` into a dataset with `x` of shape
 * `[N, H*W]` scaled to [0, 1] and `y` of shape `[N]` holding the labels. Throws a `TypeError`
 * naming `name` for a wrong type or rank, or image and label counts that differ.
 *
 * @example
 * ```ts
 * import { idxToDataset } from "./idx_dataset.ts";
 * import { parseIdx } from "./idx.ts";
 * const images = parseIdx(new Uint8Array([0, 0, 8, 3, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 2, 0, 255]));
 * const labels = parseIdx(new Uint8Array([0, 0, 8, 1, 0, 0, 0, 1, 7]));
 * const { x, y } = idxToDataset(images, labels);
 * if (x.shape.join() !== "1,2" || x.data[1] !== 1 || y.data[0] !== 7) throw new Error("unexpected");
 * ```
 */
export function idxToDataset(
  images: IdxArray,
  labels: IdxArray,
  options: { dtype?: DType; name?: string } = {},
): Dataset {
  const { dtype = DEFAULT_DTYPE, name = "idxToDataset" } = checkOptions(
    "idxToDataset",
    options,
    ["dtype", "name"],
  );
  if (typeof name !== "string") {
    throw new TypeError(`idxToDataset: options.name must be a string, got ${describeValue(name)}`);
  }
  checkDType(name, dtype);
  for (const [what, a] of [["images", images], ["labels", labels]] as const) {
    if (
      typeof a !== "object" || a === null || !Array.isArray(a.shape) || !ArrayBuffer.isView(a.data)
    ) {
      throw new TypeError(
        `${name}: ${what} must be an IDX array { type, shape, data } from parseIdx or readIdx, got ${
          describeValue(a)
        }`,
      );
    }
  }
  if (images.type !== "uint8" || images.shape.length !== 3) {
    throw new TypeError(
      `${name}: images must be uint8 of shape [N,H,W], got ${images.type} ` +
        `[${images.shape.join(",")}]`,
    );
  }
  if (labels.type !== "uint8" || labels.shape.length !== 1) {
    throw new TypeError(
      `${name}: labels must be uint8 of shape [N], got ${labels.type} [${labels.shape.join(",")}]`,
    );
  }
  const [n, h, w] = images.shape;
  if (labels.shape[0] !== n) {
    throw new TypeError(`${name}: ${n} images but ${labels.shape[0]} labels`);
  }
  const pixels = images.data, x = allocate(dtype, pixels.length);
  // Multiplying by 1/255 is not always the correctly rounded quotient; divide instead.
  for (let i = 0; i < pixels.length; i++) x[i] = pixels[i] / 255;
  const y = allocate(dtype, n);
  y.set(labels.data);
  return { x: fromTypedArray(x, [n, h * w]), y: fromTypedArray(y, [n]) };
}
