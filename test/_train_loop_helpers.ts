/** The linear-regression model and data the training-loop tests share (not a test file itself). */
import { dense, meanSquaredError } from "../mod.ts";
import { lineData } from "./_train_fixtures.ts";

export const model = dense(1);
export const mse = meanSquaredError;
export const data = lineData(64);
