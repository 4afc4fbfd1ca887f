"""Tests of kexue_viz.ssm.signals: deterministic presets, band-limited noise, CSV/TSV upload parsing."""
from __future__ import annotations

import math

import numpy as np
import pytest

from kexue_viz.ssm import PRESETS, make_signal, parse_csv_column
from kexue_viz.ssm.signals import MAX_UPLOAD_BYTES, MAX_UPLOAD_SAMPLES, band_limited_noise


# --------------------------------------------------------------------------------------------
# presets
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", PRESETS)
def test_presets_are_deterministic_finite_float64(kind):
    a = make_signal(kind, 500, 0.008, freq=2.0, seed=3)
    b = make_signal(kind, 500, 0.008, freq=2.0, seed=3)
    assert isinstance(a, np.ndarray) and a.dtype == np.float64 and a.shape == (500,)
    assert np.all(np.isfinite(a))
    assert np.array_equal(a, b), f"{kind}: same arguments must give identical samples"


@pytest.mark.parametrize("kind", ["white_noise", "random_walk"])
def test_seeded_presets_depend_on_seed(kind):
    a = make_signal(kind, 400, 0.01, seed=0)
    b = make_signal(kind, 400, 0.01, seed=1)
    assert not np.allclose(a, b), f"{kind}: different seeds must give different signals"


