/**
 * WebAssembly text of the LSTM cell's gate loops (`Backend.lstmGates`,
 * `Backend.lstmGatesBack`), assembled into the kernels module with the gemm (see
 * `gemm_wat.ts` and `deno task build:wasm`).
 *
 * Exports, for `batch` rows of `units` units (`n = batch·units`; addresses are byte addresses
 * of float32 arrays in the module's memory; `zx`, `zh`, `dz` are `[batch, 4·units]` with the
 * gate blocks i, f, g, o; `keep` holds five planes of `n`: i, f, g, o, tanh(c')):
 * `lstm_forward_f32(batch, units, zx, zh, c, h_out, c_out, keep)` computes
 * `z = zx + zh`, the gates and the next state; `lstm_backward_f32(batch, units, dh, dc, c,
 * keep, dz, dc_prev)` the cell's pullback from the kept gates. Every operation is a float32
 * one (four lanes at a time, then the units left over one at a time, each lane the scalar
 * operation), with tanh Eigen's rational approximation as `src/ops/_fast_math.ts` has it and
 * σ(x) = ½ + ½·tanh(x/2): within a few float32 ulps of the TypeScript loops (which compute in
 * double and round when they store), and the same bits under every engine (plain SIMD only).
 *
 * @module
 */

const A = [
  4.89352455891786e-03,
  6.37261928875436e-04,
  1.48572235717979e-05,
  5.12229709037114e-08,
  -8.60467152213735e-11,
  2.00018790482477e-13,
  -2.76076847742355e-16,
];
const B = [4.89352518554385e-03, 2.26843463243900e-03, 1.18534705686654e-04, 1.19825839466702e-06];
const CLAMP = 7.90531110763549805;

/**
 * The float32 arithmetic of one kind: four lanes (`v`) or one (`s`). `tanh` and `sig` are
 * statements setting a local, spelled out at each use rather than called (no call per value
 * for an engine to inline or not): Estrin's scheme as `_fast_math.ts`, the clamp a
 * pseudo-min/max (one instruction each on x86-64, where `f32x4.min`'s NaN and −0 rules take a
 * sequence; NaN still passes through).
 */
function kind(vector: boolean) {
  const T = vector ? "f32x4" : "f32", ty = vector ? "v128" : "f32";
  const c = (x: number) => vector ? `(v128.const f32x4 ${x} ${x} ${x} ${x})` : `(f32.const ${x})`;
  const add = (a: string, b: string) => `(${T}.add ${a} ${b})`;
  const mul = (a: string, b: string) => `(${T}.mul ${a} ${b})`;
  const g = (n: string) => `(local.get $${n}_${ty})`;
  const set = (n: string, v: string) => `
        (local.set $${n}_${ty} ${v})`;
  const [lo, hi] = vector ? ["f32x4.pmin", "f32x4.pmax"] : ["f32.min", "f32.max"];
  const tanh = (dest: string, x: string) => {
    const p = mul(
      g("v"),
      add(
        add(add(c(A[0]), mul(c(A[1]), g("v2"))), mul(g("v4"), add(c(A[2]), mul(c(A[3]), g("v2"))))),
        mul(g("v8"), add(add(c(A[4]), mul(c(A[5]), g("v2"))), mul(g("v4"), c(A[6])))),
      ),
    );
    const q = add(
      add(c(B[0]), mul(c(B[1]), g("v2"))),
      mul(g("v4"), add(c(B[2]), mul(c(B[3]), g("v2")))),
    );
    return set("v", `(${lo} (${hi} ${x} ${c(-CLAMP)}) ${c(CLAMP)})`) +
      set("v2", mul(g("v"), g("v"))) +
      set("v4", mul(g("v2"), g("v2"))) + set("v8", mul(g("v4"), g("v4"))) +
      set(dest, `(${T}.div ${p} ${q})`);
  };
  const sig = (dest: string, x: string) =>
    tanh(dest, mul(c(0.5), x)) + set(dest, add(c(0.5), mul(c(0.5), g(dest))));
  return {
    ty,
    c,
    add,
    mul,
    g,
    set,
    tanh,
    sig,
    sub: (a: string, b: string) => `(${T}.sub ${a} ${b})`,
    load: (at: string) => `(${ty}.load ${at})`,
    store: (at: string, v: string) => `
        (${ty}.store ${at} ${v})`,
  };
}

