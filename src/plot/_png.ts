/** PNG data URLs for pictures embedded in a figure (heatmaps, images), encoded by fast-png. */

import { encode } from "fast-png";

/** A `data:image/png;base64,...` URL of RGB(A) bytes, `channels` per pixel, rows from the top. */
export function pngDataUrl(
  width: number,
  height: number,
  data: Uint8Array,
  channels: 1 | 3 | 4,
): string {
  const png = encode({ width, height, data, channels, depth: 8 });
  let binary = "";
  for (let i = 0; i < png.length; i += 0x8000) {
    binary += String.fromCharCode(...png.subarray(i, i + 0x8000));
  }
  return `data:image/png;base64,${btoa(binary)}`;
}
