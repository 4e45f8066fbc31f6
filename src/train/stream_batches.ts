/**
 * Mini-batches from a stream of dataset chunks (a file read piece by piece), for data that
 * does not fit in memory at once.
 *
 * @module
 */

import {
  checkBoolean,
  checkInteger,
  checkIterable,
  checkOptions,
  MAX_ELEMENTS,
} from "../_checks.ts";
import { allocate, formatShape, fromTypedArray, type Tensor } from "../tensor.ts";
import type { Batch } from "./batches.ts";
import { type Dataset, datasetSize } from "../data/dataset.ts";
import { openSource, type Source } from "./source.ts";

/** Options of {@linkcode streamBatches}. */
export interface StreamBatchOptions {
  /** Examples per batch, a positive integer. */
  batchSize: number;
  /** Drop the stream's last, short batch (default false). */
  dropLast?: boolean;
  /** The epoch number the batches carry (default 0). */
  epoch?: number;
}

/** Copies rows `[from, from + count)` of `t` into `out` starting at row `at`. */
function copyRows(
  t: Tensor,
  from: number,
  count: number,
  out: Float32Array | Float64Array,
  at: number,
) {
  const row = t.shape[0] === 0 ? 0 : t.data.length / t.shape[0];
  out.set(t.data.subarray(from * row, (from + count) * row), at * row);
}

function checkChunk(chunk: Dataset, first: Dataset | undefined, n: number): void {
  if (first === undefined) return;
  for (const k of ["x", "y"] as const) {
    const a = first[k], b = chunk[k];
    if (a.dtype !== b.dtype || formatShape(a.shape.slice(1)) !== formatShape(b.shape.slice(1))) {
      throw new TypeError(
        `streamBatches: chunk ${n} has ${k} of shape ${formatShape(b.shape)} (${b.dtype}), ` +
          `unlike the first chunk's ${formatShape(a.shape)} (${a.dtype})`,
      );
    }
  }
}

/**
 * Re-slices a stream of chunks (each a {@linkcode Dataset} of any number of rows) into batches
 * of exactly `batchSize` examples, in order; a batch may span several chunks. The next chunk
 * is read only when the current one is used up, so with `fit` at most one chunk and one batch
 * are held however large the file. For several epochs, call it once per epoch:
 *
 * ```ts ignore
 * async function* source() {
 *   for (let epoch = 0; epoch < 5; epoch++) {
 *     yield* streamBatches(readChunks("train.bin"), { batchSize: 128, epoch });
 *   }
 * }
 * ```
 *
 * Streams are not shuffled here; shuffle the file once, or the order of its chunks.
 *
 * @example
 * ```ts
 * import { streamBatches } from "./stream_batches.ts";
 * import { tensor } from "../tensor.ts";
 * async function* chunks() {
 *   yield { x: tensor([[0], [1], [2]]), y: tensor([0, 1, 2]) };
 *   yield { x: tensor([[3], [4]]), y: tensor([3, 4]) };
 * }
 * const sizes = [];
 * for await (const b of streamBatches(chunks(), { batchSize: 2 })) sizes.push(b.x.data.join(""));
 * if (sizes.join() !== "01,23,4") throw new Error(sizes.join());
 * ```
 */
export function streamBatches(
  chunks: Source<Dataset>,
  options: StreamBatchOptions,
): AsyncGenerator<Batch, void, undefined> {
  const op = "streamBatches";
  if (options === undefined) {
    throw new TypeError(`${op}: options { batchSize } are required, got undefined`);
  }
  const { batchSize, dropLast = false, epoch = 0 } = checkOptions(op, options, [
    "batchSize",
    "dropLast",
    "epoch",
  ]);
  checkInteger(op, "batchSize", batchSize, { min: 1, max: MAX_ELEMENTS });
  checkBoolean(op, "dropLast", dropLast);
  checkInteger(op, "epoch", epoch, { min: 0 });
  checkIterable(op, "chunks", chunks);
  return generate(chunks, batchSize, dropLast, epoch);
}

async function* generate(
  chunks: Source<Dataset>,
  batchSize: number,
  dropLast: boolean,
  epoch: number,
): AsyncGenerator<Batch, void, undefined> {
  const puller = openSource(chunks);
  let first: Dataset | undefined;
  let chunk: Dataset | undefined, rows = 0, used = 0, chunkCount = 0, index = 0;
  try {
    while (true) {
      let x: Float32Array | Float64Array | undefined, y: Float32Array | Float64Array | undefined;
      let filled = 0;
      while (filled < batchSize) {
        if (chunk === undefined || used === rows) {
          const r = await puller.next();
          if (r.done) break;
          rows = datasetSize(r.value, "streamBatches");
          checkChunk(r.value, first, chunkCount++);
          first ??= r.value;
          chunk = r.value;
          used = 0;
          continue;
        }
        if (x === undefined || y === undefined) {
          x = allocate(chunk.x.dtype, batchSize * (chunk.x.data.length / rows), "streamBatches");
          y = allocate(chunk.y.dtype, batchSize * (chunk.y.data.length / rows), "streamBatches");
        }
        const take = Math.min(batchSize - filled, rows - used);
        copyRows(chunk.x, used, take, x, filled);
        copyRows(chunk.y, used, take, y, filled);
        used += take;
        filled += take;
      }
      if (filled === 0 || x === undefined || y === undefined || first === undefined) return;
      if (filled < batchSize && dropLast) return;
      const xRow = x.length / batchSize, yRow = y.length / batchSize;
      yield {
        x: fromTypedArray(filled < batchSize ? x.slice(0, filled * xRow) : x, [
          filled,
          ...first.x.shape.slice(1),
        ]),
        y: fromTypedArray(filled < batchSize ? y.slice(0, filled * yRow) : y, [
          filled,
          ...first.y.shape.slice(1),
        ]),
        epoch,
        index: index++,
        size: filled,
      };
      if (filled < batchSize) return;
    }
  } finally {
    puller.close();
  }
}
