import { test } from "node:test";
import assert from "node:assert/strict";
import { barChart, logTickFormat } from "../src/plot/mod.ts";
import { draw, inkFraction, isColor, svgTexts } from "./_plot_pixels.ts";

const margins = { top: 20, right: 20, bottom: 40, left: 60 };
const frame = { left: 60, top: 20, width: 400 - 80, height: 300 - 60 };
/** The pixel row of value v on a log axis over [lo, hi]. */
const logRow = (v: number, lo: number, hi: number) =>
  frame.top + (1 - (Math.log(v) - Math.log(lo)) / (Math.log(hi) - Math.log(lo))) * frame.height;

test("barChart() on a log scale raises each bar to its value", async () => {
  const fig = barChart(
    [{ label: "a", value: 1 }, { label: "b", value: 10 }, { label: "c", value: 100 }],
    { width: 400, height: 300, margins, logY: true, yDomain: [0.1, 1000], colors: ["#ff0000"] },
  );
  const pic = await draw(fig, 2);
  assert.ok(inkFraction(pic) > 0.05);
  // Three bands across the frame; "b" is the middle one.
  const xb = frame.left + frame.width / 2;
  assert.ok(isColor(pic, xb, logRow(10, 0.1, 1000) + 3, [255, 0, 0]), "just below b's top");
  assert.ok(isColor(pic, xb, logRow(0.2, 0.1, 1000), [255, 0, 0]), "near the floor");
  assert.ok(!isColor(pic, xb, logRow(10, 0.1, 1000) - 3, [255, 0, 0]), "just above b's top");
  const xc = frame.left + (5 * frame.width) / 6;
  assert.ok(isColor(pic, xc, logRow(50, 0.1, 1000), [255, 0, 0]), "c reaches past 50");
  const xa = frame.left + frame.width / 6;
  assert.ok(!isColor(pic, xa, logRow(5, 0.1, 1000), [255, 0, 0]), "a stops at 1");
});

test("barChart() groups bars side by side, in group colours, with a legend and labels", async () => {
  const fig = barChart(
    [
      { label: "1", value: 4, group: "sigmoid" },
      { label: "1", value: 8, group: "relu" },
      { label: "2", value: 2, group: "sigmoid" },
      { label: "2", value: 8, group: "relu" },
    ],
    {
      xLabel: "layer",
      yLabel: "norm",
      title: "Norms",
      colors: ["#ff0000", "#0000ff"],
      width: 400,
      height: 300,
    },
  );
  const texts = svgTexts(fig.svg);
  assert.equal(texts.filter((t) => t === "Norms").length, 1, "one title, not one per facet");
  for (const t of ["layer", "norm", "sigmoid", "relu", "1", "2"]) assert.ok(texts.includes(t), t);
  assert.equal(texts.filter((t) => t === "sigmoid").length, 1, "one legend, not one per facet");
  const pic = await draw(fig, 1);
  let red = 0;
  let blue = 0;
  for (let i = 0; i < pic.rgba.length; i += 4) {
    if (pic.rgba[i] > 200 && pic.rgba[i + 1] < 60 && pic.rgba[i + 2] < 60) red++;
    if (pic.rgba[i] < 60 && pic.rgba[i + 1] < 60 && pic.rgba[i + 2] > 200) blue++;
  }
  // relu's bars (8 + 8) cover more than sigmoid's (4 + 2); both bar widths are equal.
  assert.ok(blue > red && red > 0, `red ${red}, blue ${blue}`);
  assert.ok(Math.abs(blue / red - 16 / 6) < 0.35, `ratio ${blue / red}`);
});

test("logTickFormat() writes decimals in the middle range and powers of ten outside", () => {
  assert.deepEqual([1, 0.5, 0.001, 20000, 1e-5, 3e-7, 1e6].map(logTickFormat), [
    "1",
    "0.5",
    "0.001",
    "20000",
    "1e-5",
    "3e-7",
    "1e6",
  ]);
});

test("barChart() rejects values a log scale cannot show and empty input", () => {
  assert.throws(
    () => barChart([{ label: "a", value: 0 }], { logY: true }),
    (e) => e instanceof RangeError && /barChart: bars\[0\].value is 0/.test(e.message),
  );
  assert.throws(() => barChart([]), (e) => e instanceof RangeError && /barChart/.test(e.message));
  assert.throws(
    () => barChart([{ label: "a", value: NaN }]),
    (e) => e instanceof RangeError && /barChart: bars\[0\].value must be finite/.test(e.message),
  );
});
