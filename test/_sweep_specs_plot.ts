/**
 * Sweep specs for `gradstream/plot`: the charts, grids, the sheet and the tick format. The
 * rasteriser and `saveFigure` are asynchronous and are checked in the plot tests.
 *
 * @module
 */

import * as p from "../src/plot/mod.ts";
import { arg, count, fn, num, options, type Spec, spec } from "./_sweep.ts";

const spec2 = () => ({ x: [0, 1] as const, y: [0, 1] as const, cols: 3, rows: 2 });
const grid = () => p.gridOf([1, 2, 3, 4, 5, 6], spec2());
const badSpecs = [3, "grid", {}, { x: [1, 0], y: [0, 1] }, { x: [0, 1], y: [0, NaN] }];
const badDomains = ["x", [1], [1, 0], [0, NaN], [0, Infinity]];
const chart = {
  width: count(320, 64, 8192, true),
  height: count(240, 64, 8192, true),
  title: arg(() => "t", 3, {}),
};

/** The plotting entry point. */
export const plotSpecs: Spec[] = [
  spec("logTickFormat", p.logTickFormat, [num(100)]),
  spec("gridOf", p.gridOf, [
    arg(() => [1, 2, 3, 4, 5, 6], null, 3, "values", [1, 2], [1, 2, 3, 4, 5, "6"]),
    arg(spec2, null, ...badSpecs),
  ]),
  spec("gridPoints", p.gridPoints, [arg(spec2, null, ...badSpecs)]),
  spec("sampleGrid", p.sampleGrid, [
    fn(() => (x: number, y: number) => x + y),
    arg(spec2, null, ...badSpecs),
  ]),
  spec("lineChart", p.lineChart, [
    arg(() => [{ name: "a", y: [1, 2, 3] }], null, 3, "s", [], [{ y: [1] }], [{
      name: "a",
      y: "1",
    }], [{
      name: "a",
      y: [1, 2],
      x: [1],
    }]),
    options(() => ({ logY: true }), {
      ...chart,
      logY: arg(() => false, 3, "yes"),
      yDomain: arg(() => [0.1, 10], 3, ...badDomains),
    }),
  ]),
  spec("heatmap", p.heatmap, [
    arg(grid, null, 3, "grid", {}, { ...grid(), cols: 4 }),
    options(() => ({}), { ...chart }),
  ]),
  spec("levels", p.levels, [num(0), num(1), count(5, 1, 10000), arg(() => false, 3, "yes")]),
  spec("contourPlot", p.contourPlot, [
    arg(grid, null, 3, "grid", {}, { ...grid(), rows: 3 }),
    options(() => ({}), { ...chart }),
  ]),
  spec("barChart", p.barChart, [
    arg(() => [{ label: "a", value: 1 }], null, 3, "bars", [{ label: 3, value: 1 }], [{
      label: "a",
      value: "1",
    }]),
    options(() => ({ logY: true }), { ...chart, yDomain: arg(() => [0.1, 10], 3, ...badDomains) }),
  ]),
  spec("histogram", p.histogram, [
    arg(() => [{ name: "a", values: [1, 2, 3] }], null, 3, "sets", [{ name: 3, values: [1] }], [{
      name: "a",
      values: 3,
    }]),
    options(() => ({ bins: 4 }), {
      ...chart,
      bins: count(4, 1, 10000, true),
      xDomain: arg(() => [0, 4], 3, ...badDomains),
    }),
  ]),
  spec("imageGrid", p.imageGrid, [
    arg(() => [{ data: [0, 1, 1, 0], width: 2, height: 2 }], null, 3, "images", [{
      data: [0, 1],
      width: 2,
      height: 2,
    }], [{
      data: [0, 1, 1, 0],
      width: -2,
      height: -2,
    }]),
    options(() => ({}), {}),
  ]),
  spec("sheet", p.sheet, [
    arg(() => [p.lineChart([{ name: "a", y: [1, 2] }])], null, 3, "figs", [{}], [null]),
    options(() => ({ columns: 1 }), {
      columns: count(1, 1, 4096, true),
      title: arg(() => "t", 3, {}),
      gap: num(8, { min: 0, optional: true }),
    }),
  ]),
  spec("historySeries", p.historySeries, [
    arg(() => "loss", null, 3, {}),
    arg(() => [{ epoch: 0, loss: 1 }], null, 3, "h", [{ loss: 1 }], [null]),
    fn(() => (s: { loss: number }) => s.loss),
    options(() => ({}), {}),
  ]),
];
