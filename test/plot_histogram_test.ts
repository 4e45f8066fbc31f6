import { test } from "node:test";
import assert from "node:assert/strict";
import { histogram } from "../src/plot/mod.ts";
import { draw, isColor, svgTexts, toPixel } from "./_plot_pixels.ts";

const margins = { top: 20, right: 20, bottom: 40, left: 50 };
const frame = { left: 50, top: 20, width: 400 - 70, height: 300 - 60 };

test("histogram() counts each bin and draws bars of those heights", async () => {
  // Bins [0, 0.5) and [0.5, 1]: counts 3 and 1 (1 itself lands in the last bin).
  const fig = histogram([{ name: "v", values: [0, 0.1, 0.4, 1], color: "#ff0000" }], {
    width: 400,
    height: 300,
    margins,
    bins: 2,
    xDomain: [0, 1],
    xLabel: "value",
  });
  assert.ok(svgTexts(fig.svg).includes("value"));
  assert.ok(svgTexts(fig.svg).includes("count"));
  const pic = await draw(fig, 2);
  const at = toPixel(frame, [0, 1], [0, 3]);
  const red = [255, 26, 26]; // 90% red over white
  assert.ok(isColor(pic, ...at(0.25, 2.8), red), "first bin reaches 3");
  assert.ok(isColor(pic, ...at(0.75, 0.5), red), "second bin reaches 1");
  assert.ok(isColor(pic, ...at(0.75, 1.7), [255, 255, 255], 5), "second bin stops at 1");
});

test("histogram() measures fractions per set, so sets of different sizes compare", async () => {
  const fig = histogram(
    [
      { name: "small", values: [0.1, 0.9], color: "#ff0000" },
      { name: "big", values: [0.1, 0.1, 0.1, 0.9], color: "#0000ff" },
    ],
    {
      width: 400,
      height: 300,
      margins: { ...margins, right: 100 },
      bins: 2,
      xDomain: [0, 1],
      measure: "fraction",
    },
  );
  const texts = svgTexts(fig.svg);
  assert.ok(texts.includes("small") && texts.includes("big") && texts.includes("fraction"));
  const f = { ...frame, width: 400 - 150 };
  const pic = await draw(fig, 2);
  // Fractions: small 0.5 | 0.5, big 0.75 | 0.25; y domain [0, 0.75]; each set 50% opaque.
  const at = toPixel(f, [0, 1], [0, 0.75]);
  assert.ok(
    isColor(pic, ...at(0.25, 0.64), [128, 128, 255], 30),
    "only big reaches 0.64 on the left",
  );
  assert.ok(
    isColor(pic, ...at(0.75, 0.35), [255, 128, 128], 30),
    "only small reaches 0.35 on the right",
  );
  assert.ok(
    isColor(pic, ...at(0.75, 0.64), [255, 255, 255], 5),
    "nothing reaches 0.64 on the right (off the grid lines)",
  );
});

test("histogram() in rows draws one row per set, named on the right, under one title", () => {
  const fig = histogram(
    [{ name: "layer 1", values: [0, 1] }, { name: "layer 2", values: [0, 2] }, {
      name: "layer 3",
      values: [1],
    }],
    { layout: "rows", title: "Per layer" },
  );
  const texts = svgTexts(fig.svg);
  for (const t of ["layer 1", "layer 2", "layer 3"]) assert.ok(texts.includes(t), t);
  assert.equal(texts.filter((t) => t === "Per layer").length, 1);
});

test("histogram() rejects bad bins and non-finite values", () => {
  assert.throws(
    () => histogram([{ name: "a", values: [1] }], { bins: 0 }),
    (e) => e instanceof RangeError && /histogram: bins must be an integer/.test(e.message),
  );
  assert.throws(
    () => histogram([{ name: "a", values: [1, NaN] }]),
    (e) =>
      e instanceof RangeError && /histogram: values\[1\] of "a" must be finite/.test(e.message),
  );
});
