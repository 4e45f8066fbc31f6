import { test } from "node:test";
import assert from "node:assert/strict";
import { lastValueFrom, toArray } from "rxjs";
import { historySeries, lineChart } from "../src/plot/mod.ts";
import {
  adam,
  batches,
  dense,
  epochSummaries,
  fit,
  initTrain,
  key,
  meanSquaredError,
  tensor,
  train,
} from "../mod.ts";
import { draw, inkFraction, isColor, svgTexts, toPixel } from "./_plot_pixels.ts";

const margins = { top: 20, right: 20, bottom: 40, left: 50 };
const frame = { left: 50, top: 20, width: 400 - 70, height: 300 - 60 };

test("lineChart() draws at the figure's size times the scale, with ink on it", async () => {
  const fig = lineChart([{ name: "loss", y: [3, 2, 1.5, 1.2] }], { width: 400, height: 300 });
  assert.equal(fig.width, 400);
  assert.equal(fig.height, 300);
  const pic = await draw(fig, 2);
  const ink = inkFraction(pic);
  assert.ok(ink > 0.005 && ink < 0.5, `ink fraction ${ink}`);
});

test("lineChart() writes the axis labels, the title and every series' name as SVG text", () => {
  const fig = lineChart(
    [{ name: "train", y: [1, 0.5] }, { name: "test", y: [1.2, 0.8] }],
    { xLabel: "epoch", yLabel: "loss", title: "Two runs" },
  );
  const texts = svgTexts(fig.svg);
  for (const t of ["epoch", "loss", "Two runs", "train", "test"]) {
    assert.ok(texts.includes(t), `${t} missing from ${JSON.stringify(texts)}`);
  }
});

test("lineChart() puts a data point at the pixel its value maps to (linear axes)", async () => {
  const fig = lineChart(
    [{ name: "a", x: [0, 10], y: [0, 10], color: "#ff0000" }],
    { width: 400, height: 300, margins, xDomain: [0, 10], yDomain: [0, 10], grid: false },
  );
  const pic = await draw(fig, 2);
  const at = toPixel(frame, [0, 10], [0, 10]);
  for (const v of [2.5, 5, 7.5]) assert.ok(isColor(pic, ...at(v, v), [255, 0, 0]), `(${v}, ${v})`);
  // Off the diagonal there is no line.
  assert.ok(isColor(pic, ...at(8, 2), [255, 255, 255], 5));
  assert.ok(isColor(pic, ...at(2, 8), [255, 255, 255], 5));
});

test("lineChart() with logY puts the geometric mean of the ends halfway up", async () => {
  const fig = lineChart(
    [{ name: "a", x: [0, 1, 2], y: [1, 10, 100], color: "#0000ff" }],
    {
      width: 400,
      height: 300,
      margins,
      xDomain: [0, 2],
      yDomain: [1, 100],
      logY: true,
      grid: false,
    },
  );
  const pic = await draw(fig, 2);
  const at = toPixel(frame, [0, 2], [1, 100], { y: true });
  const [x, y] = at(1, 10);
  assert.equal(y, frame.top + frame.height / 2);
  assert.ok(isColor(pic, x, y, [0, 0, 255]));
  assert.ok(isColor(pic, ...at(0.5, Math.sqrt(10)), [0, 0, 255]));
  assert.ok(isColor(pic, ...at(1, 50), [255, 255, 255], 5), "nothing above the line");
});

test("lineChart() leaves a gap at NaN", async () => {
  const fig = lineChart(
    [{ name: "a", x: [0, 1, 2, 3], y: [5, 5, NaN, 5], color: "#00aa00" }],
    { width: 400, height: 300, margins, xDomain: [0, 3], yDomain: [0, 10], grid: false },
  );
  const pic = await draw(fig, 2);
  const at = toPixel(frame, [0, 3], [0, 10]);
  assert.ok(isColor(pic, ...at(0.5, 5), [0, 170, 0]));
  assert.ok(isColor(pic, ...at(2, 5), [255, 255, 255], 5), "no line across the gap");
});

test("lineChart() rejects mismatched lengths, non-positive values on a log axis, bad domains", () => {
  assert.throws(
    () => lineChart([{ name: "a", x: [0, 1], y: [1, 2, 3] }]),
    (e) => e instanceof TypeError && /lineChart.*"a".*2 x values and 3 y values/.test(e.message),
  );
  assert.throws(
    () => lineChart([{ name: "g", y: [1, 0] }], { logY: true }),
    (e) => e instanceof RangeError && /lineChart.*y\[1\].*"g" is 0.*log/.test(e.message),
  );
  assert.throws(
    () => lineChart([{ name: "a", y: [1, Infinity] }]),
    (e) => e instanceof RangeError && /lineChart.*y\[1\].*Infinity/.test(e.message),
  );
  assert.throws(
    () => lineChart([{ name: "a", y: [1] }], { yDomain: [2, 1] }),
    (e) => e instanceof RangeError && /lineChart: yDomain.*\[2, 1\]/.test(e.message),
  );
  assert.throws(() => lineChart([]), (e) => e instanceof RangeError && /lineChart/.test(e.message));
  assert.throws(
    () => lineChart([{ name: "a", y: [1] }], { width: 20 }),
    (e) => e instanceof RangeError && /lineChart: the frame is/.test(e.message),
  );
});

test("historySeries() turns a run's epoch summaries into a series per epoch", async () => {
  const model = dense(1);
  const optimizer = adam(0.1);
  const data = { x: tensor([[0], [1], [2], [3]]), y: tensor([[1], [3], [5], [7]]) };
  const history = await lastValueFrom(
    fit(
      initTrain(model, optimizer, key(0), [1]),
      batches(data, { batchSize: 2, epochs: 3 }),
      train({ model, loss: meanSquaredError, optimizer }),
    ).pipe(epochSummaries(), toArray()),
  );
  const s = historySeries("train", history, (h) => h.trainLoss, { color: "#ff0000" });
  assert.deepEqual(s.x, [1, 2, 3]);
  assert.deepEqual(s.y, history.map((h) => h.trainLoss));
  assert.equal(s.color, "#ff0000");
  const missing = historySeries("val", history, (h) => h.valLoss); // no validate: all gaps
  assert.ok(Array.from(missing.y).every(Number.isNaN));
  assert.ok(svgTexts(lineChart([s, missing]).svg).includes("val"));
});
