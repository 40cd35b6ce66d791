#!/usr/bin/python3
"""WAV fixtures for Engram's WavFile tests, written by hand with struct (independent of Engram).
Run with Debian's /usr/bin/python3 from this folder. Each NAME.wav has NAME.json with the format and
the integer (or float) sample values, interleaved. espeak-stdout.wav is `espeak-ng --stdout` output,
whose RIFF and data sizes are placeholders."""
import json, struct, subprocess

def chunk(tag, body):
    pad = b"\0" if len(body) % 2 else b""
    return tag + struct.pack("<I", len(body)) + body + pad

def fmt(tag, channels, rate, bits, extensible=False):
    block = channels * bits // 8
    body = struct.pack("<HHIIHH", 0xFFFE if extensible else tag, channels, rate, rate * block, block, bits)
    if extensible:
        guid = struct.pack("<H", tag) + bytes.fromhex("000000001000800000aa00389b71")
        body += struct.pack("<HHI", 22, bits, 0) + guid
    return chunk(b"fmt ", body)

def wav(name, tag, channels, rate, bits, values, pack, extensible=False, extra=b""):
    data = b"".join(pack(v) for v in values)
    body = b"WAVE" + fmt(tag, channels, rate, bits, extensible) + extra + chunk(b"data", data)
    open(name + ".wav", "wb").write(b"RIFF" + struct.pack("<I", len(body)) + body)
    json.dump({"tag": tag, "channels": channels, "rate": rate, "bits": bits, "values": values}, open(name + ".json", "w"))

wav("pcm8-mono", 1, 1, 8000, 8, [0, 1, 127, 128, 129, 255, 64], lambda v: struct.pack("<B", v))
wav("pcm16-stereo", 1, 2, 8000, 16, [0, -1, 1, -32768, 32767, 1000, -1000, 12345], lambda v: struct.pack("<h", v),
    extra=chunk(b"LIST", b"INFOodd"))  # an odd-sized chunk before data: needs its pad byte
wav("pcm24-mono", 1, 1, 44100, 24, [0, 1, -1, 8388607, -8388608, 4000000], lambda v: struct.pack("<i", v)[:3])
wav("pcm32-ext", 1, 1, 16000, 32, [0, 2147483647, -2147483648, 123456789], lambda v: struct.pack("<i", v), extensible=True)
wav("float64-stereo", 3, 2, 48000, 64, [0.0, -0.5, 0.25, 1.0, -1.0, 0.125], lambda v: struct.pack("<d", v))

stream = subprocess.run(["espeak-ng", "--stdout", "-v", "en-us", "hi"], check=True, capture_output=True).stdout
open("espeak-stdout.wav", "wb").write(stream)
print("riff size field", struct.unpack("<I", stream[4:8])[0], "data size field", struct.unpack("<I", stream[40:44])[0], "bytes", len(stream))
