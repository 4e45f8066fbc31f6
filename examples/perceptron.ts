/**
 * The perceptron, and why networks need a hidden layer: the lecture's opening argument, run.
 *
 * 1. Rosenblatt's rule on linearly separable points: it stops after finitely many mistakes,
 *    and Novikoff's theorem says how many at most, (R/γ)², from the data's radius R and the
 *    margin γ of a separating hyperplane (here the one that generated the labels).
 * 2. XOR: no line separates (0,0), (1,1) from (0,1), (1,0), so the rule makes a mistake in
 *    every epoch, forever (Minsky and Papert's objection).
 * 3. One hidden layer of tanh units, trained by gradient descent (Adam, through `fit`),
 *    bends the boundary and classifies XOR perfectly.
 *
 * ```sh
 * deno run examples/perceptron.ts            # --seed N for other data; a second or two
 * bun examples/perceptron.ts
 * ```
 *
 * @module
 */

import { lastValueFrom } from "rxjs";
import {
  accuracy,
  adam,
  batches,
  dense,
  evaluate,
  fit,
  initTrain,
  key,
  novikoffBound,
  serial,
  softmaxCrossEntropy,
  split,
  tanhLayer,
  tensor,
  train,
  trainPerceptron,
  uniform,
} from "../mod.ts";
import { exampleArgs } from "./_args.ts";

const args = exampleArgs(import.meta.url);
const seed = args.int("--seed", 0, 0);
const [dataKey, orderKey, netKey, batchKey] = split(key(seed), 4);

// --- 1. Separable data: 200 points of [-1, 1]², labelled by the side of a line, none nearer
// to it than 0.05. --------------------------------------------------------------------------
const angle = 2.0, offset = 0.2, gap = 0.05;
const normalVector = [Math.cos(angle), Math.sin(angle)];
const draws = uniform(dataKey, [400, 2], { min: -1, max: 1, dtype: "float64" }).data;
const points: number[][] = [], labels: number[] = [];
for (let i = 0; i < 400 && points.length < 200; i++) {
  const p = [draws[2 * i], draws[2 * i + 1]];
  const s = normalVector[0] * p[0] + normalVector[1] * p[1] + offset;
  if (Math.abs(s) < gap) continue;
  points.push(p);
  labels.push(s > 0 ? 1 : -1);
}
const x = tensor(points, undefined, "float64");
const y = tensor(labels, undefined, "float64");

const { radius, margin, bound } = novikoffBound(x, y, {
  w: tensor(normalVector, undefined, "float64"),
  b: offset,
});
const separable = trainPerceptron(x, y, { epochs: 1000, shuffle: orderKey });
const made = separable.mistakes.reduce((a, b) => a + b, 0);
console.log(`1. ${points.length} linearly separable points (labels from a line, margin >= ${gap})`);
console.log(`   radius R = ${radius.toFixed(3)} (of (x, 1)), margin γ = ${margin.toFixed(4)}`);
console.log(`   mistakes per epoch: ${separable.mistakes.join(" ")}`);
console.log(
  `   ${made} mistakes in all <= Novikoff's bound (R/γ)² = ${bound.toFixed(1)}: ` +
    `${made <= bound ? "yes" : "NO"}; converged after ${separable.mistakes.length} epochs: ` +
    `${separable.converged}`,
);
const w = separable.w.data, b = separable.b.data[0];
console.log(
  `   learnt line: ${w[0].toFixed(2)}·x₁ + ${w[1].toFixed(2)}·x₂ + ${b.toFixed(2)} = 0`,
);

// --- 2. XOR: the rule keeps making mistakes. -------------------------------------------------
const xorX = tensor([[0, 0], [0, 1], [1, 0], [1, 1]], undefined, "float64");
const xorSigns = tensor([-1, 1, 1, -1], undefined, "float64");
const xor = trainPerceptron(xorX, xorSigns, { epochs: 20 });
console.log(`\n2. XOR with a perceptron, 20 epochs`);
console.log(`   mistakes per epoch: ${xor.mistakes.join(" ")}`);
console.log(
  `   converged: ${xor.converged} (a mistake in every epoch: ` +
    `${xor.mistakes.every((m) => m > 0)}); predictions ${
      Array.from(xor.predict(xorX).data).join(" ")
    } for targets ${Array.from(xorSigns.data).join(" ")}`,
);

// --- 3. A hidden layer: dense(4) → tanh → dense(2), softmax cross-entropy, Adam. ------------
const data = { x: tensor([[0, 0], [0, 1], [1, 0], [1, 1]]), y: tensor([0, 1, 1, 0]) };
const model = serial(dense(4), tanhLayer(), dense(2));
const optimizer = adam(0.05);
const last = await lastValueFrom(
  fit(
    initTrain(model, optimizer, netKey, [2]),
    batches(data, { batchSize: 4, shuffle: batchKey, epochs: 300 }),
    train({ model, loss: softmaxCrossEntropy, optimizer }),
  ),
);
const result = evaluate(model, last.state, data, {
  loss: softmaxCrossEntropy,
  metrics: { accuracy },
});
console.log(`\n3. XOR with one hidden layer (2-4-2, tanh), 300 Adam steps`);
console.log(
  `   accuracy ${(100 * result.accuracy).toFixed(0)}%, cross-entropy ${result.loss.toFixed(4)}`,
);
