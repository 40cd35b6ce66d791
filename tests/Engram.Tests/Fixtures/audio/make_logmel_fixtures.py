#!/usr/bin/python3
"""Writes logmel_reference.json: reference mel filterbanks, FFT power spectra and log-mel spectrograms in numpy.

Run with Debian's /usr/bin/python3 (numpy only):  /usr/bin/python3 make_logmel_fixtures.py

librosa and torch are not needed; their definitions are restated here in float64:
  * mel_filterbank: librosa.filters.mel(sr, n_fft, n_mels, fmin, fmax, htk=False, norm="slaney"):
    the Slaney mel scale (linear, 3 mels per 200 Hz, below 1 kHz; above, 15 mels at 1 kHz plus
    ln(f/1000)/logstep with logstep = ln(6.4)/27), n_mels + 2 edges evenly spaced in mels, triangles
    over np.fft.rfftfreq, each scaled by 2/(upper edge - lower edge);
  * the STFT: torch.stft(x, n_fft, hop, win_length, torch.hann_window(win_length, periodic=True),
    center=True, pad_mode="reflect"): pad n_fft//2 with np.pad(mode="reflect") (edge not repeated), window
    zero-padded centred to n_fft (left (n_fft - win_length)//2), frame t starts at t*hop;
  * log-mel = log(max(filterbank @ |X|^2, floor)).
Signals are float32; the references are computed from those float32 values in float64.
"""
import json
import os

import numpy as np


def hz_to_mel(f):
    f = np.asarray(f, dtype=np.float64)
    f_sp = 200.0 / 3
    mels = f / f_sp
    min_log_hz = 1000.0
    min_log_mel = min_log_hz / f_sp
    logstep = np.log(6.4) / 27.0
    return np.where(f >= min_log_hz, min_log_mel + np.log(np.maximum(f, 1e-300) / min_log_hz) / logstep, mels)


def mel_to_hz(m):
    m = np.asarray(m, dtype=np.float64)
    f_sp = 200.0 / 3
    freqs = f_sp * m
    min_log_hz = 1000.0
    min_log_mel = min_log_hz / f_sp
    logstep = np.log(6.4) / 27.0
    return np.where(m >= min_log_mel, min_log_hz * np.exp(logstep * (m - min_log_mel)), freqs)


def mel_filterbank(sr, n_fft, n_mels, fmin, fmax):
    fftfreqs = np.fft.rfftfreq(n=n_fft, d=1.0 / sr)
    mel_f = mel_to_hz(np.linspace(hz_to_mel(fmin), hz_to_mel(fmax), n_mels + 2))
    fdiff = np.diff(mel_f)
    ramps = np.subtract.outer(mel_f, fftfreqs)
    weights = np.zeros((n_mels, 1 + n_fft // 2))
    for i in range(n_mels):
        lower = -ramps[i] / fdiff[i]
        upper = ramps[i + 2] / fdiff[i + 1]
        weights[i] = np.maximum(0, np.minimum(lower, upper))
    enorm = 2.0 / (mel_f[2:n_mels + 2] - mel_f[:n_mels])
    weights *= enorm[:, np.newaxis]
    assert np.all(weights.max(axis=1) > 0), "empty mel filter"
    return weights


def log_mel(x, sr=16000, n_fft=512, hop=160, win_length=400, n_mels=40, fmin=0.0, fmax=None, floor=1e-6):
    fmax = sr / 2 if fmax is None else fmax
    x = np.asarray(x, dtype=np.float64)
    padded = np.pad(x, n_fft // 2, mode="reflect")
    n = np.arange(win_length)
    hann = 0.5 - 0.5 * np.cos(2 * np.pi * n / win_length)
    window = np.zeros(n_fft)
    left = (n_fft - win_length) // 2
    window[left:left + win_length] = hann
    frames = 1 + (len(padded) - n_fft) // hop
    power = np.stack([np.abs(np.fft.rfft(padded[t * hop:t * hop + n_fft] * window)) ** 2 for t in range(frames)])
    mel = power @ mel_filterbank(sr, n_fft, n_mels, fmin, fmax).T
    return np.log(np.maximum(mel, floor))


def f32(values):
    """float32 values, written with 9 significant digits (enough to round-trip float32)."""
    return [float(f"{v:.9g}") for v in np.asarray(values, dtype=np.float32).ravel()]


def f64(values):
    """float64 references, 12 significant digits (far below every tolerance the tests use)."""
    return [float(f"{v:.12g}") for v in np.asarray(values, dtype=np.float64).ravel()]


def main():
    rng = np.random.default_rng(20240611)
    out = {"filterbanks": [], "spectra": [], "spectrograms": []}

    for sr, n_fft, n_mels, fmin, fmax in [(16000, 512, 40, 0.0, 8000.0), (22050, 256, 20, 50.0, 8000.0)]:
        fb = mel_filterbank(sr, n_fft, n_mels, fmin, fmax)
        out["filterbanks"].append({
            "sampleRate": sr, "fftSize": n_fft, "mels": n_mels, "minFrequency": fmin, "maxFrequency": fmax,
            "weights": f64(fb),
        })

    for n in [8, 64, 512]:
        signal = rng.standard_normal(n).astype(np.float32)
        power = np.abs(np.fft.rfft(signal.astype(np.float64))) ** 2
        out["spectra"].append({"signal": f32(signal), "power": f64(power)})

    sr = 16000
    noise = rng.uniform(-0.5, 0.5, 4800).astype(np.float32)
    t = np.arange(4850) / sr
    # Linear chirp 100 Hz -> 6 kHz over the clip; 4850 is not a multiple of the hop.
    f0, f1, duration = 100.0, 6000.0, 4850 / sr
    chirp = (0.5 * np.sin(2 * np.pi * (f0 * t + (f1 - f0) / (2 * duration) * t * t))).astype(np.float32)
    # The shortest input accepted (n_fft/2 + 1 samples): the reflect padding reaches the far end.
    short = rng.uniform(-1, 1, 257).astype(np.float32)
    for name, signal in [("noise", noise), ("chirp", chirp), ("shortest", short)]:
        spectrogram = log_mel(signal.astype(np.float64))
        out["spectrograms"].append({
            "name": name, "samples": f32(signal), "frames": spectrogram.shape[0], "mels": spectrogram.shape[1],
            "logMel": f64(spectrogram),
        })

    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "logmel_reference.json")
    with open(path, "w") as f:
        json.dump(out, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {path} ({os.path.getsize(path)} bytes)")


if __name__ == "__main__":
    main()
