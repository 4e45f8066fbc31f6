/**
 * The backend interface: the hot loops the primitives run on, as one value.
 *
 * The plain TypeScript kernels in `reference.ts` define the results; every faster backend
 * (BLAS through FFI, WebAssembly SIMD) is tested against them.
 *
 * ## Design notes: where a device backend (WebGPU) fits
 *
 * Today every kernel works on host arrays: a primitive in `src/ops/` allocates the output's
 * typed array, calls the kernel (`backend.gemm`, `backend.adam`) synchronously, and wraps the
 * result as a plain immutable tensor `{ dtype, shape, data }`. A kernel a backend lacks is the
 * TypeScript loop; nothing above the primitives knows which ran.
 *
 * A device backend keeps storage off the host; the plan, not yet code:
 *
 * - Tensors the device backend creates hold a handle to its own buffer; a CPU tensor stays the
 *   plain value it is. Primitives ask their backend for the output rather than allocating
 *   host arrays, so chains of primitives on one backend never leave the device.
 * - Each kernel becomes "enqueue and return a handle": no kernel blocks on the device, and the
 *   interface's kernels stay the set of primitives a backend implements, the TypeScript
 *   reference (on host copies) filling in any it lacks, at the price of a transfer.
 * - Values come back to the host asynchronously, only at the edges where a number is needed:
 *   `predict` and `evaluate`'s outputs, metrics and the loss a progress line prints, and
 *   checkpoints. Those edges are already `Observable`s or `Promise`s or can become so; the
 *   training step itself stays a pure function of the state, which carries its backend.
 * - Since the backend is a value carried by the training state and each trace (`t.backend`),
 *   a device backend and a CPU one can run side by side in one process with no global switch.
 *
 * @module
 */

import type { FloatArray } from "../tensor.ts";

/** The names of the available backends, fastest first. */
export type BackendName = "blas" | "wasm" | "ts";

/**
 * The scalars of one Adam step (see {@linkcode Backend.adam}): decay rates `b1`, `b2`, the
 * bias corrections `c1 = 1/(1 - b1^t)`, `c2 = 1/(1 - b2^t)`, and `eps`.
 */
export interface AdamScalars {
  /** Decay rate of the first moment. */
  readonly b1: number;
  /** Decay rate of the second moment. */
  readonly b2: number;
  /** First-moment bias correction, `1/(1 - b1^t)` at step `t`. */
  readonly c1: number;
  /** Second-moment bias correction, `1/(1 - b2^t)`. */
  readonly c2: number;
  /** Added to `√v̂` before dividing. */
  readonly eps: number;
}

/**
 * The signature of {@linkcode Backend.gemm}: `out[m×n] = op(a) · op(b)`, where `op(a)` is
 * `m×k` (stored `k×m` when `transA`) and `op(b)` is `k×n` (stored `n×k` when `transB`).
 */
export type GemmKernel = (
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  a: FloatArray,
  b: FloatArray,
  out: FloatArray,
) => void;

/** The signature of {@linkcode Backend.adam}. */
export type AdamKernel = (
  g: FloatArray,
  m0: FloatArray,
  v0: FloatArray,
  m1: FloatArray,
  v1: FloatArray,
  out: FloatArray,
  s: AdamScalars,
) => void;

/**
 * The signature of {@linkcode Backend.adamApplyFresh}: {@linkcode AdamApplyKernel}'s step
 * returning `[out, m1, v1]` as arrays it makes itself (of `g`'s type), or `undefined` when it
 * cannot run (the caller then allocates the outputs and runs `adamApply` or the loop).
 */
export type AdamApplyFreshKernel = (
  p: FloatArray,
  g: FloatArray,
  m0: FloatArray,
  v0: FloatArray,
  s: AdamScalars,
  scale: number,
) => readonly [out: FloatArray, m1: FloatArray, v1: FloatArray] | undefined;

/**
 * The signature of {@linkcode Backend.adamApply}: the Adam step applied to a parameter `p`,
 * `m1`, `v1` as for {@linkcode AdamKernel} and `out = p + scale · (m1·c1)/(√(v1·c2) + eps)`.
 */
export type AdamApplyKernel = (
  p: FloatArray,
  g: FloatArray,
  m0: FloatArray,
  v0: FloatArray,
  m1: FloatArray,
  v1: FloatArray,
  out: FloatArray,
  s: AdamScalars,
  scale: number,
) => void;

/**
 * The signature of {@linkcode Backend.relu}: `y = x` where `x > 0` or `x` is NaN, else +0, for
 * float32 arrays of one length (`y` overwritten).
 */
