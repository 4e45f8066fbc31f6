/**
 * The WebAssembly source of the SIMD gemm, as a generator of WebAssembly text (WAT).
 *
 * The kernel is the classic GotoBLAS/BLIS loop nest: `op(B)` is packed into `KC×NR` column
 * panels, `op(A)` into `MR×KC` row panels (both zero-padded, so the micro-kernel never
 * branches), and an `MR×NR` register tile of SIMD accumulators runs down the shared `k`
 * dimension. Packing reads the operands through (row, column) byte strides, which is how the
 * four transpose variants share one micro-kernel. The micro-kernel is unrolled here rather
 * than written by hand because its register tile is `MR·NR/lanes` accumulators, each spelled
 * out as a local.
 *
 * `scripts/build_wasm.ts` (`deno task build:wasm`) assembles this text with wabt and writes
 * the bytes into `gemm_wasm.ts`; CI rebuilds and diffs to prove the two agree.
 *
 * Memory contract of the exported `gemm_f32` / `gemm_f64`
 * `(transA, transB, m, n, k, a, b, c, work)`: `a`, `b`, `c` and `work` are byte addresses in
 * the module's exported `memory`; `c` receives `op(a)·op(b)` (overwritten); `work` must have
 * {@linkcode WASM_WORK_BYTES} free bytes for the packed panels; bytes `[0, 1024)` are the
 * module's own scratch tile, so callers place their data from {@linkcode WASM_HEAP_BASE} on.
 *
 * The same module carries the Adam step (`adam_wat.ts`), the float32 rectifier and its
 * pullback (`relu_wat.ts`), the bias loops of `linear` (`rows_wat.ts`) and the LSTM cell's
 * gate loops (`lstm_wat.ts`), so one compiled module serves every wasm kernel.
 *
 * @module
 */

import { adamWat } from "./adam_wat.ts";
import { bernoulliWat } from "./bernoulli_wat.ts";
import { reluWat } from "./relu_wat.ts";
import { poolWat } from "./pool_wat.ts";
import { rowsWat } from "./rows_wat.ts";
import { lstmWat } from "./lstm_wat.ts";
import { type ElementType, F32, F64, packA, packB, range, type Tile } from "./gemm_pack_wat.ts";

/** Depth of one packed block (the `k` extent kept in L1/L2). */
const KC = 256;
/** Rows of `op(A)` packed per block (kept in L2). */
const MC = 96;
/** Columns of `op(B)` packed per block. */
const NC = 3072;

/** Bytes the caller must leave free at `work` (both packed blocks, for the larger dtype). */
export const WASM_WORK_BYTES: number = (MC * KC + KC * (NC + 16)) * 8;

/** First byte the caller may use; below it lies the module's scratch tile. */
export const WASM_HEAP_BASE = 1024;

/** Options of {@linkcode gemmWat}: the register tile and the multiply-add flavour. */
export interface GemmWatOptions {
  /**
   * Use `relaxed_madd` (an FMA where the engine fuses it) instead of a separate multiply and
   * add. Default false: plain SIMD, the same bits on every engine.
   */
  readonly relaxed?: boolean;
  /** Rows of the register tile (must divide 96). Default 4. */
  readonly mr?: number;
  /** SIMD vectors per row of the register tile (NR = vn · lanes; must divide 3072/lanes). Default 2. */
  readonly vn?: number;
}

/**
 * The register-tiled micro-kernel: `C[MR×NR] += Apanel · Bpanel` over `kc` steps, with C's
 * rows `ldc` bytes apart. Accumulators stay in locals (registers) for the whole loop.
 */
function microKernel(t: ElementType, g: Tile): string {
  const { mr: MR, vn: VN, relaxed } = g;
  const s = t.size;
  const acc = (r: number, v: number) => `$c${r}_${v}`;
  const locals = range(MR).flatMap((r) => range(VN).map((v) => `(local ${acc(r, v)} v128)`))
    .join(" ");
  const bl = range(VN).map((v) => `(local $b${v} v128)`).join(" ");
  const loads = range(VN).map((v) =>
    `(local.set $b${v} (v128.load offset=${v * 16} (local.get $pb)))`
  ).join("\n        ");
  const body = range(MR).map((r) => {
    const splat = `(local.set $a (${t.splat} offset=${r * s} (local.get $pa)))`;
    const upd = range(VN).map((v) =>
      relaxed
        ? `(local.set ${
          acc(r, v)
        } (${t.vec}.relaxed_madd (local.get $a) (local.get $b${v}) (local.get ${acc(r, v)})))`
        : `(local.set ${acc(r, v)} (${t.vec}.add (local.get ${
          acc(r, v)
        }) (${t.vec}.mul (local.get $a) (local.get $b${v}))))`
    ).join("\n        ");
    return `${splat}\n        ${upd}`;
  }).join("\n        ");
  const stores = range(MR).flatMap((r) =>
    range(VN).map((v) =>
      `(v128.store offset=${v * 16} (local.get $row)
        (${t.vec}.add (v128.load offset=${v * 16} (local.get $row)) (local.get ${acc(r, v)})))`
    ).concat([`(local.set $row (i32.add (local.get $row) (local.get $ldc)))`])
  ).join("\n    ");
  return `
  (func $kernel_${t.name} (param $kc i32) (param $pa i32) (param $pb i32) (param $c i32)
      (param $ldc i32)
    (local $a v128) ${bl} (local $row i32) ${locals}
    (loop $depth
        ${loads}
        ${body}
        (local.set $pa (i32.add (local.get $pa) (i32.const ${MR * s})))
        (local.set $pb (i32.add (local.get $pb) (i32.const ${VN * 16})))
        (br_if $depth (local.tee $kc (i32.sub (local.get $kc) (i32.const 1)))))
    (local.set $row (local.get $c))
    ${stores})`;
}

