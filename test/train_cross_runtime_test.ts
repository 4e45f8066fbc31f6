// Same seed, same parameters, on every backend: within one runtime to the bit, and between
// Deno and Bun to the bit except where the engines' own Math.exp/Math.tanh/Math.log/Math.pow
// are involved.
//
// The training runs in child processes (test/_cross_runtime_fixture.ts, one backend given to
// initTrain per child): this runtime twice and the other runtime once, for each of ts, wasm
// (the default plain-SIMD module) and blas (skipped where OpenBLAS is not installed). Bun is
// found on PATH when the tests run under Deno and Deno when they run under Bun (.ci/run puts
// both there); when it is missing, the cross-runtime tests are skipped, saying so.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { delimiter, join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

/**
 * The tolerance between runtimes for the model that uses transcendental functions: each
 * parameter may differ by 1e-5 · max(1, |value|).
 *
 * Why this much: ECMAScript leaves Math.exp, tanh, log and pow "implementation-approximated".
 * V8 ports fdlibm and JavaScriptCore calls the C library; both are within about one double
 * ulp (1.1e-16 relative) of the true value, so they can disagree in the last bit of a double.
 * Activations and parameters are float32, so such a disagreement survives only when a value
 * falls within a double ulp of a float32 rounding boundary (about one value in 2^29), and then
 * as one float32 ulp (6e-8 relative). Forty Adam steps at lr 0.01 can carry that on and grow
 * it: Adam divides by the root of the squared gradients, so a relative change in a gradient
 * is a relative change in the step of up to lr. 1e-5 is ~170 float32 ulps at 1: ample for a
 * few seeded last-bit flips, and five orders of magnitude below the gap between two seeds,
 * which the last test checks, so a wrong backend, key or batch order cannot hide in it.
 */
const TOLERANCE = 1e-5;

const FIXTURE = fileURLToPath(new URL("./_cross_runtime_fixture.ts", import.meta.url));
const isDeno = typeof (globalThis as { Deno?: unknown }).Deno !== "undefined";
const here = isDeno ? "deno" : "bun";
const other = isDeno ? "bun" : "deno";

/** Trained parameters of each model in the fixture: leaf path → float32 values. */
type Run = Record<string, Record<string, Float32Array>>;

