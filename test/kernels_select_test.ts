import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Backend, BackendName } from "../src/kernels/kernels.ts";
import {
  backend,
  BACKEND_ORDER,
  type BackendProbe,
  chooseBackend,
  defaultBackend,
  probeBackend,
} from "../src/kernels/select.ts";
import { tsKernels } from "../src/kernels/ts_gemm.ts";

const fake = (name: BackendName): Backend => ({
  name,
  description: `${name} (fake)`,
  gemm: () => {},
});
/** A probe where the named backends are missing, each with its own reason. */
const without = (...missing: BackendName[]) => (name: BackendName): BackendProbe =>
  missing.includes(name)
    ? { ok: false, reason: `no ${name} in this test` }
    : { ok: true, kernels: fake(name) };

test("automatic selection tries blas, then wasm, then ts", () => {
  assert.deepEqual(BACKEND_ORDER, ["blas", "wasm", "ts"]);
  assert.equal(chooseBackend(undefined, without()).kernels.name, "blas");
  assert.equal(chooseBackend(undefined, without("blas")).kernels.name, "wasm");
  assert.equal(chooseBackend("auto", without("blas", "wasm")).kernels.name, "ts");
});

test("selection with every backend available prints no notice", () => {
  assert.equal(chooseBackend(undefined, without()).notice, undefined);
  assert.equal(chooseBackend("wasm", without()).notice, undefined);
});

test("a fallback comes with a one-line notice naming the missing backend and why", () => {
  const { notice } = chooseBackend(undefined, without("blas", "wasm"));
  assert.ok(notice !== undefined);
  assert.ok(!notice.includes("\n"), notice);
  assert.match(notice, /blas unavailable: no blas in this test;/);
  assert.match(notice, /wasm unavailable: no wasm in this test;/);
  assert.match(notice, /using ts \(fake\)$/);
});

test("a requested backend comes first, case and spaces aside", () => {
  assert.equal(chooseBackend("ts", without()).kernels.name, "ts");
  assert.equal(chooseBackend(" WASM ", without()).kernels.name, "wasm");
});

test("a requested backend that is missing falls back in automatic order with a notice", () => {
  const choice = chooseBackend("blas", without("blas"));
  assert.equal(choice.kernels.name, "wasm");
  assert.match(choice.notice ?? "", /blas unavailable/);
});

test("a backend the runtime cannot run is skipped silently unless asked for by name", () => {
  const noFfi = (name: BackendName): BackendProbe =>
    name === "blas"
      ? { ok: false, reason: "Node.js has no FFI", unsupported: true }
      : { ok: true, kernels: fake(name) };
  const auto = chooseBackend(undefined, noFfi);
  assert.equal(auto.kernels.name, "wasm");
  assert.equal(auto.notice, undefined);
  const asked = chooseBackend("blas", noFfi);
  assert.equal(asked.kernels.name, "wasm");
  assert.match(asked.notice ?? "", /blas unavailable: Node\.js has no FFI; using wasm \(fake\)$/);
});

test("an unknown request is reported and selection goes on automatically", () => {
  const choice = chooseBackend("gpu", without());
  assert.equal(choice.kernels.name, "blas");
  assert.match(choice.notice ?? "", /unknown GRADSTREAM_BACKEND "gpu"/);
});

test("probeBackend never throws for the known backends and the ts backend always loads", () => {
  for (const name of BACKEND_ORDER) {
    const p = probeBackend(name);
    assert.ok(p.ok ? p.kernels.name === name : p.reason.length > 0);
  }
  assert.equal(probeBackend("ts").ok, true);
});

test("backend(name) is the probed backend, the same value on every call", () => {
  for (const name of BACKEND_ORDER) {
    const p = probeBackend(name);
    if (!p.ok) continue; // blas may be missing here; the next test covers it
    assert.equal(backend(name), p.kernels);
    assert.equal(backend(name), backend(name));
  }
  assert.equal(backend("ts"), tsKernels);
});

const missing = BACKEND_ORDER.find((name) => !probeBackend(name).ok);

test("backend(name) of a backend that cannot run here throws an Error saying why", {
  skip: missing === undefined ? "every backend loads here: none to refuse" : false,
}, () => {
  if (missing === undefined) return;
  const p = probeBackend(missing) as { reason: string };
  assert.throws(() => backend(missing), {
    name: "Error",
    message: `backend: "${missing}" is not available here: ${p.reason}`,
  });
});

test("backend rejects unknown names (RangeError) and non-strings (TypeError)", () => {
  assert.throws(() => backend("gpu" as BackendName), {
    name: "RangeError",
    message: /^backend: unknown backend "gpu" .*\(expected blas, wasm, ts or auto\)$/,
  });
  assert.throws(() => backend(3 as unknown as BackendName), {
    name: "TypeError",
    message: /^backend: unknown backend 3 /,
  });
});

