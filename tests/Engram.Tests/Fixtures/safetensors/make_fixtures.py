#!/usr/bin/python3
"""safetensors interop fixtures for Engram, with a numpy-only writer and reader of the published format
(8-byte little-endian header length, JSON header padded with spaces to 8 bytes, row-major little-endian
data). Run with Debian's /usr/bin/python3 in this folder:
  * writes python-written.safetensors (one tensor of every dtype, a scalar, an empty tensor, metadata);
  * reads engram-written.safetensors (written by Engram's SafetensorsWriter; regenerate it with
    ENGRAM_WRITE_FIXTURES=1 dotnet test --filter Safetensors) and checks every value; prints OK."""
import json, struct, sys
import numpy as np

def bf16(values):
    return (np.asarray(values, dtype="<f4").view("<u4") >> 16).astype("<u2")

TENSORS = {
    "f32": ("F32", [3], np.array([1.5, -2.25, 0.003], dtype="<f4")),
    "f16": ("F16", [1, 3], np.array([0.5, -1.0, 65504.0], dtype="<f2")),
    "bf16": ("BF16", [3], bf16([1.0, -2.0, 0.15625])),
    "f64": ("F64", [2], np.array([0.001, -7.5], dtype="<f8")),
    "i64": ("I64", [2], np.array([-(2 ** 40), 5], dtype="<i8")),
    "i32": ("I32", [2], np.array([-7, 2 ** 31 - 1], dtype="<i4")),
    "i16": ("I16", [2], np.array([-300, 300], dtype="<i2")),
    "i8": ("I8", [2], np.array([-128, 127], dtype="<i1")),
    "u8": ("U8", [2], np.array([0, 255], dtype="<u1")),
    "bool": ("BOOL", [3], np.array([1, 0, 1], dtype="<u1")),
    "scalar": ("F32", [], np.array([42.0], dtype="<f4")),
    "empty": ("F32", [0, 4], np.zeros(0, dtype="<f4")),
}
EXPECTED_FLOATS = {"f32": [1.5, -2.25, 0.003], "f16": [0.5, -1.0, 65504.0], "bf16": [1.0, -2.0, 0.15625],
                   "f64": [0.001, -7.5], "i64": [-(2 ** 40), 5], "i32": [-7, 2 ** 31 - 1], "i16": [-300, 300],
                   "i8": [-128, 127], "u8": [0, 255], "bool": [1, 0, 1], "scalar": [42.0], "empty": []}
METADATA = {"format": "pt", "source": "python"}

def write(path):
    header, blobs, offset = {"__metadata__": METADATA}, [], 0
    for name in sorted(TENSORS):
        dtype, shape, data = TENSORS[name]
        raw = data.tobytes()
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw); offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    open(path, "wb").write(struct.pack("<Q", len(text)) + text + b"".join(blobs))

def read(path):
    blob = open(path, "rb").read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + n])
    assert n % 8 == 0, "header not padded to 8 bytes"
    data = blob[8 + n:]
    out = {}
    for name, e in header.items():
        if name == "__metadata__": continue
        b, end = e["data_offsets"]
        kind = {"F32": "<f4", "F16": "<f2", "F64": "<f8", "I64": "<i8", "I32": "<i4", "I16": "<i2", "I8": "<i1", "U8": "<u1", "BOOL": "<u1", "BF16": "<u2"}[e["dtype"]]
        values = np.frombuffer(data[b:end], dtype=kind)
        if e["dtype"] == "BF16": values = (values.astype("<u4") << 16).view("<f4")
        assert values.size == int(np.prod(e["shape"])) if e["shape"] else values.size == 1, name
        out[name] = (e["dtype"], e["shape"], values.astype("f8").tolist())
    return header.get("__metadata__", {}), out

write("python-written.safetensors")
try:
    metadata, tensors = read("engram-written.safetensors")
except FileNotFoundError:
    print("engram-written.safetensors not found yet"); sys.exit(0)
assert metadata == {"format": "pt", "source": "engram"}, metadata
for name, (dtype, shape, data) in TENSORS.items():
    got = tensors[name]
    assert got[0] == dtype and got[1] == shape, (name, got[:2])
    np.testing.assert_array_equal(np.asarray(got[2], dtype="f8"), np.asarray(EXPECTED_FLOATS[name], dtype=data.dtype if dtype != "BF16" else "<f4").astype("f8"), err_msg=name)
print("OK: engram-written.safetensors read by an independent reader")
