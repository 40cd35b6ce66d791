#!/usr/bin/python3
"""PNG fixtures for Engram's decoder tests, written with an independent encoder (struct + zlib; it
chooses the row filter, which PIL cannot). Run with /usr/bin/python3 in this folder. Each NAME.png
has NAME.json: width, height, channels (as Engram decodes: palette -> RGB(A), tRNS key -> alpha),
max (the full-scale value) and values (decoded samples, row-major, interleaved); Engram's floats
are value / max. Filters cycle 0,1,2,3,4 over the rows of every pass."""
import json, random, struct, zlib

ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]

def chunk(tag, data):
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)

def paeth(a, b, c):
    p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else (b if pb <= pc else c)

def filt(kind, row, prev, bpp):
    out = bytearray()
    for i, x in enumerate(row):
        a = row[i - bpp] if i >= bpp else 0; b = prev[i]; c = prev[i - bpp] if i >= bpp else 0
        out.append((x - [0, a, b, (a + b) // 2, paeth(a, b, c)][kind]) & 0xFF)
    return bytes(out)

def pack_row(samples, depth):
    if depth == 8: return bytes(samples)
    if depth == 16: return b"".join(struct.pack(">H", s) for s in samples)
    out, acc, n = bytearray(), 0, 0
    for s in samples:
        acc = (acc << depth) | s; n += depth
        if n == 8: out.append(acc); acc, n = 0, 0
    if n: out.append(acc << (8 - n))
    return bytes(out)

def encode(path, w, h, ctype, depth, pixels, spp, interlace=False, extra=b"", idat_parts=1):
    bpp = max(1, spp * depth // 8)
    raw = bytearray(); k = 0
    passes = ADAM7 if interlace else [(0, 0, 1, 1)]
    for (x0, y0, dx, dy) in passes:
        pw, ph = (w - x0 + dx - 1) // dx, (h - y0 + dy - 1) // dy
        if pw <= 0 or ph <= 0: continue
        prev = bytes(len(pack_row([0] * (pw * spp), depth)))
        for y in range(ph):
            samples = []
            for x in range(pw):
                samples += pixels[(y0 + y * dy) * w + x0 + x * dx]
            row = pack_row(samples, depth)
            raw += bytes([k % 5]) + filt(k % 5, row, prev, bpp); k += 1
            prev = row
    data = zlib.compress(bytes(raw), 9)
    cut = [len(data) * i // idat_parts for i in range(idat_parts + 1)]
    ihdr = struct.pack(">IIBBBBB", w, h, depth, ctype, 0, 0, 1 if interlace else 0)
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + extra
    png += b"".join(chunk(b"IDAT", data[cut[i]:cut[i + 1]]) for i in range(idat_parts)) + chunk(b"IEND", b"")
    open(path, "wb").write(png)

def case(name, w, h, ctype, depth, interlace=False, trns=False, text=False, parts=1, seed=0):
    rnd = random.Random(seed); top = (1 << depth) - 1
    spp = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[ctype]
    extra = b""; max_out = top
    if ctype == 3:
        n = min(1 << depth, 7 if depth > 1 else 2)
        palette = [(rnd.randrange(256), rnd.randrange(256), rnd.randrange(256)) for _ in range(n)]
        extra += chunk(b"PLTE", bytes(v for p in palette for v in p))
        alpha = [rnd.randrange(256) for _ in range(n - 1)] if trns else None  # one entry short: it is opaque
        if trns: extra += chunk(b"tRNS", bytes(alpha))
        pixels = [[rnd.randrange(n)] for _ in range(w * h)]
        max_out = 255
        decoded = [list(palette[p[0]]) + ([alpha[p[0]] if p[0] < len(alpha) else 255] if trns else []) for p in pixels]
    else:
        pixels = [[rnd.randrange(top + 1) for _ in range(spp)] for _ in range(w * h)]
        decoded = [list(p) for p in pixels]
        if trns:
            key = pixels[0]  # the first pixel's colour is the transparent key
            extra += chunk(b"tRNS", b"".join(struct.pack(">H", v) for v in key))
            decoded = [p + [0 if p == key else top] for p in pixels]
    if text:
        extra += chunk(b"tEXt", b"Title\0A red fox \xe9t\xe9")
        extra += chunk(b"zTXt", b"Description\0\0" + zlib.compress("jumps over the lazy dog".encode("latin-1")))
        extra += chunk(b"iTXt", b"Author\0\0\0en\0Autor\0" + "Zo\u00eb \u2603".encode("utf-8"))
        extra += chunk(b"tIME", bytes(7))  # an ancillary chunk to skip
    encode(name + ".png", w, h, ctype, depth, pixels, spp, interlace, extra, parts)
    json.dump({"width": w, "height": h, "channels": len(decoded[0]), "max": max_out,
               "values": [v for p in decoded for v in p]}, open(name + ".json", "w"))

for d in (1, 2, 4, 8, 16): case(f"grey{d}", 13, 7, 0, d, seed=d)
for d in (8, 16): case(f"rgb{d}", 9, 6, 2, d, seed=20 + d); case(f"greyalpha{d}", 5, 9, 4, d, seed=30 + d); case(f"rgba{d}", 7, 5, 6, d, seed=40 + d)
for d in (1, 2, 4, 8): case(f"palette{d}", 11, 6, 3, d, seed=50 + d)
case("palette4-trns", 6, 5, 3, 4, trns=True, seed=60)
case("grey8-trns", 6, 4, 0, 8, trns=True, seed=61)
case("rgb16-trns", 4, 3, 2, 16, trns=True, seed=62)
case("adam7-grey1", 13, 7, 0, 1, interlace=True, seed=70)
case("adam7-rgb8", 3, 17, 2, 8, interlace=True, seed=71)
case("adam7-rgba16", 13, 7, 6, 16, interlace=True, seed=72)
case("adam7-palette4", 1, 1, 3, 4, interlace=True, seed=73)
case("multi-idat-text", 10, 10, 2, 8, text=True, parts=4, seed=80)
print("ok")
