#!/usr/bin/python3
"""Sound fixtures for Engram's AudioFiles tests: one second of a two-channel tone written as WAV by hand
(struct, independent of Engram), then encoded by ffmpeg (Debian's `ffmpeg`, 5.1) into the formats Engram
reads. Run from this folder with Debian's /usr/bin/python3 (standard library only) and ffmpeg on PATH.

tone.wav   1.000 s, 44,100 Hz, stereo, 16-bit PCM. Left: a linear chirp from 300 to 3,000 Hz at amplitude
           0.5; right: a steady 1,000 Hz tone at amplitude 0.3; both faded in and out over 10 ms (no clicks).
           The tests restate this formula in C# and check the WAV against it.
tone.mp3   MPEG-1 Layer III, 128 kbps CBR (libmp3lame), with ffmpeg's ID3v2 tag and LAME/Xing header.
tone-22k-mono.mp3  MPEG-2 Layer III, 22,050 Hz, mono (the channels averaged), 48 kbps: the other MPEG version.
tone.ogg   Ogg Vorbis, quality 4 (libvorbis).
tone-lame.mp3  tone.mp3 with its Info frame's encoder name "Lavf lame" changed to "LAME3.100": the tag of files
           LAME itself wrote (NLayer trims those by itself, and wrongly by 529 samples; Engram trims every such file).
tone-mp3.wav  the first 0.25 s as MP3 in a RIFF/WAVE wrapper (format tag 0x55), as some Windows tools write it.
short.mp3, short.ogg  the first 0.1 s as MP3 and OGG Vorbis: small seeds for the mutation tests.
tone.flac, tone.opus, tone.m4a  the first 0.25 s as FLAC, Opus (48 kHz, 96 kbps) and AAC in MP4 (moov after
           mdat, as ffmpeg writes it): formats Engram reads through ffmpeg.
Encoders run with -bitexact and without metadata, so a rerun with the same ffmpeg writes the same bytes."""
import math, struct, subprocess

RATE, SECONDS = 44100, 1.0

def tone(t):
    fade = min(1.0, t / 0.01, (SECONDS - t) / 0.01)
    f0, f1 = 300.0, 3000.0
    left = 0.5 * math.sin(2 * math.pi * (f0 * t + (f1 - f0) * t * t / (2 * SECONDS)))
    right = 0.3 * math.sin(2 * math.pi * 1000.0 * t)
    return fade * left, fade * right

frames = int(RATE * SECONDS)
data = b"".join(struct.pack("<hh", *(round(v * 32767) for v in tone(n / RATE))) for n in range(frames))
fmt = struct.pack("<HHIIHH", 1, 2, RATE, RATE * 4, 4, 16)
body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(data)) + data
open("tone.wav", "wb").write(b"RIFF" + struct.pack("<I", len(body)) + body)

def encode(out, *args):
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-bitexact", "-i", "tone.wav", "-map_metadata", "-1", *args,
                    "-fflags", "+bitexact", "-flags:a", "+bitexact", out], check=True)

encode("tone.mp3", "-c:a", "libmp3lame", "-b:a", "128k")
encode("tone-22k-mono.mp3", "-c:a", "libmp3lame", "-b:a", "48k", "-ac", "1", "-ar", "22050")
encode("tone.ogg", "-c:a", "libvorbis", "-q:a", "4")
encode("tone-mp3.wav", "-t", "0.25", "-c:a", "libmp3lame", "-b:a", "128k")
encode("short.mp3", "-t", "0.1", "-c:a", "libmp3lame", "-b:a", "128k")
encode("short.ogg", "-t", "0.1", "-c:a", "libvorbis", "-q:a", "4")
encode("tone.flac", "-t", "0.25", "-c:a", "flac")
encode("tone.opus", "-t", "0.25", "-c:a", "libopus", "-b:a", "96k")
encode("tone.m4a", "-t", "0.25", "-c:a", "aac", "-b:a", "96k")

mp3 = bytearray(open("tone.mp3", "rb").read())
at = mp3.index(b"Lavf lame")
mp3[at:at + 9] = b"LAME3.100"
open("tone-lame.mp3", "wb").write(mp3)
