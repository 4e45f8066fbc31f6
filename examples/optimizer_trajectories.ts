/**
 * Five optimisers on three classic surfaces, drawn over their contours: gradient descent,
 * momentum, Nesterov, RMSprop and Adam (the library's own transforms, stepped by
 * `updateAndApply` on a two-element parameter) on
 *
 * - the Rosenbrock function (1 − x)² + 100(y − x²)²: a curved, flat-bottomed valley;
 * - the Beale function: steep walls and a shallow basin at (3, 0.5);
 * - an ill-conditioned quadratic ½ wᵀHw, H with eigenvalues 1 and 25, rotated 45°.
 *
 * Then the loss per step of each on a log scale, and the momentum phase diagram of Goh's
 * "Why Momentum Really Works" (Distill, 2017): for the quadratic, the convergence rate (the
 * factor by which the error shrinks per step, at worst over H's eigenvalues) for each step
 * size α and momentum β, with the optimum α* = (2/(√λ₁ + √λ_n))², β* = ((√κ − 1)/(√κ + 1))²
 * marked; its rate (√κ − 1)/(√κ + 1) is printed beside the rate measured on the run.
 *
 * ```sh
 * deno run -A examples/optimizer_trajectories.ts [--out DIR] [--quick]
 * bun examples/optimizer_trajectories.ts [--out DIR] [--quick]
 * ```
 *
 * @module
 */

import {
  adam,
  momentum,
  nesterov,
  rmsprop,
  sgd,
  type Tensor,
  tensor,
  type Transform,
  updateAndApply,
} from "../mod.ts";
import {
  contourPlot,
  heatmap,
  lineChart,
  sampleGrid,
  type Series,
  sheet,
} from "../src/plot/mod.ts";
import { pictureArgs, writeFigures } from "./_pictures.ts";

const { dir, quick } = pictureArgs(import.meta.url);

/** A surface: its value, its gradient, where the runs start, its minimum, what to draw. */
interface Problem {
  readonly name: string;
  readonly f: (x: number, y: number) => number;
  readonly grad: (x: number, y: number) => [number, number];
  readonly start: [number, number];
  readonly minimum: [number, number];
  readonly view: { x: [number, number]; y: [number, number] };
  readonly steps: number;
  readonly optimizers: Record<string, Transform<unknown>>;
}

// The quadratic: H = R diag(1, 25) Rᵀ with R a 45° rotation.
const [L1, L2] = [1, 25];
const h11 = (L1 + L2) / 2;
const h12 = (L1 - L2) / 2;
const alphaStar = (2 / (Math.sqrt(L1) + Math.sqrt(L2))) ** 2;
const kappa = L2 / L1;
const betaStar = ((Math.sqrt(kappa) - 1) / (Math.sqrt(kappa) + 1)) ** 2;

