// The measurements behind gradstream/plot's choice of plotting library (README, "Pictures").
// Not part of the package: it needs vega and vega-lite, which gradstream does not depend on.
// Run it in an empty folder:
//
//   npm install vega@6.4.0 vega-lite@6.5.0 @observablehq/plot@0.6.17 linkedom@0.18.15 \
//     @resvg/resvg-wasm@2.6.2 dejavu-fonts-ttf@2.37.3
//   cp .../bench/plot_libraries.mjs . && deno run -A plot_libraries.mjs && bun plot_libraries.mjs
//
// For each stack it prints the installed size of the packages it needs (their dependency
// closure in node_modules), the time to import it, and the median time to draw one line
// chart (two series of 200 points, log y axis, axis labels) as SVG text over 20 draws; then
// the median time resvg takes to rasterise each SVG at 2x with DejaVu Sans (draws 6-15).
import { readdirSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import process from "node:process";

const require = createRequire(join(process.cwd(), "x.js"));
const root = join(process.cwd(), "node_modules");

function dirSize(dir) {
  let total = 0;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const s = statSync(p);
    total += s.isDirectory() ? dirSize(p) : s.size;
  }
  return total;
}

function closureSize(names) {
  const seen = new Set();
  const stack = [...names];
  let total = 0;
  while (stack.length > 0) {
    const name = stack.pop();
    if (seen.has(name)) continue;
    seen.add(name);
    const dir = join(root, name);
    total += dirSize(dir);
    const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
    stack.push(...Object.keys(pkg.dependencies ?? {}));
  }
  return { packages: seen.size, mib: total / 2 ** 20 };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const series = ["train", "test"].flatMap((run, r) =>
  Array.from({ length: 200 }, (_, i) => ({ epoch: i + 1, loss: Math.exp(-i / (40 + 20 * r)), run }))
);

async function observable() {
  const t0 = performance.now();
  const Plot = await import("@observablehq/plot");
  const { parseHTML } = await import("linkedom");
  const imported = performance.now() - t0;
  const draw = () => {
    const { document } = parseHTML("<!doctype html><html><body></body></html>");
    const svg = Plot.plot({
      document,
      style: { fontFamily: "DejaVu Sans, sans-serif" }, // as gradstream/plot sets it
      width: 640,
      height: 400,
      x: { label: "epoch" },
      y: { type: "log", label: "loss" },
      marks: [Plot.line(series, { x: "epoch", y: "loss", stroke: "run" })],
    });
    svg.setAttribute("xmlns", "http://www.w3.org/2000/svg");
    return svg.outerHTML;
  };
  return { imported, draw };
}

async function vegaLite() {
  const t0 = performance.now();
  const vega = await import("vega");
  const vl = await import("vega-lite");
  const imported = performance.now() - t0;
  const draw = async () => {
    const spec = vl.compile({
      width: 560,
      height: 340,
      data: { values: series },
      mark: "line",
      encoding: {
        x: { field: "epoch", type: "quantitative" },
        y: { field: "loss", type: "quantitative", scale: { type: "log" } },
        color: { field: "run" },
      },
    }).spec;
    const view = new vega.View(vega.parse(spec), { renderer: "none" });
    const svg = await view.toSVG();
    view.finalize();
    return svg;
  };
  return { imported, draw };
}

const { initWasm, Resvg } = await import("@resvg/resvg-wasm");
await initWasm(readFileSync(require.resolve("@resvg/resvg-wasm/index_bg.wasm")));
const font = readFileSync(require.resolve("dejavu-fonts-ttf/ttf/DejaVuSans.ttf"));
// Warm resvg up (its WebAssembly compiles lazily) so neither stack pays for that.
for (let i = 0; i < 3; i++) {
  new Resvg('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><text>a</text></svg>', {
    font: { fontBuffers: [font], loadSystemFonts: false },
  }).render();
}
const runtime = globalThis.Bun
  ? `Bun ${Bun.version}`
  : globalThis.Deno
  ? `Deno ${Deno.version.deno}`
  : `Node ${process.version}`;
console.log(`${runtime}`);
for (
  const [name, deps, load] of [
    ["Observable Plot + linkedom", ["@observablehq/plot", "linkedom"], observable],
    ["Vega-Lite + Vega", ["vega", "vega-lite"], vegaLite],
  ]
) {
  const size = closureSize(deps);
  const { imported, draw } = await load();
  const times = [];
  let svg = "";
  for (let i = 0; i < 20; i++) {
    const t = performance.now();
    svg = await draw();
    times.push(performance.now() - t);
  }
  const r = [];
  for (let i = 0; i < 15; i++) {
    const t = performance.now();
    const resvg = new Resvg(svg, {
      fitTo: { mode: "zoom", value: 2 },
      font: { fontBuffers: [font], loadSystemFonts: false, defaultFontFamily: "DejaVu Sans" },
    });
    resvg.render().asPng();
    r.push(performance.now() - t);
  }
  console.log(
    `  ${name.padEnd(28)} ${String(size.packages).padStart(3)} packages ${
      size.mib.toFixed(1).padStart(5)
    } MiB, ` +
      `import ${imported.toFixed(0).padStart(4)} ms, draw ${
        median(times).toFixed(1).padStart(5)
      } ms ` +
      `(first ${times[0].toFixed(0)} ms), SVG ${(svg.length / 1024).toFixed(1)} KiB, resvg 2x ${
        median(r.slice(5)).toFixed(0)
      } ms`,
  );
}
