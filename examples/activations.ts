/**
 * The lecture's eight activations and their derivatives, on one sheet.
 *
 * Each panel draws f(x) and f'(x) over [-4, 4]. The derivative is not written out here: it is
 * what the library's own pullback returns for a cotangent of ones (the VJP of an elementwise
 * function is f'(x) · dy), checked against central differences before it is drawn. The table
 * printed beside the pictures shows the numbers a lecture leans on: σ'(0) = 1/4 (the largest
 * slope of a sigmoid, hence the (1/4)^n bound on vanishing gradients), tanh'(0) = 1, ReLU's
 * slope of exactly 0 or 1, and how far from zero each derivative stays at x = ±4.
 *
 * ```sh
 * deno run -A examples/activations.ts [--out DIR]
 * bun examples/activations.ts [--out DIR]
 * ```
 *
 * @module
 */

import { type Ops, type Tensor, tensor, untraced, vjp } from "../mod.ts";
import { type Figure, lineChart, sheet } from "../src/plot/mod.ts";
import { pictureArgs, writeFigures } from "./_pictures.ts";

const { dir } = pictureArgs(import.meta.url);

// Each activation is forward code over the primitives of `t`; `vjp` composes its pullback.
type Activation = (t: Ops, x: Tensor) => Tensor;
const activations: [string, Activation][] = [
  ["sigmoid", (t, x) => t.sigmoid(x)],
  ["tanh", (t, x) => t.tanh(x)],
  ["ReLU", (t, x) => t.relu(x)],
  ["leaky ReLU (α = 0.1)", (t, x) => t.leakyRelu(x, 0.1)],
  ["ELU (α = 1)", (t, x) => t.elu(x, 1)],
  ["GELU", (t, x) => t.gelu(x)],
  ["softplus", (t, x) => t.softplus(x)],
  ["swish (β = 1)", (t, x) => t.swish(x, 1)],
];
const plain = untraced();

// 401 points over [-4, 4] in float64, so the finite-difference check is meaningful.
const N = 401;
const xs = Array.from({ length: N }, (_, i) => -4 + (8 * i) / (N - 1));
const x = tensor(xs, [N], "float64");
const ones = tensor(new Array(N).fill(1), [N], "float64");
const h = 1e-5;
const panels: Figure[] = [];
const rows: string[] = [];

for (const [name, f] of activations) {
  const [y, pullback] = vjp(f, x);
  const dy = pullback(ones).data; // f'(x) for every x at once
  // Central differences, away from the kinks at 0 (ReLU, leaky ReLU, ELU's second derivative).
  const up = f(plain, tensor(xs.map((v) => v + h), [N], "float64"));
  const down = f(plain, tensor(xs.map((v) => v - h), [N], "float64"));
  let worst = 0;
  for (let i = 0; i < N; i++) {
    if (Math.abs(xs[i]) < 2 * h) continue;
    worst = Math.max(worst, Math.abs((up.data[i] - down.data[i]) / (2 * h) - dy[i]));
  }
  if (worst > 1e-6) {
    throw new Error(`${name}: the pullback differs from central differences by ${worst}`);
  }
  const at = (v: number) => xs.findIndex((u) => Math.abs(u - v) < 1e-9);
  const i0 = at(0);
  let maxSlope = -Infinity;
  for (let i = 0; i < N; i++) maxSlope = Math.max(maxSlope, dy[i]);
  rows.push(
    [
      name.padEnd(22),
      y.data[i0].toFixed(4).padStart(8),
      dy[i0].toFixed(4).padStart(8),
      maxSlope.toFixed(4).padStart(9),
      dy[at(-4)].toFixed(4).padStart(9),
      dy[at(4)].toFixed(4).padStart(9),
      worst.toExponential(1).padStart(9),
    ].join(""),
  );
  panels.push(
    lineChart(
      [
        { name: "f(x)", x: xs, y: Array.from(y.data), color: "#4e79a7" },
        { name: "f′(x)", x: xs, y: Array.from(dy), color: "#e15759", dashed: true },
      ],
      {
        title: name,
        width: 330,
        height: 240,
        xDomain: [-4, 4],
        yDomain: [-1.5, 4],
        margins: { top: 26, bottom: 30, left: 40 },
      },
    ),
  );
}

console.log("activation               f(0)   f'(0)  max f'   f'(-4)    f'(4)  |f' - FD|");
for (const r of rows) console.log(r);

await writeFigures(dir, {
  activations: sheet(panels, { columns: 4, title: "Activations f(x) and their derivatives f′(x)" }),
});
