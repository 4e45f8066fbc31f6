import { test } from "node:test";
import assert from "node:assert/strict";
import { heatmap, rasterize, sampleGrid, saveFigure, sheet, toPng } from "../src/plot/mod.ts";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { draw, isColor, svgTexts } from "./_plot_pixels.ts";

const flat = (color: string) =>
  heatmap(sampleGrid(() => 0, { x: [0, 1], y: [0, 1], cols: 2 }), {
    width: 100,
    height: 80,
    axes: false,
    color: { colors: [color, color] },
  });

test("sheet() places each figure in its cell, rows of `columns`, under the title", async () => {
  const fig = sheet([flat("#ff0000"), flat("#00ff00"), flat("#0000ff")], {
    columns: 2,
    gap: 10,
    title: "Three",
  });
  assert.equal(fig.width, 210);
  assert.equal(fig.height, 28 + 80 + 10 + 80);
  assert.ok(svgTexts(fig.svg).includes("Three"));
  const pic = await draw(fig, 2);
  assert.ok(isColor(pic, 50, 28 + 40, [255, 0, 0], 5));
  assert.ok(isColor(pic, 160, 28 + 40, [0, 255, 0], 5));
  assert.ok(isColor(pic, 50, 28 + 90 + 40, [0, 0, 255], 5));
  assert.ok(isColor(pic, 160, 28 + 90 + 40, [255, 255, 255], 5), "no fourth figure");
});

test("saveFigure() writes the SVG and a PNG of it", async () => {
  const dir = await mkdtemp(join(tmpdir(), "gradstream-plot-"));
  try {
    const fig = flat("#123456");
    const [svgPath, pngPath] = await saveFigure(fig, dir, "flat", { scale: 1 });
    assert.equal(await readFile(svgPath, "utf8"), fig.svg);
    assert.deepEqual(new Uint8Array(await readFile(pngPath)), await toPng(fig, { scale: 1 }));
  } finally {
    await rm(dir, { recursive: true });
  }
});

test("rasterize() and saveFigure() reject what is not an SVG, a bad scale or a path as name", async () => {
  await assert.rejects(
    rasterize("<html></html>"),
    (e) => e instanceof TypeError && /rasterize/.test(e.message),
  );
  await assert.rejects(
    rasterize(flat("red"), { scale: 0 }),
    (e) =>
      e instanceof RangeError && /rasterize: scale must be in \(0, 16\], got 0/.test(e.message),
  );
  await assert.rejects(
    saveFigure(flat("red"), tmpdir(), "../x"),
    (e) => e instanceof TypeError && /saveFigure: name/.test(e.message),
  );
  assert.throws(() => sheet([]), (e) => e instanceof RangeError && /sheet/.test(e.message));
});
