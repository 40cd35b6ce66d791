#!/usr/bin/python3
"""Writes conv_reference.json: PyTorch's conv2d and conv_transpose2d, forward and backward, in float64.

Run with Debian's /usr/bin/python3 (python3-torch):  /usr/bin/python3 make_conv_fixtures.py

For each case the scalar is L = sum(output * G) for a seeded random G (the "seed" gradient), so the
gradients of L with respect to x, weight and bias are the backward pass seeded with G. Weights are in
PyTorch's layouts: Conv2d [C_out, C_in, k, k], ConvTranspose2d [C_in, C_out, k, k].
"""
import json
import os

import torch
import torch.nn.functional as F

CASES = [
    # name, transposed, N, C_in, C_out, H, W, kernel, stride, padding, output_padding, bias
    ("conv-3x3-pad1", False, 2, 3, 4, 6, 6, 3, 1, 1, 0, True),
    ("conv-4x4-stride2-pad1", False, 2, 3, 5, 8, 8, 4, 2, 1, 0, True),
    ("conv-4x4-stride2-pad1-odd", False, 2, 2, 3, 7, 10, 4, 2, 1, 0, False),
    ("conv-1x1", False, 2, 4, 3, 5, 3, 1, 1, 0, 0, False),
    ("conv-3x3-stride2-nonsquare-odd", False, 1, 3, 2, 7, 9, 3, 2, 0, 0, True),
    ("conv-5x5-stride2-pad2", False, 1, 2, 3, 9, 6, 5, 2, 2, 0, True),
    ("conv-3x3-stride3-pad1", False, 3, 1, 2, 8, 5, 3, 3, 1, 0, True),
    ("convT-4x4-stride2-pad1", True, 2, 5, 3, 4, 4, 4, 2, 1, 0, True),
    ("convT-4x4-stride2-pad1-odd", True, 1, 3, 2, 3, 6, 4, 2, 1, 0, False),
    ("convT-3x3-pad1", True, 2, 3, 4, 5, 3, 3, 1, 1, 0, False),
    ("convT-3x3-stride2-pad1-outpad1", True, 2, 3, 2, 3, 5, 3, 2, 1, 1, True),
    ("convT-1x1", True, 2, 3, 2, 4, 3, 1, 1, 0, 0, True),
    ("convT-5x5-stride3-pad2-outpad2", True, 1, 2, 3, 3, 4, 5, 3, 2, 2, True),
]


def flat(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]


def main():
    torch.manual_seed(20240611)
    cases = []
    for name, transposed, n, cin, cout, h, w, k, stride, padding, output_padding, has_bias in CASES:
        x = torch.randn(n, cin, h, w, dtype=torch.float64, requires_grad=True)
        shape = (cin, cout, k, k) if transposed else (cout, cin, k, k)
        weight = torch.randn(*shape, dtype=torch.float64, requires_grad=True)
        bias = torch.randn(cout, dtype=torch.float64, requires_grad=True) if has_bias else None
        if transposed:
            y = F.conv_transpose2d(x, weight, bias, stride=stride, padding=padding, output_padding=output_padding)
        else:
            y = F.conv2d(x, weight, bias, stride=stride, padding=padding)
        g = torch.randn(y.shape, dtype=torch.float64)
        (y * g).sum().backward()
        cases.append({
            "name": name, "transposed": transposed, "n": n, "inChannels": cin, "outChannels": cout,
            "height": h, "width": w, "kernel": k, "stride": stride, "padding": padding,
            "outputPadding": output_padding, "outputShape": list(y.shape),
            "x": flat(x), "weight": flat(weight), "bias": flat(bias) if has_bias else None,
            "seed": flat(g), "output": flat(y),
            "gradX": flat(x.grad), "gradWeight": flat(weight.grad), "gradBias": flat(bias.grad) if has_bias else None,
        })
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "conv_reference.json")
    with open(path, "w", encoding="utf-8") as f:
        # One case per line: diffs stay readable when the fixtures are regenerated.
        f.write('{"generator": "make_conv_fixtures.py (torch %s, float64)", "cases": [\n' % torch.__version__)
        f.write(",\n".join(json.dumps(case) for case in cases))
        f.write("\n]}\n")


if __name__ == "__main__":
    main()