export type ReluKernel = (x: Float32Array, y: Float32Array) => void;

/**
 * The signature of {@linkcode Backend.reluBack}: `dx = g` where `x > 0`, else +0, for float32
 * arrays of one length (`dx` overwritten).
 */
export type ReluBackKernel = (x: Float32Array, g: Float32Array, dx: Float32Array) => void;

/**
 * The signature of {@linkcode Backend.reluMaxPool2x2}: for the float32 NHWC images `x`
 * (`[batch, h, w, c]`) and each output of `[batch, ⌊h/2⌋, ⌊w/2⌋, c]`, the first maximum of its
 * 2x2 window at stride 2 (row-major; NaN wins over any number) rectified into `out` (+0 unless
 * positive or NaN), and into `arg` that element's index in `x` where the maximum is positive,
 * else -1 (`out` and `arg` overwritten). Returns false, writing nothing, when it cannot run
 * (too large for its memory): the caller then runs its own loop.
 */
export type ReluMaxPoolKernel = (
  x: Float32Array,
  batch: number,
  h: number,
  w: number,
  c: number,
  out: Float32Array,
  arg: Int32Array,
) => boolean;

/**
 * The signature of {@linkcode Backend.addRows}: `m[i, j] += b[j]` for each of the `n` rows of
 * the float32 `n × units` matrix `m`, in place (`m` is the caller's fresh output).
 */
export type AddRowsKernel = (m: Float32Array, b: Float32Array, n: number, units: number) => void;

/**
 * The signature of {@linkcode Backend.bernoulliNll}: for float32 logits `z` and targets `t`,
 * `rows × cols` each, `sums[i] = Σ_j softplus(z_ij) − z_ij·t_ij` (accumulated in double) and
 * `d_ij = σ(z_ij) − t_ij`, both overwritten. Returns `true` when it ran and every target was in
 * `[0, 1]`; `false` otherwise (the outputs are then unspecified and the caller runs its loop).
 */
export type BernoulliNllKernel = (
  z: Float32Array,
  t: Float32Array,
  rows: number,
  cols: number,
  sums: Float64Array,
  d: Float32Array,
) => boolean;

/**
 * The signature of {@linkcode Backend.columnSums}: `sums[j] = Σ_i m[i, j]` over the `n` rows of
 * the float32 `n × units` matrix `m`, accumulated in double in row order (`sums` overwritten).
 */
export type ColumnSumsKernel = (
  m: Float32Array,
  n: number,
  units: number,
  sums: Float64Array,
) => void;

/**
 * The signature of {@linkcode Backend.lstmGates}: one LSTM step's gates over `batch` rows of
 * `units` (`n = batch·units`): from `z = zx + zh` (`[batch, 4·units]`, blocks i, f, g, o) and
 * the previous cell `c` (`[n]`), `i = σ(z_i)`, `f = σ(z_f)`, `g = tanh(z_g)`, `o = σ(z_o)`,
 * `cOut = f·c + i·g`, `hOut = o·tanh(cOut)`; `keep` (`[5·n]`) receives the planes i, f, g, o
 * and tanh(cOut). Every row is computed (masks are the caller's). Returns false, having
 * written nothing, where it cannot run (no memory for its copies): the caller's loop runs.
 */
export type LstmGatesKernel = (
  zx: Float32Array,
  zh: Float32Array,
  c: Float32Array,
  batch: number,
  units: number,
  hOut: Float32Array,
  cOut: Float32Array,
  keep: Float32Array,
) => boolean;

/**
 * The signature of {@linkcode Backend.lstmGatesBack}: the pullback of one
 * {@linkcode LstmGatesKernel} step from the cotangents `dh`, `dc` of its outputs, the previous
 * cell `c` and the kept planes: `dc' = dc + dh·o·(1 − tanh²)`, `dz` (`[batch, 4·units]`) =
 * `dc'·g·i(1−i)`, `dc'·c·f(1−f)`, `dc'·i·(1−g²)`, `dh·tanh·o(1−o)`, and `dcPrev = dc'·f`
 * (which may be `dc` itself). Returns false, as {@linkcode LstmGatesKernel} does.
 */
export type LstmGatesBackKernel = (
  dh: Float32Array,
  dc: Float32Array,
  c: Float32Array,
  keep: Float32Array,
  batch: number,
  units: number,
  dz: Float32Array,
  dcPrev: Float32Array,
) => boolean;

