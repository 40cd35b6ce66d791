#!/usr/bin/python3
"""Writes ssim_reference.json: SSIM values from scikit-image for Evaluation/Ssim.cs to match.

Run with Debian's /usr/bin/python3 (numpy, scikit-image 0.19):  /usr/bin/python3 make_ssim_fixtures.py

Each value is
    structural_similarity(ref, img, gaussian_weights=True, sigma=1.5, use_sample_covariance=False,
                          data_range=ref.max() - ref.min(), channel_axis=-1 if colour else None)
on the stored float32 pixels cast to float64: scikit-image filters in the input's precision, and on the float32
arrays themselves its value moves by up to 7.5e-5 here (most in the small-range case).
"""
import json
import os

import numpy as np
from skimage.metrics import structural_similarity


def ssim(ref, img):
    ref = ref.astype(np.float64)
    img = img.astype(np.float64)
    return float(structural_similarity(
        ref, img, gaussian_weights=True, sigma=1.5, use_sample_covariance=False,
        data_range=float(ref.max() - ref.min()), channel_axis=-1 if ref.ndim == 3 else None))


def smooth(rng, height, width, channels=None):
    """A smooth random field: a few Gaussian blobs, in [0, 1]."""
    y, x = np.mgrid[0:height, 0:width]
    shape = (height, width) if channels is None else (height, width, channels)
    image = np.zeros(shape)
    for _ in range(6):
        cy, cx = rng.uniform(0, height), rng.uniform(0, width)
        s = rng.uniform(2, max(height, width) / 3)
        blob = np.exp(-((y - cy) ** 2 + (x - cx) ** 2) / (2 * s * s))
        if channels is None:
            image += rng.uniform(-1, 1) * blob
        else:
            image += rng.uniform(-1, 1, channels) * blob[:, :, None]
    return (image - image.min()) / (image.max() - image.min())


def main():
    rng = np.random.default_rng(7)
    f = np.float32
    cases = []

    def add(name, ref, img):
        ref, img = ref.astype(f), img.astype(f)
        assert ref.shape == img.shape
        channels = ref.shape[2] if ref.ndim == 3 else 1
        cases.append({
            "name": name, "height": ref.shape[0], "width": ref.shape[1], "channels": channels,
            "reference": [float(f"{v:.9g}") for v in ref.ravel()],
            "image": [float(f"{v:.9g}") for v in img.ravel()],
            "ssim": ssim(ref, img),
        })

    a = rng.uniform(0, 1, (28, 28))
    add("random-pair-28", a, rng.uniform(0, 1, (28, 28)))
    s = smooth(rng, 28, 28)
    add("noisy-copy-28", s, np.clip(s + rng.normal(0, 0.1, s.shape), 0, 1))
    occluded = s.copy()
    occluded[14:, :] = 0
    add("occluded-copy-28", s, occluded)
    add("identical-28", s, s)
    small = 0.4 + 0.02 * smooth(rng, 28, 28)
    add("small-range-28", small, small + rng.normal(0, 0.003, small.shape))
    add("blurred-copy-28", s, (s + np.roll(s, 1, 0) + np.roll(s, 1, 1) + np.roll(s, -1, 0) + np.roll(s, -1, 1)) / 5)
    signed = 2 * smooth(rng, 28, 28) - 1
    add("signed-28", signed, np.tanh(1.5 * signed) + rng.normal(0, 0.05, signed.shape))
    add("constant-image-28", s, np.full_like(s, 0.5))
    rgb = smooth(rng, 32, 32, 3)
    add("rgb-noisy-32", rgb, np.clip(rgb + rng.normal(0, 0.08, rgb.shape), 0, 1))
    rgb_ranges = rgb * np.array([1.0, 0.5, 0.2]) + np.array([0.0, 0.3, 0.7])
    add("rgb-channel-ranges-32", rgb_ranges, rgb_ranges[:, ::-1, :])
    add("non-square-20x13", smooth(rng, 20, 13), smooth(rng, 20, 13))
    add("minimum-11x11", rng.uniform(0, 1, (11, 11)), rng.uniform(0, 1, (11, 11)))
    add("wide-11x40", smooth(rng, 11, 40), smooth(rng, 11, 40))

    # The checks the C# tests rely on, pinned against the installed scikit-image.
    identical = [c for c in cases if c["name"] == "identical-28"][0]["ssim"]
    assert abs(identical - 1.0) < 1e-12, identical
    for shape in [(10, 11), (11, 10), (7, 7)]:
        try:
            ssim(rng.uniform(0, 1, shape), rng.uniform(0, 1, shape))
        except ValueError:
            pass
        else:
            raise AssertionError(f"scikit-image accepted {shape}; Ssim.MinimumSize would be wrong")
    x = rng.uniform(0, 1, (28, 28))
    y = np.clip(x + rng.normal(0, 0.2, x.shape), 0, 2)
    assert ssim(x, y) != ssim(y, x), "the data range comes from the first argument, so SSIM is not symmetric"

    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "ssim_reference.json")
    with open(path, "w") as file:
        json.dump({"cases": cases}, file, separators=(",", ":"))
        file.write("\n")
    print(f"wrote {path} ({os.path.getsize(path)} bytes)")
    for c in cases:
        print(f"  {c['name']:24s} {c['height']}x{c['width']}x{c['channels']}  {c['ssim']:.12f}")


if __name__ == "__main__":
    main()