/** Adds the valid `mr×nr` corner of the scratch tile into C. */
function addTile(t: ElementType, g: Tile): string {
  const { vn: VN } = g;
  const s = t.size;
  const nr = VN * t.lanes;
  return `
  (func $add_tile_${t.name} (param $c i32) (param $ldc i32) (param $mr i32) (param $nr i32)
    (local $i i32) (local $j i32) (local $src i32) (local $dst i32)
    (loop $rows
      (local.set $src (i32.mul (local.get $i) (i32.const ${nr * s})))
      (local.set $dst (i32.add (local.get $c) (i32.mul (local.get $i) (local.get $ldc))))
      (local.set $j (i32.const 0))
      (loop $cols
        (${t.scalar}.store (local.get $dst)
          (${t.scalar}.add (${t.scalar}.load (local.get $dst)) (${t.scalar}.load (local.get $src))))
        (local.set $src (i32.add (local.get $src) (i32.const ${s})))
        (local.set $dst (i32.add (local.get $dst) (i32.const ${s})))
        (br_if $cols (i32.lt_u (local.tee $j (i32.add (local.get $j) (i32.const 1))) (local.get $nr))))
      (br_if $rows (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $mr)))))`;
}

/** The blocked driver: zero C, then for each (jc, pc, ic) block pack and run the tiles. */
function driver(t: ElementType, g: Tile): string {
  const { mr: MR, vn: VN } = g;
  const s = t.size;
  const nr = VN * t.lanes;
  const tileBytes = MR * nr * s;
  return `
  (func (export "gemm_${t.name}") (param $ta i32) (param $tb i32) (param $m i32) (param $n i32)
      (param $k i32) (param $a i32) (param $b i32) (param $c i32) (param $work i32)
    (local $rsa i32) (local $csa i32) (local $rsb i32) (local $csb i32) (local $ldc i32)
    (local $packa i32) (local $packb i32)
    (local $jc i32) (local $pc i32) (local $ic i32) (local $jr i32) (local $ir i32)
    (local $nc i32) (local $kc i32) (local $mc i32) (local $cp i32) (local $pa i32) (local $pb i32)
    (local.set $ldc (i32.mul (local.get $n) (i32.const ${s})))
    (memory.fill (local.get $c) (i32.const 0) (i32.mul (local.get $m) (local.get $ldc)))
    (if (i32.or (i32.or (i32.eqz (local.get $m)) (i32.eqz (local.get $n))) (i32.eqz (local.get $k)))
      (then (return)))
    ;; op(A)(i,p) at a + i*rsa + p*csa; op(B)(p,j) at b + p*rsb + j*csb (bytes).
    (if (local.get $ta)
      (then (local.set $rsa (i32.const ${s})) (local.set $csa (i32.mul (local.get $m) (i32.const ${s}))))
      (else (local.set $rsa (i32.mul (local.get $k) (i32.const ${s}))) (local.set $csa (i32.const ${s}))))
    (if (local.get $tb)
      (then (local.set $rsb (i32.const ${s})) (local.set $csb (i32.mul (local.get $k) (i32.const ${s}))))
      (else (local.set $rsb (local.get $ldc)) (local.set $csb (i32.const ${s}))))
    (local.set $packa (local.get $work))
    (local.set $packb (i32.add (local.get $work) (i32.const ${MC * KC * s})))
    (loop $jcl
      (local.set $nc (select (i32.sub (local.get $n) (local.get $jc)) (i32.const ${NC})
        (i32.lt_u (i32.sub (local.get $n) (local.get $jc)) (i32.const ${NC}))))
      (local.set $pc (i32.const 0))
      (loop $pcl
        (local.set $kc (select (i32.sub (local.get $k) (local.get $pc)) (i32.const ${KC})
          (i32.lt_u (i32.sub (local.get $k) (local.get $pc)) (i32.const ${KC}))))
        (call $pack_b_${t.name}
          (i32.add (local.get $b) (i32.add (i32.mul (local.get $pc) (local.get $rsb))
            (i32.mul (local.get $jc) (local.get $csb))))
          (local.get $rsb) (local.get $csb) (local.get $kc) (local.get $nc) (local.get $packb))
        (local.set $ic (i32.const 0))
        (loop $icl
          (local.set $mc (select (i32.sub (local.get $m) (local.get $ic)) (i32.const ${MC})
            (i32.lt_u (i32.sub (local.get $m) (local.get $ic)) (i32.const ${MC}))))
          (call $pack_a_${t.name}
            (i32.add (local.get $a) (i32.add (i32.mul (local.get $ic) (local.get $rsa))
              (i32.mul (local.get $pc) (local.get $csa))))
            (local.get $rsa) (local.get $csa) (local.get $mc) (local.get $kc) (local.get $packa))
          (local.set $jr (i32.const 0))
          (loop $jrl
            (local.set $pb (i32.add (local.get $packb)
              (i32.mul (i32.mul (local.get $jr) (local.get $kc)) (i32.const ${s}))))
            (local.set $ir (i32.const 0))
            (loop $irl
              (local.set $pa (i32.add (local.get $packa)
                (i32.mul (i32.mul (local.get $ir) (local.get $kc)) (i32.const ${s}))))
              (local.set $cp (i32.add (local.get $c) (i32.add
                (i32.mul (i32.add (local.get $ic) (local.get $ir)) (local.get $ldc))
                (i32.mul (i32.add (local.get $jc) (local.get $jr)) (i32.const ${s})))))
              (if (i32.and
                    (i32.le_u (i32.add (local.get $ir) (i32.const ${MR})) (local.get $mc))
                    (i32.le_u (i32.add (local.get $jr) (i32.const ${nr})) (local.get $nc)))
                (then (call $kernel_${t.name} (local.get $kc) (local.get $pa) (local.get $pb)
                  (local.get $cp) (local.get $ldc)))
                (else
                  ;; A ragged edge tile: compute the whole tile into scratch, add what fits.
                  (memory.fill (i32.const 0) (i32.const 0) (i32.const ${tileBytes}))
                  (call $kernel_${t.name} (local.get $kc) (local.get $pa) (local.get $pb)
                    (i32.const 0) (i32.const ${nr * s}))
                  (call $add_tile_${t.name} (local.get $cp) (local.get $ldc)
                    (select (i32.sub (local.get $mc) (local.get $ir)) (i32.const ${MR})
                      (i32.lt_u (i32.sub (local.get $mc) (local.get $ir)) (i32.const ${MR})))
                    (select (i32.sub (local.get $nc) (local.get $jr)) (i32.const ${nr})
                      (i32.lt_u (i32.sub (local.get $nc) (local.get $jr)) (i32.const ${nr}))))))
              (br_if $irl (i32.lt_u (local.tee $ir (i32.add (local.get $ir) (i32.const ${MR})))
                (local.get $mc))))
            (br_if $jrl (i32.lt_u (local.tee $jr (i32.add (local.get $jr) (i32.const ${nr})))
              (local.get $nc))))
          (br_if $icl (i32.lt_u (local.tee $ic (i32.add (local.get $ic) (i32.const ${MC})))
            (local.get $m))))
        (br_if $pcl (i32.lt_u (local.tee $pc (i32.add (local.get $pc) (i32.const ${KC})))
          (local.get $k))))
      (br_if $jcl (i32.lt_u (local.tee $jc (i32.add (local.get $jc) (i32.const ${NC})))
        (local.get $n)))))`;
}