/** `for b in [0, batch): for j in [0, units)`, four units at a time, then one at a time. */
function loop(body: (vector: boolean) => string): string {
  const inner = (vector: boolean, name: string) => {
    const step = vector ? 4 : 1;
    const stop = vector
      ? `(i32.gt_u (i32.add (local.get $j) (i32.const 4)) (local.get $units))`
      : `(i32.ge_u (local.get $j) (local.get $units))`;
    return `
      (block $${name}done (loop $${name}loop
        (br_if $${name}done ${stop})
        (local.set $e (i32.shl (i32.add (local.get $at) (local.get $j)) (i32.const 2)))
        (local.set $z (i32.add (local.get $row) (i32.shl (local.get $j) (i32.const 2))))${
      body(vector)
    }
        (local.set $j (i32.add (local.get $j) (i32.const ${step})))
        (br $${name}loop)))`;
  };
  return `
    (local.set $plane (i32.shl (i32.mul (local.get $batch) (local.get $units)) (i32.const 2)))
    (local.set $gate (i32.shl (local.get $units) (i32.const 2)))
    (local.set $b (i32.const 0))
    (block $bdone (loop $bloop
      (br_if $bdone (i32.ge_u (local.get $b) (local.get $batch)))
      (local.set $at (i32.mul (local.get $b) (local.get $units)))
      (local.set $row (i32.shl (local.get $at) (i32.const 4)))
      (local.set $j (i32.const 0))${inner(true, "v")}${inner(false, "s")}
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br $bloop)))`;
}

const at = (base: string, off = "e") => `(i32.add (local.get $${base}) (local.get $${off}))`;
/** Gate block `q` of a `[batch, 4·units]` array at `base`, the current units. */
const gateAt = (base: string, q: number) =>
  `(i32.add (i32.add (local.get $${base}) (local.get $z)) (i32.mul (local.get $gate) (i32.const ${q})))`;
/** Plane `q` of `keep`, the current units. */
const planeAt = (q: number) =>
  `(i32.add (i32.add (local.get $keep) (local.get $e)) (i32.mul (local.get $plane) (i32.const ${q})))`;

function forwardBody(vector: boolean): string {
  const k = kind(vector), { g, set, add, mul, load, store } = k;
  const z = (q: number) => add(load(gateAt("zx", q)), load(gateAt("zh", q)));
  return k.sig("i", z(0)) + k.sig("f", z(1)) + k.tanh("g", z(2)) + k.sig("o", z(3)) +
    set("cn", add(mul(g("f"), load(at("c"))), mul(g("i"), g("g")))) + k.tanh("tc", g("cn")) +
    store(at("h_out"), mul(g("o"), g("tc"))) + store(at("c_out"), g("cn")) +
    ["i", "f", "g", "o", "tc"].map((v, q) => store(planeAt(q), g(v))).join("");
}

function backwardBody(vector: boolean): string {
  const k = kind(vector), { g, set, add, sub, mul, c, load, store } = k;
  const one = c(1);
  return ["i", "f", "g", "o", "tc"].map((v, q) => set(v, load(planeAt(q)))).join("") +
    set("dho", load(at("dh"))) +
    set("cn", add(load(at("dc")), mul(mul(g("dho"), g("o")), sub(one, mul(g("tc"), g("tc")))))) +
    store(gateAt("dz", 0), mul(mul(mul(g("cn"), g("g")), g("i")), sub(one, g("i")))) +
    store(gateAt("dz", 1), mul(mul(mul(g("cn"), load(at("c"))), g("f")), sub(one, g("f")))) +
    store(gateAt("dz", 2), mul(mul(g("cn"), g("i")), sub(one, mul(g("g"), g("g"))))) +
    store(gateAt("dz", 3), mul(mul(mul(g("dho"), g("tc")), g("o")), sub(one, g("o")))) +
    store(at("dc_prev"), mul(g("cn"), g("f")));
}

const LOOP_LOCALS = ["b", "j", "at", "row", "e", "z", "plane", "gate"].map((n) =>
  `(local $${n} i32)`
)
  .join(" ");

/**
 * The forward and backward functions and their tanh/σ helpers, as module fields (to be placed
 * inside a `(module ...)` that exports its memory).
 *
 * @example
 * ```ts
 * import { lstmWat } from "./lstm_wat.ts";
 * if (!lstmWat().includes('(export "lstm_backward_f32")')) throw new Error("missing export");
 * ```
 */
export function lstmWat(): string {
  const vals = ["i", "f", "g", "o", "cn", "tc", "dho", "v", "v2", "v4", "v8"];
  const locals = ["v128", "f32"].map((ty) => vals.map((v) => `(local $${v}_${ty} ${ty})`).join(" "))
    .join(" ");
  return `
  (func (export "lstm_forward_f32") (param $batch i32) (param $units i32) (param $zx i32) (param $zh i32) (param $c i32) (param $h_out i32) (param $c_out i32) (param $keep i32)
    ${LOOP_LOCALS} ${locals}${loop(forwardBody)})
  (func (export "lstm_backward_f32") (param $batch i32) (param $units i32) (param $dh i32) (param $dc i32) (param $c i32) (param $keep i32) (param $dz i32) (param $dc_prev i32)
    ${LOOP_LOCALS} ${locals}${loop(backwardBody)})`;
}
