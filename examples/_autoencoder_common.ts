/**
 * What the MNIST autoencoder examples share: batches of images run through a model without the
 * training stream, and rows of images as an image grid.
 *
 * @module
 */

import { type Image, imageGrid } from "../src/plot/mod.ts";
import { fromTypedArray, type Tensor } from "../mod.ts";

/** Rows `start .. end` of `x` (`[n, ...]`) as a tensor of their own. */
export function rows(x: Tensor, start: number, end: number): Tensor {
  const width = x.data.length / x.shape[0];
  return fromTypedArray(x.data.slice(start * width, end * width), [
    end - start,
    ...x.shape.slice(1),
  ]);
}

/**
 * `f(batch)` over `x` in batches of `size`, each result's rows laid end to end: a model's
 * output over a whole dataset without holding every intermediate at once.
 */
export function mapBatches(x: Tensor, size: number, f: (batch: Tensor) => Tensor): Tensor {
  const n = x.shape[0];
  const parts: Tensor[] = [];
  for (let start = 0; start < n; start += size) {
    parts.push(f(rows(x, start, Math.min(n, start + size))));
  }
  const width = parts[0].data.length / parts[0].shape[0];
  const out = new Float32Array(n * width);
  let offset = 0;
  for (const p of parts) {
    out.set(p.data, offset);
    offset += p.data.length;
  }
  return fromTypedArray(out, [n, ...parts[0].shape.slice(1)]);
}

/**
 * Image grids of 28x28 digits: one row of `columns` images per tensor in `rowsOf`, in turn
 * (originals, noisy inputs, reconstructions, then the next `columns` examples), each row
 * captioned by its name.
 */
export function digitRows(
  rowsOf: Readonly<Record<string, Tensor>>,
  columns: number,
  groups: number,
  title: string,
) {
  const images: Image[] = [];
  for (let g = 0; g < groups; g++) {
    for (const [name, x] of Object.entries(rowsOf)) {
      for (let c = 0; c < columns; c++) {
        const i = g * columns + c;
        images.push({
          data: x.data.subarray(i * 784, (i + 1) * 784),
          width: 28,
          height: 28,
          caption: c === 0 ? name : "",
        });
      }
    }
  }
  return imageGrid(images, { columns, pixelSize: 2, title });
}
