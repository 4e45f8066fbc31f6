import { test } from "node:test";
import assert from "node:assert/strict";
import { contourPlot, levels, sampleGrid } from "../src/plot/mod.ts";
import { draw, isColor, svgTexts, toPixel } from "./_plot_pixels.ts";

const margins = { top: 20, right: 80, bottom: 40, left: 50 };
const frame = { left: 50, top: 20, width: 400 - 130, height: 300 - 60 };

test("levels() spaces levels evenly, or geometrically on a log scale", () => {
  assert.deepEqual(levels(0, 4, 3, false), [1, 2, 3]);
  assert.deepEqual(levels(1, 1e4, 3, true).map((v) => Number(v.toPrecision(6))), [10, 100, 1000]);
});

test("contourPlot() fills each band with its level's colour, the lowest band too", async () => {
  const grid = sampleGrid((x) => x, { x: [0, 1], y: [0, 1], cols: 30 });
  const fig = contourPlot(grid, {
    width: 400,
    height: 300,
    margins,
    thresholds: [0.5],
    color: { colors: ["#0000ff", "#ff0000"] },
  });
  const pic = await draw(fig, 2);
  const at = toPixel(frame, [0, 1], [0, 1]);
  // The band below 0.5 takes the colour of the least value (≈ 0: blue), the band above the
  // colour of 0.5 (half way from blue to red).
  const below = [0, 0, 255];
  const above = [128, 0, 128];
  assert.ok(isColor(pic, ...at(0.25, 0.5), below, 25), "below the level");
  assert.ok(isColor(pic, ...at(0.05, 0.1), below, 25), "below the level");
  assert.ok(isColor(pic, ...at(0.75, 0.5), above, 25), "above the level");
  assert.ok(isColor(pic, ...at(0.6, 0.9), above, 25), "above the level");
});

test("contourPlot() draws a path through its points and names it in the legend", async () => {
  const grid = sampleGrid((x, y) => x * x + y * y + 1, { x: [-1, 1], y: [-1, 1], cols: 30 });
  const fig = contourPlot(grid, {
    width: 400,
    height: 300,
    margins,
    filled: false,
    logScale: true,
    thresholds: 5,
    paths: [{ name: "adam", x: [-0.8, 0, 0.8], y: [-0.8, 0, 0.8], color: "#ff0000" }],
    xLabel: "w1",
    yLabel: "w2",
  });
  const texts = svgTexts(fig.svg);
  for (const t of ["adam", "w1", "w2"]) {
    assert.ok(texts.includes(t), `${t}: ${JSON.stringify(texts)}`);
  }
  const pic = await draw(fig, 2);
  const at = toPixel(frame, [-1, 1], [-1, 1]);
  assert.ok(isColor(pic, ...at(-0.4, -0.4), [255, 0, 0]));
  assert.ok(isColor(pic, ...at(0.4, 0.4), [255, 0, 0]));
  assert.ok(!isColor(pic, ...at(0.4, -0.4), [255, 0, 0]));
});

test("contourPlot() rejects non-positive values on a log scale and bad thresholds", () => {
  const grid = sampleGrid((x) => x, { x: [-1, 1], y: [-1, 1], cols: 4 });
  assert.throws(
    () => contourPlot(grid, { logScale: true }),
    (e) => e instanceof RangeError && /contourPlot: logScale needs every value > 0/.test(e.message),
  );
  assert.throws(
    () => contourPlot(grid, { thresholds: 0 }),
    (e) => e instanceof RangeError && /contourPlot: thresholds/.test(e.message),
  );
  assert.throws(
    () => contourPlot(grid, { paths: [{ name: "p", x: [0], y: [0, 1] }] }),
    (e) => e instanceof TypeError && /contourPlot: path "p" has 1 x and 2 y/.test(e.message),
  );
});
