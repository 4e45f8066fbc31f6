/**
 * The packing half of the WAT gemm generator (see `gemm_wat.ts`): the element types and the
 * register tile, and the loops that copy `op(A)` into MR-row panels and `op(B)` into NR-column
 * panels, zero-padded, through (row, column) byte strides.
 *
 * @module
 */

/** What the generated code needs to know of an element type. */
export interface ElementType {
  /** Suffix of the exported function. */
  readonly name: "f32" | "f64";
  /** Scalar value type. */
  readonly scalar: "f32" | "f64";
  /** SIMD shape. */
  readonly vec: "f32x4" | "f64x2";
  /** Bytes per element. */
  readonly size: number;
  /** Elements per v128. */
  readonly lanes: number;
  /** Splatting load of one element. */
  readonly splat: string;
}

/** float32: four lanes per v128. */
export const F32: ElementType = {
  name: "f32",
  scalar: "f32",
  vec: "f32x4",
  size: 4,
  lanes: 4,
  splat: "v128.load32_splat",
};
/** float64: two lanes per v128. */
export const F64: ElementType = {
  name: "f64",
  scalar: "f64",
  vec: "f64x2",
  size: 8,
  lanes: 2,
  splat: "v128.load64_splat",
};

/** The register tile: MR rows of VN vectors, and the multiply-add flavour. */
export interface Tile {
  readonly mr: number;
  readonly vn: number;
  readonly relaxed: boolean;
}

/** `[0, 1, ..., n - 1]`, for unrolling. */
export const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/** Packs `op(A)[mc×kc]` (element (i,p) at `a + i·rs + p·cs`) into MR-row panels. */
export function packA(t: ElementType, g: Tile): string {
  const { mr: MR } = g;
  const s = t.size;
  const full = range(MR).map((r) =>
    `(${t.scalar}.store offset=${r * s} (local.get $dst)
          (${t.scalar}.load (i32.add (local.get $src) (i32.mul (local.get $rs) (i32.const ${r})))))`
  ).join("\n        ");
  const partial = range(MR).map((r) =>
    `(${t.scalar}.store offset=${r * s} (local.get $dst)
          (if (result ${t.scalar}) (i32.lt_u (i32.add (local.get $i) (i32.const ${r})) (local.get $mc))
            (then (${t.scalar}.load (i32.add (local.get $src) (i32.mul (local.get $rs) (i32.const ${r})))))
            (else (${t.scalar}.const 0))))`
  ).join("\n        ");
  return `
  (func $pack_a_${t.name} (param $a i32) (param $rs i32) (param $cs i32) (param $mc i32)
      (param $kc i32) (param $dst i32)
    (local $i i32) (local $p i32) (local $src i32)
    (loop $rows
      (local.set $src (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $rs))))
      (local.set $p (i32.const 0))
      (if (i32.le_u (i32.add (local.get $i) (i32.const ${MR})) (local.get $mc))
        (then (loop $cols
          ${full}
          (local.set $dst (i32.add (local.get $dst) (i32.const ${MR * s})))
          (local.set $src (i32.add (local.get $src) (local.get $cs)))
          (br_if $cols (i32.lt_u (local.tee $p (i32.add (local.get $p) (i32.const 1))) (local.get $kc)))))
        (else (loop $cols
          ${partial}
          (local.set $dst (i32.add (local.get $dst) (i32.const ${MR * s})))
          (local.set $src (i32.add (local.get $src) (local.get $cs)))
          (br_if $cols (i32.lt_u (local.tee $p (i32.add (local.get $p) (i32.const 1))) (local.get $kc))))))
      (br_if $rows (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const ${MR}))) (local.get $mc)))))`;
}

/** Packs `op(B)[kc×nc]` (element (p,j) at `b + p·rs + j·cs`) into NR-column panels. */
export function packB(t: ElementType, g: Tile): string {
  const { vn: VN } = g;
  const s = t.size;
  const nr = VN * t.lanes;
  // Row-major B with unit column stride: each panel row is VN contiguous vectors.
  const vectors = range(VN).map((v) =>
    `(v128.store offset=${v * 16} (local.get $dst) (v128.load offset=${v * 16} (local.get $src)))`
  ).join("\n          ");
  const strided = range(nr).map((j) =>
    `(${t.scalar}.store offset=${j * s} (local.get $dst)
          (${t.scalar}.load (i32.add (local.get $src) (i32.mul (local.get $cs) (i32.const ${j})))))`
  ).join("\n          ");
  const partial = range(nr).map((j) =>
    `(${t.scalar}.store offset=${j * s} (local.get $dst)
          (if (result ${t.scalar}) (i32.lt_u (i32.add (local.get $j) (i32.const ${j})) (local.get $nc))
            (then (${t.scalar}.load (i32.add (local.get $src) (i32.mul (local.get $cs) (i32.const ${j})))))
            (else (${t.scalar}.const 0))))`
  ).join("\n          ");
  const step = `
          (local.set $dst (i32.add (local.get $dst) (i32.const ${nr * s})))
          (local.set $src (i32.add (local.get $src) (local.get $rs)))
          (br_if $rows (i32.lt_u (local.tee $p (i32.add (local.get $p) (i32.const 1))) (local.get $kc)))`;
  return `
  (func $pack_b_${t.name} (param $b i32) (param $rs i32) (param $cs i32) (param $kc i32)
      (param $nc i32) (param $dst i32)
    (local $j i32) (local $p i32) (local $src i32)
    (loop $panels
      (local.set $src (i32.add (local.get $b) (i32.mul (local.get $j) (local.get $cs))))
      (local.set $p (i32.const 0))
      (if (i32.gt_u (i32.add (local.get $j) (i32.const ${nr})) (local.get $nc))
        (then (loop $rows ${partial} ${step}))
        (else (if (i32.eq (local.get $cs) (i32.const ${s}))
          (then (loop $rows ${vectors} ${step}))
          (else (loop $rows ${strided} ${step})))))
      (br_if $panels (i32.lt_u (local.tee $j (i32.add (local.get $j) (i32.const ${nr}))) (local.get $nc)))))`;
}