test('defaultBackend() is one value, picked once; backend("auto") is it', () => {
  const d = defaultBackend();
  assert.equal(defaultBackend(), d);
  assert.equal(backend("auto"), d);
  assert.ok((BACKEND_ORDER as readonly string[]).includes(d.name), d.name);
});

// The environment and permissions are read once per process, so these run a child process.
const fixture = fileURLToPath(new URL("./kernels_select_fixture.ts", import.meta.url));
const isDeno = typeof Deno !== "undefined";

function runFixture(env: Record<string, string>, denoFlags = ["--allow-env", "--allow-ffi"]) {
  const args = isDeno ? ["run", "--frozen", "--cached-only", ...denoFlags, fixture] : [fixture];
  const r = spawnSync(process.execPath, args, {
    env: { ...process.env, ...env, NO_COLOR: "1" },
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
  return { status: r.status, stdout: r.stdout.trim(), stderr: r.stderr.trim() };
}

test("GRADSTREAM_BACKEND=ts selects the ts backend without a notice", () => {
  const r = runFixture({ GRADSTREAM_BACKEND: "ts" });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^ts \(.*\) => 11$/);
  assert.equal(r.stderr, "");
});

test("GRADSTREAM_BACKEND=wasm selects the wasm backend", () => {
  const r = runFixture({ GRADSTREAM_BACKEND: "wasm" });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^wasm \(.*\) => 11$/);
});

test("a missing BLAS library falls back to wasm with exactly one line on stderr", () => {
  const r = runFixture({ GRADSTREAM_BACKEND: "", GRADSTREAM_BLAS_LIB: "/nonexistent/libcblas.so" });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^wasm \(.*\) => 11$/);
  assert.equal(r.stderr.split("\n").length, 1, r.stderr);
  assert.match(r.stderr, /blas unavailable: .*\/nonexistent\/libcblas\.so/);
});

const denoOnly = isDeno ? false : "permissions are a Deno feature; Bun grants FFI and env";

test("without --allow-ffi Deno falls back to wasm with a one-line notice", {
  skip: denoOnly,
}, () => {
  const r = runFixture({ GRADSTREAM_BACKEND: "" }, ["--allow-env"]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^wasm \(.*\) => 11$/);
  assert.equal(r.stderr.split("\n").length, 1, r.stderr);
  assert.match(r.stderr, /--allow-ffi/);
});

test("without --allow-env the environment is not read and never raises", {
  skip: denoOnly,
}, () => {
  const r = runFixture({ GRADSTREAM_BACKEND: "ts" }, ["--allow-ffi"]);
  assert.equal(r.status, 0, r.stderr);
  assert.doesNotMatch(r.stdout, /^ts /);
  assert.match(r.stdout, / => 11$/);
  assert.doesNotMatch(r.stderr, /NotCapable|PermissionDenied/);
  // Silent when BLAS loads; a fallback notice (no OpenBLAS here) names the flag.
  if (r.stderr !== "") assert.match(r.stderr, /--allow-env=GRADSTREAM_BACKEND,GRADSTREAM_BLAS_LIB/);
});

test("a notice under Deno names both the --allow-ffi and the --allow-env flag", {
  skip: denoOnly,
}, () => {
  // An empty flag list would make Deno's child_process grant everything (it reads a Node-style
  // command line); a harmless read grant keeps FFI and env ungranted.
  const r = runFixture({ GRADSTREAM_BACKEND: "ts" }, [`--allow-read=${fixture}`]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^wasm \(.*\) => 11$/);
  assert.equal(r.stderr.split("\n").length, 1, r.stderr);
  assert.match(r.stderr, /blas unavailable: FFI permission not granted \(run with --allow-ffi\)/);
  assert.match(
    r.stderr,
    /\(GRADSTREAM_BACKEND and GRADSTREAM_BLAS_LIB not read: run with --allow-env=GRADSTREAM_BACKEND,GRADSTREAM_BLAS_LIB to set them\)$/,
  );
});

const openmp = ["x86_64", "aarch64"]
  .map((arch) => `/usr/lib/${arch}-linux-gnu/openblas-openmp/libopenblas.so.0`)
  .find((path) => existsSync(path));

test("an OpenMP build of OpenBLAS is skipped with a notice saying so", {
  skip: openmp === undefined ? "no OpenMP build of OpenBLAS installed here" : false,
}, () => {
  const r = runFixture({ GRADSTREAM_BACKEND: "", GRADSTREAM_BLAS_LIB: openmp! });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^wasm \(.*\) => 11$/);
  assert.match(r.stderr, /an OpenMP build; use the pthread one/);
});
