#!/usr/bin/python3
"""Images per second through torchvision's ResNet-18 (random weights, eval mode, float32) on the CPU: the torch side of
`engram bench encoders`, with the same batch (1: the ONNX graph Engram runs takes one image at a time), the same number of
images per pass, the same threads, best of 3 passes after a warm-up.

Run with Debian's /usr/bin/python3 (python3-torch 1.13, python3-torchvision 0.14):
    /usr/bin/python3 bench/torch/resnet18_speed.py --threads 2 --images 64
"""
import argparse
import time

import torch
import torchvision


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    parser.add_argument("--images", type=int, default=64)
    parser.add_argument("--passes", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    model = torchvision.models.resnet18(weights=None).eval()
    # The classifier is left out, as the ONNX featurizer does: the 512 pooled features are the code.
    model.fc = torch.nn.Identity()
    images = torch.rand(args.images, 1, 3, 224, 224) * 255
    best = float("inf")
    with torch.inference_mode():
        for image in images[:4]:
            model(image)
        for _ in range(args.passes):
            start = time.perf_counter()
            for image in images:
                model(image)
            best = min(best, time.perf_counter() - start)
    print(f"torch {torch.__version__} resnet18, batch 1, {args.threads} threads: {args.images / best:.1f} images/s (best of {args.passes} passes of {args.images})")


if __name__ == "__main__":
    main()
