#!/usr/bin/python3
"""Sentences per second through all-MiniLM-L6-v2's architecture in torch (random weights, eval mode, float32) on the CPU:
the torch side of `engram bench encoders` for minilm. The same sentences (the first N emoji names, in the order and
lower case Engram's EmojiDataset gives them), tokenized as the model's BERT tokenizer does (the plain-Python restatement
of tests/Engram.Tests/Fixtures/onnx/make_onnx_fixtures.py, with the package's own vocab.txt), batched as Engram's
OnnxTextEncoder batches them (only sentences of one token count together, 64 at most, so nothing is padded), mean-pooled
and L2-normalised, with the same threads; best of 3 passes after a warm-up.

The architecture is BERT's as MiniLM-L6-H384 configures it: 30,522-token vocabulary, 512 positions, 2 token types,
hidden 384, 6 post-norm layers of 12 heads, feed-forward 1,536 with GELU, layer-norm epsilon 1e-12. Debian packages no
`transformers`, so it is built from torch.nn.TransformerEncoderLayer.

Run with Debian's /usr/bin/python3 (python3-torch 1.13), after `dotnet restore` (the vocabulary is read out of the NuGet
package) and with the emoji set in node_modules (npm emoji-datasource-google@16.0.0) or data/emoji:
    OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 bench/torch/minilm_speed.py --threads 1 --sentences 1024
"""
import argparse
import json
import os
import sys
import time

import torch

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests", "Engram.Tests", "Fixtures", "onnx"))
import make_onnx_fixtures as reference  # noqa: E402  (the tokenizer and the package reader)


class MiniLm(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.words = torch.nn.Embedding(30522, 384)
        self.positions = torch.nn.Embedding(512, 384)
        self.types = torch.nn.Embedding(2, 384)
        self.norm = torch.nn.LayerNorm(384, eps=1e-12)
        layer = torch.nn.TransformerEncoderLayer(384, 12, 1536, dropout=0.0, activation="gelu", layer_norm_eps=1e-12, batch_first=True, norm_first=False)
        self.encoder = torch.nn.TransformerEncoder(layer, 6, enable_nested_tensor=False)

    def forward(self, ids):
        positions = torch.arange(ids.shape[1]).unsqueeze(0)
        hidden = self.norm(self.words(ids) + self.positions(positions) + self.types(torch.zeros_like(ids)))
        hidden = self.encoder(hidden)
        return torch.nn.functional.normalize(hidden.mean(1), p=2, dim=1)


def emoji_names(count):
    package = os.path.join(ROOT, "node_modules", "emoji-datasource-google", "emoji.json")
    path = package if os.path.exists(package) else os.path.join(ROOT, "data", "emoji", "emoji.json")
    with open(path, encoding="utf-8") as file:
        entries = json.load(file)
    order = sorted(range(len(entries)), key=lambda i: entries[i].get("sort_order", i))
    return [entries[i]["name"].lower() for i in order][:count]


def vocabulary():
    blobs = reference.clr_resources(reference.MINILM_DLL)
    lines = [line.rstrip("\r") for line in next(b for b in blobs if b.startswith(b"[PAD]")).decode("utf-8").split("\n")]
    return {token: i for i, token in enumerate(lines[:-1] if lines[-1] == "" else lines)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    parser.add_argument("--sentences", type=int, default=1024)
    parser.add_argument("--passes", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    vocab = vocabulary()
    names = emoji_names(args.sentences)
    ids = [reference.bert_ids(name, vocab, reference.MAX_TOKENS) for name in names]
    by_length = {}
    for sequence in ids:
        by_length.setdefault(len(sequence), []).append(sequence)
    batches = [torch.tensor(group[i:i + 64], dtype=torch.int64) for group in by_length.values() for i in range(0, len(group), 64)]
    model = MiniLm().eval()
    best = float("inf")
    with torch.inference_mode():
        for batch in batches:
            model(batch)
        for _ in range(args.passes):
            start = time.perf_counter()
            for batch in batches:
                model(batch)
            best = min(best, time.perf_counter() - start)
    tokens = sum(len(s) for s in ids) / len(ids)
    print(f"torch {torch.__version__} MiniLM-L6-H384 (random weights), {len(names)} sentences ({tokens:.1f} tokens on average) "
          f"in {len(batches)} batches, {args.threads} threads: {len(names) / best:.1f} sentences/s (best of {args.passes} passes)")


if __name__ == "__main__":
    main()