def test_preset_formulas():
    L, dt, f = 400, 0.01, 1.5
    t = np.arange(L) * dt
    assert np.allclose(make_signal("sines", L, dt, f),
                       np.sin(2 * np.pi * f * t) + 0.5 * np.cos(2 * np.pi * 0.37 * f * t + 1.0))
    square = make_signal("square", L, dt, f)
    assert set(np.unique(square)) == {-1.0, 1.0}
    step = make_signal("step", L, dt)
    assert np.all(step[: L // 2] == 0) and np.all(step[L // 2:] == 1)
    chirp = make_signal("chirp", L, dt, f)
    assert np.allclose(chirp, np.sin(2 * np.pi * f * t ** 2 / (L * dt)))
    walk = make_signal("random_walk", L, dt, seed=2)
    assert abs(walk.mean()) < 1e-12, "random walk is centred"


def test_unknown_preset():
    with pytest.raises(ValueError, match="unknown signal"):
        make_signal("pink_noise", 10, 0.1)


@pytest.mark.parametrize("L,dt,freq", [(1000, 0.004, 2.0), (999, 0.01, 5.0), (2000, 0.002, 0.75)])
def test_band_limited_noise_spectrum(L, dt, freq):
    x = band_limited_noise(L, dt, freq, seed=11)
    assert x.shape == (L,)
    assert abs(math.sqrt(np.mean(x ** 2)) - 0.5) < 1e-12, "RMS must be 0.5"
    assert abs(x.mean()) < 1e-12, "no DC component"
    spectrum = np.abs(np.fft.rfft(x)) ** 2
    f = np.fft.rfftfreq(L, d=dt)
    above, below = spectrum[f > freq].sum(), spectrum[(f > 0) & (f <= freq)].sum()
    assert above <= 1e-20 * below, f"energy above the cutoff: {above:.3e} (below: {below:.3e})"
    # energy is spread over the pass band (not a single line)
    assert np.count_nonzero(spectrum[(f > 0) & (f <= freq)] > 1e-6 * below) >= 2
    assert np.array_equal(x, make_signal("white_noise", L, dt, freq=freq, seed=11))


# --------------------------------------------------------------------------------------------
# parse_csv_column
# --------------------------------------------------------------------------------------------

def test_csv_without_header():
    assert np.array_equal(parse_csv_column(b"1\n2.5\n-3e-1\n"), [1.0, 2.5, -0.3])
    assert np.array_equal(parse_csv_column(b"1,10\n2,20\n3,30\n", column=1), [10.0, 20.0, 30.0])
    assert np.array_equal(parse_csv_column(b"1,10\n2,20\n", column="1"), [10.0, 20.0])


def test_csv_with_header_by_name_and_index():
    data = b"time,value\n0,1.5\n1,2.5\n2,3.5\n"
    assert np.array_equal(parse_csv_column(data, column="value"), [1.5, 2.5, 3.5])
    assert np.array_equal(parse_csv_column(data, column=0), [0.0, 1.0, 2.0])
    assert np.array_equal(parse_csv_column(b"t, u \n0, 1\n1, 2\n", column="u"), [1.0, 2.0]), "header cells stripped"


def test_tsv_bom_crlf_and_blank_lines():
    assert np.array_equal(parse_csv_column(b"a\tb\r\n1\t4\r\n2\t5\r\n", column="b"), [4.0, 5.0])
    assert np.array_equal(parse_csv_column("\ufeffx\n1\n2\n".encode("utf-8")), [1.0, 2.0]), "UTF-8 BOM"
    assert np.array_equal(parse_csv_column(b"x\n1\n\n2\n\n"), [1.0, 2.0]), "blank lines are skipped"


def _error(data, **kw) -> str:
    with pytest.raises(ValueError) as info:
        parse_csv_column(data, **kw)
    return str(info.value)


def test_rejects_empty_and_blank():
    assert "empty" in _error(b"")
    assert "no rows" in _error(b"\n \n\n")


def test_rejects_non_utf8():
    assert "UTF-8" in _error("caf\u00e9,1\n".encode("latin-1"))
    assert "UTF-8" in _error("1\n2\n".encode("utf-16"))


def test_rejects_non_numeric_naming_the_line():
    msg = _error(b"value\n1\n2\nabc\n4\n")
    assert "line 4" in msg and "'abc'" in msg and "not a number" in msg, msg
    msg = _error(b"1\n2\n3,\nx\n")
    assert "line 4" in msg and "'x'" in msg, msg


def test_error_line_number_counts_blank_lines():
    """The reported line must be the line of the file the user sees (blank lines included)."""
    msg = _error(b"value\n1\n\n2\nabc\n")
    assert "line 5" in msg, f"'abc' is on line 5 of the file, message says: {msg}"


@pytest.mark.parametrize("bad", [b"nan", b"inf", b"-Infinity", b"1e400"])
def test_rejects_non_finite(bad):
    msg = _error(b"u\n1\n" + bad + b"\n3\n")
    assert "line 3" in msg and "finite" in msg, msg


def test_rejects_oversized_file():
    msg = _error(b"1\n" * (MAX_UPLOAD_BYTES // 2 + 1))
    assert "limit" in msg and "MB" in msg, msg


def test_rejects_too_many_samples():
    msg = _error(b"1\n" * (MAX_UPLOAD_SAMPLES + 1))
    assert str(MAX_UPLOAD_SAMPLES) in msg and "limit" in msg, msg
    assert parse_csv_column(b"1\n" * MAX_UPLOAD_SAMPLES).shape == (MAX_UPLOAD_SAMPLES,)


def test_rejects_too_few_values():
    assert "at least 2" in _error(b"x\n1\n")
    assert "at least 2" in _error(b"x\n")


def test_rejects_missing_column():
    msg = _error(b"time,value\n0,1\n1,2\n", column="volts")
    assert "'volts'" in msg and "not found" in msg and "value" in msg, msg
    msg = _error(b"1,2\n3,4\n", column=5)
    assert "line 1" in msg and "no column 5" in msg, msg
    msg = _error(b"1,2\n3,4\n", column="volts")
    assert "not found" in msg, msg
    msg = _error(b"a,b\n1,2\n3\n", column="b")
    assert "line 3" in msg and "no column 1" in msg, msg


def test_headerless_file_with_an_empty_cell_keeps_its_first_row():
    """An empty cell in another column of the first row is not a header: the first sample of the
    requested column must not be dropped silently."""
    got = parse_csv_column(b"1,,3\n4,5,6\n7,8,9\n", column=0)
    assert np.array_equal(got, [1.0, 4.0, 7.0]), f"first data row lost: {got}"


@pytest.mark.parametrize("L,dt,freq", [(100, 0.01, 0.5), (250, 0.006, 0.5)])  # duration 1 / 1.5, freq 0.5
def test_white_noise_below_first_frequency_bin_is_not_silently_zero(L, dt, freq):
    """With ``freq < 1/duration`` no rFFT bin is kept. The nengo / s4 ``whitesignal`` recipe
    raises ValueError ('Make freq >= 1/period to produce a non-zero signal'); the package's
    contract is 'scaled to the given RMS'. Either is fine, an all-zero 'noise' is not (reachable
    from the dashboard: duration 1-1.9 with freq 0.5)."""
    try:
        x = band_limited_noise(L, dt, freq, seed=0)
    except ValueError:
        return
    assert abs(math.sqrt(np.mean(x ** 2)) - 0.5) < 1e-12, f"RMS {math.sqrt(np.mean(x ** 2))}: silent all-zero signal"
