// Run by test/kernels_select_test.ts in a child process: prints the default backend's
// description and the result of a 1×2·2×1 product on it, so the parent can see what
// selection did under a given environment and set of permissions. Not a test file itself.
import { defaultBackend } from "../src/kernels/select.ts";

const chosen = defaultBackend();
const out = new Float32Array(1);
chosen.gemm(false, false, 1, 1, 2, new Float32Array([1, 2]), new Float32Array([3, 4]), out);
console.log(`${chosen.description} => ${out[0]}`);
