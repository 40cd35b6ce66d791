#!/usr/bin/python3
"""Writes resize_reference.json: reference resizes computed by PIL in mode 'F' (32-bit float), per channel.

Run with Debian's /usr/bin/python3 (numpy, PIL 9.4):  /usr/bin/python3 make_resize_fixtures.py

Conventions pinned (see ImageOps.Resize):
  * each axis on its own, horizontal pass first (PIL's order too);
  * enlarging an axis: PIL BILINEAR (half-pixel centres, clamped at the edges);
  * shrinking an axis: the exact area average with fractional coverage. PIL's BOX filter is exactly that at an
    integer factor only, so the source is first repeated `target` times along the axis (np.repeat, exact); the
    ratio source*target -> target is then the integer factor `source`, where BOX averages plain blocks.
"""
import json
import os

import numpy as np
from PIL import Image


def resize_axis(plane, target, axis):
    height, width = plane.shape
    old = width if axis == 1 else height
    if target == old:
        return plane
    if target < old:
        plane = np.repeat(plane, target, axis=axis)
        resample = Image.BOX
    else:
        resample = Image.BILINEAR
    size = (target, height) if axis == 1 else (width, target)
    out = Image.fromarray(np.ascontiguousarray(plane, dtype=np.float32), mode="F").resize(size, resample)
    return np.asarray(out, dtype=np.float32)


def resize(image, width, height):
    planes = []
    for c in range(image.shape[2]):
        plane = resize_axis(image[:, :, c], width, axis=1)
        planes.append(resize_axis(plane, height, axis=0))
    return np.stack(planes, axis=2)


CASES = [
    # name, channels, width, height, target width, target height
    ("shrink-integer", 1, 8, 6, 4, 3),
    ("shrink-fractional", 1, 7, 5, 3, 2),
    ("shrink-fractional-2", 1, 10, 9, 4, 7),
    ("shrink-64x48-to-28", 1, 64, 48, 28, 28),
    ("enlarge", 1, 3, 4, 7, 9),
    ("enlarge-2", 1, 5, 2, 11, 5),
    ("enlarge-28-to-64", 1, 28, 28, 64, 64),
    ("enlarge-from-one-pixel", 1, 1, 1, 3, 2),
    ("shrink-width-enlarge-height", 1, 9, 3, 4, 7),
    ("enlarge-width-shrink-height", 1, 4, 9, 7, 4),
    ("rgb-mixed", 3, 6, 5, 4, 8),
    ("rgb-shrink", 3, 13, 11, 5, 5),
]


def main():
    rng = np.random.default_rng(20240601)
    cases = []
    for name, channels, width, height, tw, th in CASES:
        image = rng.random((height, width, channels), dtype=np.float32)
        expected = resize(image, tw, th)
        assert expected.shape == (th, tw, channels)
        cases.append({
            "name": name, "channels": channels, "width": width, "height": height,
            "targetWidth": tw, "targetHeight": th,
            "source": [float(v) for v in image.reshape(-1)],
            "expected": [float(v) for v in expected.reshape(-1)],
        })
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "resize_reference.json")
    with open(path, "w", encoding="utf-8") as f:
        # One case per line: diffs stay readable when the fixtures are regenerated.
        f.write('{"generator": "make_resize_fixtures.py (PIL 9.4, mode F)", "cases": [\n')
        f.write(",\n".join(json.dumps(case) for case in cases))
        f.write("\n]}\n")


if __name__ == "__main__":
    main()