const problems: Problem[] = [
  {
    name: "Rosenbrock",
    f: (x, y) => (1 - x) ** 2 + 100 * (y - x * x) ** 2,
    grad: (x, y) => [-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)],
    start: [-1.5, 2],
    minimum: [1, 1],
    view: { x: [-2, 2], y: [-1, 3] },
    steps: quick ? 1000 : 3000,
    optimizers: {
      "GD η=1e-3": sgd(1e-3),
      "momentum η=1e-3 β=0.9": momentum(1e-3, { decay: 0.9 }),
      "Nesterov η=1e-3 β=0.9": nesterov(1e-3, { decay: 0.9 }),
      "RMSprop η=3e-3": rmsprop(3e-3),
      "Adam η=0.03": adam(0.03),
    },
  },
  {
    name: "Beale",
    f: (x, y) =>
      (1.5 - x + x * y) ** 2 + (2.25 - x + x * y * y) ** 2 + (2.625 - x + x * y ** 3) ** 2,
    grad: (x, y) => {
      const [a, b, c] = [1.5 - x + x * y, 2.25 - x + x * y * y, 2.625 - x + x * y ** 3];
      return [
        2 * a * (y - 1) + 2 * b * (y * y - 1) + 2 * c * (y ** 3 - 1),
        2 * a * x + 4 * b * x * y + 6 * c * x * y * y,
      ];
    },
    start: [1, 1.5],
    minimum: [3, 0.5],
    view: { x: [-0.5, 4.5], y: [-2.5, 2] },
    steps: quick ? 1000 : 3000,
    optimizers: {
      "GD η=0.01": sgd(0.01),
      "momentum η=3e-3 β=0.9": momentum(3e-3, { decay: 0.9 }),
      "Nesterov η=3e-3 β=0.9": nesterov(3e-3, { decay: 0.9 }),
      "RMSprop η=0.01": rmsprop(0.01),
      "Adam η=0.1": adam(0.1),
    },
  },
  {
    name: "quadratic, κ = 25",
    f: (x, y) => 0.5 * (h11 * x * x + 2 * h12 * x * y + h11 * y * y),
    grad: (x, y) => [h11 * x + h12 * y, h12 * x + h11 * y],
    start: [-4, -2.5],
    minimum: [0, 0],
    view: { x: [-5, 5], y: [-5, 5] },
    steps: 150,
    optimizers: {
      "GD η=2/(λ₁+λ₂)": sgd(2 / (L1 + L2)),
      [`momentum α*, β*`]: momentum(alphaStar, { decay: betaStar }),
      "Nesterov η=0.03 β=0.9": nesterov(0.03, { decay: 0.9 }),
      "RMSprop η=0.05": rmsprop(0.05),
      "Adam η=0.3": adam(0.3),
    },
  },
];

/** Runs one optimiser from the problem's start; returns the iterates and the losses. */
function run(p: Problem, optimizer: Transform<unknown>) {
  let w: Tensor = tensor(p.start, [2], "float64");
  let state = optimizer.init(w);
  const xs = [p.start[0]];
  const ys = [p.start[1]];
  const losses = [p.f(...p.start)];
  for (let k = 0; k < p.steps; k++) {
    const g = tensor(p.grad(w.data[0], w.data[1]), [2], "float64");
    [w, state] = updateAndApply(optimizer, g, state, w);
    const loss = p.f(w.data[0], w.data[1]);
    if (!Number.isFinite(loss)) {
      throw new Error(`${p.name}: the loss is ${loss} after step ${k + 1}`);
    }
    xs.push(w.data[0]);
    ys.push(w.data[1]);
    losses.push(loss);
  }
  return { xs, ys, losses };
}

const figures: Record<string, ReturnType<typeof sheet>> = {};
const lossCharts = [];
const contourCharts = [];
let momentumRun: ReturnType<typeof run> | undefined;
console.log(
  "problem             optimiser                 final loss  distance to min  steps to loss < 1e-6",
);
for (const p of problems) {
  const paths = [];
  const curves: Series[] = [];
  for (const [name, optimizer] of Object.entries(p.optimizers)) {
    const r = run(p, optimizer);
    if (name.startsWith("momentum α*")) momentumRun = r;
    const last = r.losses.length - 1;
    const distance = Math.hypot(r.xs[last] - p.minimum[0], r.ys[last] - p.minimum[1]);
    const below = r.losses.findIndex((l) => l < 1e-6);
    console.log(
      `${p.name.padEnd(20)}${name.padEnd(26)}${r.losses[last].toExponential(2).padStart(10)}` +
        `${distance.toExponential(2).padStart(17)}${
          String(below < 0 ? "never" : below).padStart(22)
        }`,
    );
    paths.push({ name, x: r.xs, y: r.ys });
    // Losses of exactly 0 (or below float64's reach) sit on the axis floor.
    curves.push({ name, x: r.losses.map((_, k) => k), y: r.losses.map((l) => Math.max(l, 1e-30)) });
  }
  const eps = 1e-3; // log-spaced levels need a surface above 0
  const surface = sampleGrid((x, y) => p.f(x, y) + eps, { ...p.view, cols: 120 });
  contourCharts.push(
    contourPlot(surface, {
      title: p.name,
      logScale: true,
      thresholds: 16,
      paths,
      points: { x: [p.minimum[0]], y: [p.minimum[1]] },
      width: 640,
      height: 440,
      xLabel: "x",
      yLabel: "y",
    }),
  );
  lossCharts.push(
    lineChart(curves, {
      title: p.name,
      xLabel: "step",
      yLabel: "loss",
      logY: true,
      width: 640,
      height: 320,
      yDomain: [1e-30, 1e4],
      legend: true,
    }),
  );
}
figures.trajectories = sheet(contourCharts, { columns: 3, title: "Optimiser trajectories" });
figures.loss = sheet(lossCharts, { columns: 3, title: "Loss per step (log scale)" });

