import { test } from "node:test";
import assert from "node:assert/strict";
import { gridOf, gridPoints, heatmap, sampleGrid } from "../src/plot/mod.ts";
import { draw, inkFraction, isColor, rgbAt, svgTexts, toPixel } from "./_plot_pixels.ts";

const margins = { top: 20, right: 20, bottom: 40, left: 50 };
const frame = { left: 50, top: 20, width: 300 - 70, height: 260 - 60 };
const greys = { colors: ["#000000", "#ffffff"] } as const;

test("sampleGrid() samples the cell centres, row 0 at the bottom", () => {
  const g = sampleGrid((x, y) => 10 * x + y, { x: [0, 4], y: [0, 2], cols: 4, rows: 2 });
  assert.deepEqual(Array.from(g.values), [5.5, 15.5, 25.5, 35.5, 6.5, 16.5, 26.5, 36.5]);
});

test("gridPoints() and gridOf() agree with sampleGrid() on the order of the cells", () => {
  const spec = { x: [-1, 1] as const, y: [0, 3] as const, cols: 3, rows: 4 };
  const pts = gridPoints(spec);
  const values = Array.from({ length: 12 }, (_, i) => pts[2 * i] * 7 - pts[2 * i + 1]);
  const sampled = sampleGrid((x, y) => x * 7 - y, spec);
  const built = gridOf(values, spec);
  assert.deepEqual(
    Array.from(built.values).map((v) => v.toFixed(5)),
    Array.from(sampled.values).map((v) => v.toFixed(5)),
  );
});

test("heatmap() colours each cell by its value, left to right and bottom to top", async () => {
  // value = x + y over the unit square, black at 0, white at 2
  const grid = sampleGrid((x, y) => x + y, { x: [0, 1], y: [0, 1], cols: 10, rows: 10 });
  const fig = heatmap(grid, { width: 300, height: 260, margins, domain: [0, 2], color: greys });
  const pic = await draw(fig, 2);
  const at = toPixel(frame, [0, 1], [0, 1]);
  const grey = (x: number, y: number) => rgbAt(pic, ...at(x, y))[0];
  // Cell centres 0.05 and 0.95: expected grey levels 255 * (x + y) / 2, to within rounding.
  assert.ok(Math.abs(grey(0.05, 0.05) - 255 * 0.05) <= 3, `bottom-left ${grey(0.05, 0.05)}`);
  assert.ok(Math.abs(grey(0.95, 0.95) - 255 * 0.95) <= 3, `top-right ${grey(0.95, 0.95)}`);
  assert.ok(Math.abs(grey(0.95, 0.05) - 255 * 0.5) <= 3, `bottom-right ${grey(0.95, 0.05)}`);
  assert.ok(grey(0.05, 0.95) === grey(0.95, 0.05), "x + y is symmetric");
  assert.ok(inkFraction(pic) > 0.3);
});

test("heatmap() draws each point in its class colour where it belongs", async () => {
  const grid = sampleGrid(() => 0, { x: [-2, 2], y: [-2, 2], cols: 8 });
  const fig = heatmap(grid, {
    width: 300,
    height: 260,
    margins,
    domain: [0, 1],
    color: greys,
    points: { x: [-1, 1.5], y: [1, -0.5], label: [0, 1] },
    pointColors: ["#ff0000", "#00ff00"],
    pointRadius: 5,
  });
  const pic = await draw(fig, 2);
  const at = toPixel(frame, [-2, 2], [-2, 2]);
  assert.ok(isColor(pic, ...at(-1, 1), [255, 0, 0]));
  assert.ok(isColor(pic, ...at(1.5, -0.5), [0, 255, 0]));
  assert.ok(isColor(pic, ...at(1, 1), [0, 0, 0], 5), "the background elsewhere");
});

test("heatmap() draws a contour line where the values cross it, and the axis labels", async () => {
  const grid = sampleGrid((x) => x, { x: [0, 1], y: [0, 1], cols: 20 });
  const fig = heatmap(grid, {
    width: 300,
    height: 260,
    margins,
    domain: [0, 1],
    color: { colors: ["#ffffff", "#ffffff"] },
    contours: [0.5],
    xLabel: "x1",
    yLabel: "x2",
  });
  const texts = svgTexts(fig.svg);
  assert.ok(texts.includes("x1") && texts.includes("x2"), JSON.stringify(texts));
  const pic = await draw(fig, 2);
  const at = toPixel(frame, [0, 1], [0, 1]);
  assert.ok(isColor(pic, ...at(0.5, 0.5), [0, 0, 0], 60), "the line at x = 0.5");
  assert.ok(isColor(pic, ...at(0.3, 0.5), [255, 255, 255], 5));
});

test("heatmap() paints values above the domain in overColor, and clamps them without it", async () => {
  // left half 0.5, right half 3 (above the domain [0, 1])
  const grid = sampleGrid((x) => (x < 0.5 ? 0.5 : 3), { x: [0, 1], y: [0, 1], cols: 10 });
  const at = toPixel(frame, [0, 1], [0, 1]);
  const over = await draw(
    heatmap(grid, {
      width: 300,
      height: 260,
      margins,
      domain: [0, 1],
      color: greys,
      overColor: "red",
    }),
  );
  assert.ok(isColor(over, ...at(0.75, 0.5), [255, 0, 0], 5), "above: red");
  assert.ok(isColor(over, ...at(0.25, 0.5), [128, 128, 128], 5), "inside: grey");
  const clamped = await draw(
    heatmap(grid, { width: 300, height: 260, margins, domain: [0, 1], color: greys }),
  );
  assert.ok(isColor(clamped, ...at(0.75, 0.5), [255, 255, 255], 5), "above: the top colour");
});

test("heatmap() rejects a grid of the wrong size and labels outside the palette", () => {
  assert.throws(
    () => heatmap({ values: [1, 2, 3], cols: 2, rows: 2, x: [0, 1], y: [0, 1] }),
    (e) => e instanceof TypeError && /heatmap: a 2x2 grid needs 4 values, got 3/.test(e.message),
  );
  assert.throws(
    () =>
      heatmap(sampleGrid(() => 0, { x: [0, 1], y: [0, 1], cols: 4 }), {
        points: { x: [0], y: [0], label: [3] },
        pointColors: ["red", "blue"],
      }),
    (e) => e instanceof RangeError && /heatmap: points.label\[0\] is 3/.test(e.message),
  );
  assert.throws(
    () => sampleGrid(() => 0, { x: [1, 0], y: [0, 1] }),
    (e) => e instanceof RangeError && /sampleGrid: grid.x/.test(e.message),
  );
});
