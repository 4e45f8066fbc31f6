import { test } from "node:test";
import assert from "node:assert/strict";
import { imageGrid } from "../src/plot/mod.ts";
import { draw, isColor, svgTexts } from "./_plot_pixels.ts";

test("imageGrid() draws every image pixel for pixel at its place in the grid", async () => {
  // Two 2x2 images; 10 CSS pixels per image pixel; margins 4, cells 26 wide (20 + 6).
  const a = { data: [0, 1, 1, 0], width: 2, height: 2 };
  const b = { data: [1, 0, 0, 1], width: 2, height: 2 };
  const fig = imageGrid([a, b], { columns: 2, pixelSize: 10 });
  assert.equal(fig.width, 2 * 26 + 8);
  assert.equal(fig.height, 26 + 8);
  const pic = await draw(fig, 2);
  const black = [0, 0, 0];
  const white = [255, 255, 255];
  // Image a starts at (4 + 3, 4 + 3); its pixel (col, row) is centred at (12 + 10 col, 12 + 10 row).
  assert.ok(isColor(pic, 12, 12, black, 5) && isColor(pic, 22, 12, white, 5));
  assert.ok(isColor(pic, 12, 22, white, 5) && isColor(pic, 22, 22, black, 5));
  // Image b, one cell to the right: the opposite.
  assert.ok(isColor(pic, 38, 12, white, 5) && isColor(pic, 48, 12, black, 5));
  // Hard edges: just either side of the boundary inside image a.
  assert.ok(isColor(pic, 16.5, 12, black, 5) && isColor(pic, 17.5, 12, white, 5));
});

test("imageGrid() writes the captions and wraps into rows", () => {
  const im = (caption: string) => ({ data: [0.5], width: 1, height: 1, caption });
  const fig = imageGrid([im("one"), im("two"), im("three")], { columns: 2, pixelSize: 8 });
  assert.deepEqual(svgTexts(fig.svg).sort(), ["one", "three", "two"]);
  assert.equal(fig.height, 2 * (8 + 6 + 14) + 8);
});

test("imageGrid() rejects an image whose data does not fill it", () => {
  assert.throws(
    () => imageGrid([{ data: [0, 1, 2], width: 2, height: 2 }]),
    (e) => e instanceof TypeError && /imageGrid: image 0 is 2x2 but has 3 values/.test(e.message),
  );
});