// --- The phase diagram: the worst rate over H's eigenvalues for each (α, β). -----------------
/** Spectral radius of momentum's iteration matrix [[β, λ], [−αβ, 1 − αλ]] on eigenvalue λ. */
function rate(alpha: number, beta: number, lambda: number): number {
  const t = beta + 1 - alpha * lambda; // trace; the determinant is β
  const disc = t * t - 4 * beta;
  if (disc < 0) return Math.sqrt(beta); // complex pair, |z|² = β
  return Math.max(Math.abs((t + Math.sqrt(disc)) / 2), Math.abs((t - Math.sqrt(disc)) / 2));
}
const worst = (a: number, b: number) => Math.max(rate(a, b, L1), rate(a, b, L2));
const alphaMax = 4 / L2; // α ≥ 2(1 + β)/λ₂ diverges for every β < 1
const phase = sampleGrid(worst, { x: [0, alphaMax], y: [0, 1], cols: 240, rows: 150 });
const theory = (Math.sqrt(kappa) - 1) / (Math.sqrt(kappa) + 1);
const gdRate = (kappa - 1) / (kappa + 1);
// The measured rate: the error's geometric mean shrink per step over the last 100 steps.
const err = (k: number) => Math.hypot(momentumRun!.xs[k], momentumRun!.ys[k]);
const n = momentumRun!.xs.length - 1;
const measured = (err(n) / err(n - 100)) ** (1 / 100);
console.log(
  `\nmomentum on the quadratic (κ = ${kappa}): α* = ${alphaStar.toFixed(4)}, β* = ${
    betaStar.toFixed(4)
  }`,
);
console.log(
  `  rate at (α*, β*): theory ${theory.toFixed(4)} (grid ${
    worst(alphaStar, betaStar).toFixed(4)
  }), ` +
    `measured ${measured.toFixed(4)} over the last 100 steps; best gradient descent ${
      gdRate.toFixed(4)
    }`,
);
// At β* the two eigenvalues of the iteration coincide (critical damping), so the error falls
// as k·rᵏ rather than rᵏ: over steps 50..150 that polynomial factor adds (150/50)^(1/100).
console.log(
  `  (k·rᵏ at critical damping: theory × 3^(1/100) = ${(theory * 3 ** 0.01).toFixed(4)})`,
);
figures.momentum_phase = heatmap(phase, {
  title: "Momentum: convergence rate on the quadratic (white: diverges)",
  xLabel: "step size α",
  yLabel: "momentum β",
  domain: [theory, 1],
  overColor: "white", // rate > 1: diverges
  color: { scheme: "magma" },
  contours: [0.7, 0.8, 0.9, 0.95, 0.99],
  points: { x: [alphaStar, 2 / (L1 + L2)], y: [betaStar, 0], label: [0, 1] },
  pointColors: ["#00e5ff", "#ff3b3b"],
  pointRadius: 6,
  width: 620,
  height: 440,
});

await writeFigures(dir, figures);