/**
 * The WAT text of the kernels module: exports `memory`, `gemm_f32`, `gemm_f64`, the Adam
 * functions of `adam_wat.ts`, the rectifier's of `relu_wat.ts`, the fused rectifier and max
 * pool of `pool_wat.ts`, the bias loops of `rows_wat.ts`, the Bernoulli likelihood of
 * `bernoulli_wat.ts` and the LSTM gate loops of `lstm_wat.ts`.
 *
 * @example
 * ```ts
 * import { gemmWat } from "./gemm_wat.ts";
 * const wat = gemmWat();
 * if (!wat.includes('(export "gemm_f32")')) throw new Error("missing export");
 * ```
 */
export function gemmWat(options: GemmWatOptions = {}): string {
  const g: Tile = {
    mr: options.mr ?? 4,
    vn: options.vn ?? 2,
    relaxed: options.relaxed ?? false,
  };
  if (MC % g.mr !== 0 || !Number.isInteger(g.mr) || g.mr < 1) {
    throw new RangeError(`gemmWat: mr must be a positive divisor of ${MC}, got ${g.mr}`);
  }
  if (NC % (g.vn * 4) !== 0 || !Number.isInteger(g.vn) || g.vn < 1) {
    throw new RangeError(`gemmWat: vn·4 must divide ${NC}, got vn=${g.vn}`);
  }
  const parts = [F32, F64].map((t) =>
    packA(t, g) + packB(t, g) + microKernel(t, g) + addTile(t, g) + driver(t, g)
  );
  const flavour = g.relaxed ? "relaxed_madd" : "mul+add";
  return `;; Generated by src/kernels/wasm/gemm_wat.ts: MR=${g.mr}, VN=${g.vn}, ${flavour}, KC=${KC}, MC=${MC}, NC=${NC}.
(module
  (memory (export "memory") 1)
${parts.join("\n")}
${adamWat()}
${reluWat()}
${poolWat()}
${rowsWat()}
${bernoulliWat()}
${lstmWat()}
)
`;
}
