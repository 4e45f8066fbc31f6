"""The reference readers for scripts/fuzz_files.ts: one case per input line ("kind base64"),
one JSON verdict per output line.

safetensors and checkpoint files: the Rust reader of the `safetensors` package
(`safetensors.deserialize`); each accepted file is described by its tensors' names, dtypes,
shapes and the CRC-32 of their bytes. IDX files: Python's `gzip.decompress` when the bytes start
with the gzip magic, then the IDX layout (magic 00 00 TT DD with a known type and DD >= 1,
big-endian uint32 dimensions, exactly the promised body); described by type, shape and body CRC.
Bare gzip files: `gzip.decompress`, described by the length and CRC of the output. Raw DEFLATE
streams: zlib (`decompressobj(wbits=-15)`), accepted when it reaches the end-of-stream marker,
described by the output's length and CRC and the bytes left after the stream.
"""
import base64
import gzip
import json
import struct
import sys
import zlib

import safetensors

TYPES = {0x08: (1, "uint8"), 0x09: (1, "int8"), 0x0B: (2, "int16"), 0x0C: (4, "int32"),
         0x0D: (4, "float32"), 0x0E: (8, "float64")}


def read_idx(data):
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    if len(data) < 4 or data[0] or data[1] or data[2] not in TYPES or data[3] == 0:
        raise ValueError("bad magic")
    ndim = data[3]
    width, name = TYPES[data[2]]
    if len(data) < 4 + 4 * ndim:
        raise ValueError("truncated header")
    shape = struct.unpack(">%dI" % ndim, data[4:4 + 4 * ndim])
    count = 1
    for d in shape:
        count *= d
    if len(data) != 4 + 4 * ndim + count * width:
        raise ValueError("body length")
    return [name, list(shape), zlib.crc32(data[4 + 4 * ndim:])]


def read_safetensors(data):
    # Shapes as strings: a dimension may exceed 2^53, which a JSON reader would round.
    return [[n, d["dtype"], [str(x) for x in d["shape"]], zlib.crc32(bytes(d["data"]))]
            for n, d in safetensors.deserialize(data)]


def main():
    out = sys.stdout
    for line in sys.stdin:
        line = line.rstrip("\n")
        if line == "":
            out.flush()
            continue
        kind, _, b64 = line.partition(" ")
        data = base64.b64decode(b64)
        try:
            if kind == "deflate":
                d = zlib.decompressobj(wbits=-zlib.MAX_WBITS)
                plain = d.decompress(data)
                if not d.eof:
                    raise EOFError("the stream ends before its end-of-stream marker")
                sig = [len(plain), zlib.crc32(plain), len(d.unused_data)]
            elif kind == "gzip":
                plain = gzip.decompress(data)
                sig = [len(plain), zlib.crc32(plain)]
            else:
                sig = read_idx(data) if kind == "idx" else read_safetensors(data)
            out.write(json.dumps({"ok": True, "sig": sig}) + "\n")
        except Exception as e:  # every rejection counts, whatever its class
            out.write(json.dumps({"ok": False, "err": (type(e).__name__ + ": " + str(e))[:200]}) + "\n")
    out.flush()


if __name__ == "__main__":
    main()
