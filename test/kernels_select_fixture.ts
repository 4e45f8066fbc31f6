// Run by test/kernels_select_test.ts in a child process: prints the chosen backend's
// description, so the parent can see what selection did under a given environment and
// set of permissions. Not a test file itself.
import { backendInfo, kernels } from "../src/kernels/select.ts";

const out = new Float32Array(1);
kernels().gemm(false, false, 1, 1, 2, new Float32Array([1, 2]), new Float32Array([3, 4]), out);
console.log(`${backendInfo()} => ${out[0]}`);