/**
 * A backend: the kernels the primitives run on, as a value. A model's training state carries
 * one (`initTrain(..., { backend })`), a trace carries it to every primitive called through it
 * (`t.backend`), and two models in one process can use different ones. `gemm` is required; every
 * other kernel is optional, and a primitive falls back to the TypeScript reference loop where a
 * backend lacks it. Arrays are row-major; inputs and `out` share one element type; kernels write
 * only into their output arrays, which the caller has freshly allocated.
 */
export interface Backend {
  /** Which backend this is (`blas`, `wasm`, `ts`, or a custom backend's own name). */
  readonly name: string;
  /** One line for progress headers, e.g. `blas (OpenBLAS 0.3.21, 2 threads)`. */
  readonly description: string;
  /**
   * General matrix multiply: `out[m×n] = op(a) · op(b)`, where `op(a)` is `m×k` (stored
   * `k×m` when `transA`) and `op(b)` is `k×n` (stored `n×k` when `transB`). `out` is
   * overwritten.
   */
  gemm: GemmKernel;
  /**
   * `out += op(a) · op(b)`, as {@linkcode Backend.gemm} but adding into `out` (optional: the
   * convolution sums its tap rows with it where present, and otherwise lowers onto `gemm`
   * alone).
   */
  gemmAdd?: GemmKernel;
  /**
   * One Adam step over a leaf, element by element (optional: without it the TypeScript loop
   * of `adam_ts.ts` runs; the `adamMoments` step of `src/ops/optim_steps.ts` calls it):
   * `m1 = b1·m0 + (1 - b1)·g`, `v1 = b2·v0 + (1 - b2)·(g·g)` and
   * `out = (m1·c1) / (√(v1·c2) + eps)`, the operations in that order. Every array has `g`'s
   * length; `m1`, `v1` and `out` are overwritten. A backend may compute float32 leaves in
   * float32 arithmetic (the TypeScript loop rounds only when it stores), so results can differ
   * from it by a few units in the last place; float64 leaves must match it exactly.
   */
  adam?: AdamKernel;
  /**
   * The Adam step applied to the parameter in the same pass (optional; see
   * {@linkcode AdamApplyKernel}): what the `adamApply` primitive runs when present. Float64
   * must match `adamTs` followed by `p + out·scale` exactly; float32 may compute in float32.
   */
  adamApply?: AdamApplyKernel;
  /**
   * `adamApply` making its own output arrays (optional; see {@linkcode AdamApplyFreshKernel}):
   * a kernel that computes elsewhere (in wasm memory) copies its results into arrays made by
   * copying, where filling arrays the caller allocated wrote each output twice (zeros first).
   * Must equal `adamApply` bit for bit.
   */
  adamApplyFresh?: AdamApplyFreshKernel;
  /**
   * The rectifier over a float32 array (optional; without it the TypeScript loop of
   * `relu_ts.ts` runs, and float64 always runs the `relu` primitive's own loop). Must match
   * that loop bit for bit.
   */
  relu?: ReluKernel;
  /** The rectifier's pullback over float32 arrays (optional, as {@linkcode Backend.relu}). */
  reluBack?: ReluBackKernel;
  /**
   * The fused rectifier and 2x2 max pool at stride 2 over float32 images (optional; without it
   * the `reluMaxPool2d` primitive's TypeScript loop runs). Must match that loop bit for bit.
   */
  reluMaxPool2x2?: ReluMaxPoolKernel;
  /**
   * The bias added to every row of a float32 product (optional; without it the TypeScript loop
   * of `rows_ts.ts` runs): `linear`'s forward. Must match that loop bit for bit.
   */
  addRows?: AddRowsKernel;
  /** The column sums of a float32 matrix in double: `linear`'s bias cotangent (as `addRows`). */
  columnSums?: ColumnSumsKernel;
  /**
   * The Bernoulli negative log-likelihood of float32 logits, summed per row, with `σ(z) − t` for
   * its pullback (optional; without it the `bernoulliNllRows` primitive's loop runs): see
   * {@linkcode BernoulliNllKernel}. May compute in float32 arithmetic; its doc states its error.
   */
  bernoulliNll?: BernoulliNllKernel;
  /**
   * One float32 LSTM step's gate arithmetic (optional; without it the loop of
   * `src/ops/_lstm_loops.ts` runs, as it always does for float64): what `lstmCell` and
   * `lstmSequence` run per step. May compute in float32 arithmetic, within a few ulps of that
   * loop (which computes in double and rounds when it stores).
   */
  lstmGates?: LstmGatesKernel;
  /** The pullback of {@linkcode Backend.lstmGates} (optional, likewise). */
  lstmGatesBack?: LstmGatesBackKernel;
}