/** An executable called `name` in a PATH directory, if any. */
function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (dir !== "" && existsSync(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

/** What a child prints: the trained models, or why its backend cannot load here. */
type Outcome = { readonly unavailable: string } | { readonly run: Run };

function runFixture(runtime: "deno" | "bun", exe: string, backend: string): Outcome {
  const args = runtime === "deno"
    ? ["run", "-A", "--frozen", "--cached-only", FIXTURE, backend]
    : [FIXTURE, backend];
  const r = spawnSync(exe, args, {
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  assert.equal(r.status, 0, `${runtime} ${args.join(" ")} failed:\n${r.stderr}`);
  const parsed = JSON.parse(r.stdout);
  if (typeof parsed.unavailable === "string") return { unavailable: parsed.unavailable };
  const hex: Record<string, Record<string, string>> = parsed;
  const run: Run = {};
  for (const [model, leaves] of Object.entries(hex)) {
    run[model] = {};
    for (const [path, h] of Object.entries(leaves)) {
      const bytes = Uint8Array.from(h.match(/../g) ?? [], (b) => parseInt(b, 16));
      run[model][path] = new Float32Array(bytes.buffer);
    }
  }
  return { run };
}

// Each child runs once, on first use, and its result is shared by the tests that need it.
const lazy = <T>(f: () => T): () => T => {
  let v: { value: T } | undefined;
  return () => (v ??= { value: f() }).value;
};
const otherExe = onPath(other);

/** Per-leaf bit patterns, for deepEqual (which would call -0 and 0, or two NaNs, equal). */
const bits = (leaves: Record<string, Float32Array>) =>
  Object.fromEntries(Object.entries(leaves).map(([k, v]) => [k, [...new Uint32Array(v.buffer)]]));

/** The largest |a − b| / max(1, |a|) over all parameters (Infinity if the trees differ). */
function maxScaledDifference(a: Record<string, Float32Array>, b: Record<string, Float32Array>) {
  assert.deepEqual(Object.keys(a).sort(), Object.keys(b).sort(), "same parameter paths");
  let worst = 0;
  for (const [path, va] of Object.entries(a)) {
    const vb = b[path];
    assert.equal(va.length, vb.length, `${path}: same size`);
    for (let i = 0; i < va.length; i++) {
      const d = Math.abs(va[i] - vb[i]) / Math.max(1, Math.abs(va[i]));
      worst = Math.max(worst, Number.isNaN(d) ? Infinity : d);
    }
  }
  return worst;
}

/** The trained models, or a failed assertion if the backend was reported unavailable. */
const runOf = (o: Outcome): Run => {
  if ("unavailable" in o) assert.fail(`backend unavailable: ${o.unavailable}`);
  return o.run;
};

for (const backend of ["ts", "wasm", "blas"]) {
  const hereA = lazy(() => runFixture(here, process.execPath, backend));
  const hereB = lazy(() => runFixture(here, process.execPath, backend));
  const there = lazy(() => runFixture(other, otherExe!, backend));
  // Whether the backend loads is known only by running the child; blas may be missing here.
  const probe = hereA();
  const missing = "unavailable" in probe ? `${backend}: ${probe.unavailable}` : false;
  if (backend !== "blas" && missing !== false) throw new Error(`no ${backend} backend: ${missing}`);
  const skipOther = missing || (otherExe === undefined ? `${other} is not on PATH` : false);

  test(`${backend}: two runs in ${here} give bitwise-identical parameters`, {
    skip: missing,
  }, () => {
    const [a, b] = [runOf(hereA()), runOf(hereB())];
    assert.deepEqual(Object.keys(a), [
      "exact",
      "exactRms",
      "exactSgd",
      "recurrent",
      "transcendental",
      "seed1",
    ]);
    for (const model of Object.keys(a)) assert.deepEqual(bits(a[model]), bits(b[model]), model);
  });

  test(
    `${backend}: ${here} and ${other} give bitwise-identical parameters without transcendental functions`,
    { skip: skipOther },
    () => {
      const [a, b] = [runOf(there()), runOf(hereA())];
      // momentum, rmsprop and sgd, each through its declared fused step.
      for (const model of ["exact", "exactRms", "exactSgd"]) {
        assert.deepEqual(bits(a[model]), bits(b[model]), model);
      }
    },
  );

  test(
    `${backend}: ${here} and ${other} give bitwise-identical parameters for an LSTM (no Math in its float32 gates)`,
    { skip: skipOther },
    () => {
      assert.deepEqual(bits(runOf(there()).recurrent), bits(runOf(hereA()).recurrent));
    },
  );

  test(
    `${backend}: ${here} and ${other} agree within ${TOLERANCE.toExponential()} with tanh, sigmoid, softmax and Adam`,
    { skip: skipOther },
    () => {
      const d = maxScaledDifference(runOf(hereA()).transcendental, runOf(there()).transcendental);
      assert.ok(d <= TOLERANCE, `parameters differ by up to ${d} (relative)`);
    },
  );

  test(`${backend}: the tolerance is far below the difference between two seeds`, {
    skip: missing,
  }, () => {
    const d = maxScaledDifference(runOf(hereA()).transcendental, runOf(hereA()).seed1);
    assert.ok(d > 1e4 * TOLERANCE, `seeds 0 and 1 differ by only ${d}`);
  });
}

test("the backends differ in their last bits, so each comparison above is of its own", () => {
  // If the fixture ignored its argument, every backend would give the same bits and the
  // per-backend tests would compare one backend three times.
  const ts = runOf(runFixture(here, process.execPath, "ts")).exact;
  const wasm = runOf(runFixture(here, process.execPath, "wasm")).exact;
  assert.notDeepEqual(bits(ts), bits(wasm));
});
