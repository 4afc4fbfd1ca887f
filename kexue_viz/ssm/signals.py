"""Input signals for the online-approximation experiments, sampled at ``t_k = kε``.

Every preset is deterministic given its arguments (noise is seeded) and returns float64 numpy
arrays; uploaded columns are validated by :func:`parse_csv_column`.
"""
from __future__ import annotations

import csv
import math

import numpy as np

from ..i18n import TextError
from .text import UPLOAD_TEXT

PRESETS = ("white_noise", "sines", "square", "chirp", "step", "random_walk")
MAX_UPLOAD_BYTES = 2_000_000
MAX_UPLOAD_SAMPLES = 100_000


def band_limited_noise(L: int, dt: float, freq: float, seed: int = 0, rms: float = 0.5) -> np.ndarray:
    """White noise low-pass filtered at ``freq`` cycles per unit time (the nengo/s4
    ``whitesignal`` recipe): random complex Gaussian rFFT bins up to the cutoff, zero above,
    zero mean, scaled to the given RMS."""
    rng = np.random.default_rng(seed)
    frequencies = np.fft.rfftfreq(L, d=dt)
    keep = (frequencies > 0) & (frequencies <= freq)
    if not keep.any():
        raise ValueError(f"band limit {freq} is below the lowest frequency 1/duration = {1 / (L * dt):.3g}; "
                         "raise the frequency or the duration")
    spectrum = np.zeros(frequencies.shape, dtype=np.complex128)
    spectrum[keep] = rng.standard_normal(keep.sum()) + 1j * rng.standard_normal(keep.sum())
    signal = np.fft.irfft(spectrum, n=L)
    power = np.sqrt(np.mean(signal ** 2))
    return signal * (rms / power) if power > 0 else signal


def make_signal(kind: str, L: int, dt: float, freq: float = 2.0, seed: int = 0) -> np.ndarray:
    """Samples ``u_0..u_{L-1}`` of a preset at ``t_k = kε``; ``freq`` is the band limit or base
    frequency in cycles per unit time."""
    t = np.arange(L) * dt
    duration = L * dt
    if kind == "white_noise":
        return band_limited_noise(L, dt, freq, seed)
    if kind == "sines":
        return np.sin(2 * math.pi * freq * t) + 0.5 * np.cos(2 * math.pi * 0.37 * freq * t + 1.0)
    if kind == "square":
        return np.where(np.sin(2 * math.pi * freq * t) >= 0, 1.0, -1.0)
    if kind == "chirp":
        return np.sin(2 * math.pi * freq * t ** 2 / duration)
    if kind == "step":
        return np.where(t >= duration / 2, 1.0, 0.0)
    if kind == "random_walk":
        walk = np.cumsum(np.random.default_rng(seed).standard_normal(L)) * math.sqrt(dt)
        return walk - walk.mean()
    raise ValueError(f"unknown signal {kind!r}; choose one of {PRESETS}")


class UploadError(TextError):
    """A rejected upload: the entry ``key`` of :data:`~kexue_viz.ssm.text.UPLOAD_TEXT` filled with
    ``values`` (English for ``str()``, either language for a page)."""

    def __init__(self, key: str, **values):
        super().__init__(UPLOAD_TEXT, key, **values)


def parse_csv_column(data: bytes, column: str | int = 0) -> np.ndarray:
    """Read one numeric column of an uploaded CSV/TSV (header optional) into a float array.

    Raises :class:`UploadError` (a ``ValueError``) with a reader-facing message for: an empty or
    oversized file, a file that is not UTF-8 text, a missing column, a non-numeric or non-finite
    value (with its line), fewer than 2 or more than ``MAX_UPLOAD_SAMPLES`` values.
    """
    if not data:
        raise UploadError("empty")
    if len(data) > MAX_UPLOAD_BYTES:
        raise UploadError("too_large", size=len(data) / 1e6, limit=MAX_UPLOAD_BYTES / 1e6)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UploadError("not_text") from None
    numbered = [(number, line) for number, line in enumerate(text.splitlines(), start=1) if line.strip()]
    if not numbered:
        raise UploadError("no_rows")
    delimiter = "\t" if "\t" in numbered[0][1] else ","
    rows = [(number, row) for (number, _), row in
            zip(numbered, csv.reader([line for _, line in numbered], delimiter=delimiter))]
    header = rows[0][1]
    has_header = any(cell.strip() and not _is_number(cell) for cell in header)
    if isinstance(column, str) and not column.strip().lstrip("-").isdigit():
        if not has_header or column not in [h.strip() for h in header]:
            raise UploadError("no_such_column", column=column, header=header)
        index = [h.strip() for h in header].index(column)
    else:
        index = int(column)
    body = rows[1:] if has_header else rows
    values = []
    for line_no, row in body:
        if index >= len(row) or index < 0:
            raise UploadError("short_line", line=line_no, index=index, count=len(row))
        cell = row[index].strip()
        if not _is_number(cell):
            raise UploadError("not_a_number", line=line_no, cell=cell)
        value = float(cell)
        if not math.isfinite(value):
            raise UploadError("not_finite", line=line_no, cell=cell)
        values.append(value)
    if len(values) < 2:
        raise UploadError("too_few")
    if len(values) > MAX_UPLOAD_SAMPLES:
        raise UploadError("too_many", count=len(values), limit=MAX_UPLOAD_SAMPLES)
    return np.asarray(values, dtype=np.float64)


def resample(values: np.ndarray, L: int) -> np.ndarray:
    """Stretch an uploaded series onto ``L`` samples by linear interpolation (index axis)."""
    if len(values) == L:
        return values
    return np.interp(np.linspace(0, len(values) - 1, L), np.arange(len(values)), values)


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True
