/**
 * Two-dimensional convolution of NHWC images with HWIO kernels, on the backend's gemm:
 * `conv2d`, and `conv2dBias` with its bias fused. The windows are laid out as the rows of
 * im2col matrices multiplied by the kernel; the pullback is two more products of the same
 * sizes (the lowering: `_conv_gemm.ts`).
 *
 * @module
 */

import { astype, fromTypedArray, type Tensor } from "../tensor.ts";
import { cotangent } from "./_checks.ts";
import { checkBackend } from "../_checks.ts";
import { convForward } from "./_conv_gemm.ts";
import { checkBias, type Conv2dOptions, convGrads, geometry, outShape } from "./_conv_geometry.ts";
import { type Primitive, primitive } from "./primitive.ts";

export type { Padding, Pair } from "./_window.ts";
export type { Conv2dOptions } from "./_conv_geometry.ts";

/**
 * The 2-D convolution (a cross-correlation, as in every deep-learning library) of `x`
 * (`[batch, h, w, cin]`) with the kernel `w` (`[kh, kw, cin/groups, cout]`): output
 * `[batch, oh, ow, cout]` with
 * `y[b,i,j,o] = Σ x[b, i·sh - top + ki·dh, j·sw - left + kj·dw, g·cin/groups + c]·w[ki,kj,c,o]`
 * over taps `(ki, kj)` and the channels `c` of `o`'s group `g`, padding reading as zero. See
 * {@linkcode Conv2dOptions} for stride, padding, dilation and groups. A dilated kernel larger
 * than the padded input is a `TypeError` naming both sizes.
 *
 * Runs as gemms of im2col matrices `[images·oh·ow, kh·kw·cin/groups]` (a few images at a time,
 * per group) with the kernel. Pullback: `dW = colsᵀ·dy` and `dx`, at stride 1 the convolution
 * of `dy` with the flipped kernel, else `col2im(dy·Wᵀ)`, each only when needed (a model's first
 * convolution computes no `dx`).
 *
 * @example
 * ```ts
 * import { untraced } from "../autodiff/ops.ts";
 * import { tensor } from "../tensor.ts";
 * // A 1x3 image, one channel, and a kernel of width 2 that sums neighbours.
 * const x = tensor([1, 2, 3], [1, 1, 3, 1]);
 * const w = tensor([1, 1], [1, 2, 1, 1]);
 * const y = untraced().conv2d(x, w);
 * if (y.shape.join() !== "1,1,2,1" || y.data.join() !== "3,5") throw new Error("unexpected");
 * const same = untraced().conv2d(x, w, { padding: "same" }); // the extra zero on the right
 * if (same.data.join() !== "3,5,3") throw new Error("unexpected");
 * ```
 */
export const conv2d: Primitive<[x: Tensor, w: Tensor, options?: Conv2dOptions]> = primitive(
  "conv2d",
  2,
  (backend, x: Tensor, w: Tensor, options?: Conv2dOptions) => {
    checkBackend("Cannot conv2d", backend);
    const geo = geometry("conv2d", x, w, options);
    const shape = outShape(geo);
    const y = fromTypedArray(convForward(backend, geo, x.dtype, x.data, w.data), shape);
    return [y, (dy, needs) => {
      cotangent("conv2d", dy, shape);
      const g = astype(dy, x.dtype).data;
      return convGrads(backend, geo, x, w, undefined, g, needs).slice(0, 2);
    }];
  },
);

/**
 * {@linkcode conv2d} plus a bias per output channel, fused: `y = conv2d(x, w, options) + b`
 * with `b` of shape `[cout]`, the bias added to each chunk of the output while it is in cache
 * (the separate broadcast `add` and its pullback's sum cost the MNIST CNN's first layer more
 * than its convolution). Pullback: `conv2d`'s for `x` and `w`, and `db = Σ dy` over the batch
 * and positions, each only when needed. What the `conv2d` layer runs when it has a bias.
 *
 * @example
 * ```ts
 * import { untraced } from "../autodiff/ops.ts";
 * import { tensor } from "../tensor.ts";
 * const x = tensor([1, 2, 3], [1, 1, 3, 1]);
 * const w = tensor([1, 1], [1, 2, 1, 1]);
 * const y = untraced().conv2dBias(x, w, tensor([10]));
 * if (y.data.join() !== "13,15") throw new Error("unexpected");
 * ```
 */
export const conv2dBias: Primitive<
  [x: Tensor, w: Tensor, b: Tensor, options?: Conv2dOptions]
> = primitive(
  "conv2dBias",
  3,
  (backend, x: Tensor, w: Tensor, b: Tensor, options?: Conv2dOptions) => {
    const op = "conv2dBias";
    checkBackend(`Cannot ${op}`, backend);
    const geo = geometry(op, x, w, options);
    checkBias(op, b, geo, x);
    const shape = outShape(geo);
    const y = fromTypedArray(convForward(backend, geo, x.dtype, x.data, w.data, b.data), shape);
    return [y, (dy, needs) => {
      cotangent(op, dy, shape);
      const g = astype(dy, x.dtype).data;
      return convGrads(backend, geo, x, w, b, g, needs);
    }];
  },
);
