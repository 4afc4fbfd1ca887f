"""The process-wide memo of the pipeline layer (:mod:`kexue_viz.pipeline`)."""
from __future__ import annotations

import dataclasses
import threading
import time

import numpy as np
import pytest
import torch

from kexue_viz import pipeline
from kexue_viz.pipeline import MEMOS, Memo, clear_memos, memoised, result_bytes


def test_results_are_kept_by_arguments_and_shared():
    calls = []
    memo = Memo(lambda n, scale=1.0: calls.append(n) or np.arange(n) * scale, max_bytes=2**20)
    first = memo(4)
    assert memo(4) is first and calls == [4]
    assert memo(4, scale=2.0)[1] == 2.0 and calls == [4, 4]
    assert memo.cache_info()[:3] == (1, 2, 2)
    assert memo.cached(4) is first and memo.cached(5) is None and calls == [4, 4]  # a look computes nothing


def test_shared_arrays_are_read_only():
    @dataclasses.dataclass(frozen=True)
    class Result:
        values: np.ndarray

    memo = Memo(lambda: (np.zeros(3), {"a": np.ones(2)}, Result(np.ones(1))), max_bytes=2**20)
    arrays, table, result = memo()
    with pytest.raises(ValueError, match="read-only"):
        result.values[0] = 0.0
    with pytest.raises(ValueError, match="read-only"):
        arrays[0] = 1.0
    with pytest.raises(ValueError, match="read-only"):
        table["a"][0] = 0.0


def test_least_recently_used_results_go_once_over_the_byte_bound():
    key = 64  # an int argument counts 64 bytes
    memo = Memo(lambda n: np.zeros(n), max_bytes=8 * 250 + 2 * key)  # 250 float64 and two keys
    memo(100), memo(100), memo(120)
    assert memo.cache_info().entries == 2 and memo.cache_info().bytes == 8 * 220 + 2 * key
    memo(100)  # 100 is now the most recent: 120 goes when 50 comes
    memo(50)
    assert memo.cache_info().bytes == 8 * 150 + 2 * key
    misses = memo.cache_info().misses
    memo(100)
    assert memo.cache_info().misses == misses  # kept
    memo(1000)  # larger than the bound alone: returned, not kept
    assert memo.cache_info().bytes <= 8 * 250 + 2 * key


def test_the_bytes_a_key_holds_count():
    memo = Memo(lambda data: len(data), max_bytes=10_000)
    memo(b"x" * 6_000)
    memo(b"y" * 6_000)  # two 6 kB uploads do not fit in 10 kB: the first goes
    assert memo.cache_info().entries == 1 and memo.cache_info().bytes == 6_000 + 64


def test_a_failure_is_not_kept():
    attempts = []

    def flaky():
        attempts.append(1)
        if len(attempts) == 1:
            raise RuntimeError("first call fails")
        return np.ones(1)

    memo = Memo(flaky, max_bytes=2**20)
    with pytest.raises(RuntimeError):
        memo()
    assert memo()[0] == 1.0 and len(attempts) == 2


def test_concurrent_callers_of_a_missing_result_compute_it_once():
    calls = []

    def slow(n):
        calls.append(n)
        time.sleep(0.2)
        return np.full(n, 7.0)

    memo = Memo(slow, max_bytes=2**20)
    results = []
    threads = [threading.Thread(target=lambda: results.append(memo(5))) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert calls == [5] and all(result is results[0] for result in results)


def test_result_bytes_counts_arrays_tensors_and_containers():
    assert result_bytes((np.zeros(10), {"t": torch.zeros(4, dtype=torch.float32)}, [np.zeros(2, dtype=np.int8)])) == 98


def test_memoised_registers_the_function():
    @memoised(max_bytes=1024)
    def square(x: float) -> float:
        """x²."""
        return x * x

    assert square in MEMOS and square(3.0) == 9.0 and square.__doc__ == "x²."


def test_clear_memos_empties_every_memoised_function(monkeypatch):
    calls = []
    doubled = Memo(lambda x: calls.append(x) or 2 * x, max_bytes=2**10)
    monkeypatch.setattr(pipeline, "MEMOS", [doubled])  # the process's own memos stay as they are
    assert doubled(2.0) == doubled(2.0) == 4.0 and calls == [2.0]
    clear_memos()
    assert doubled.cached(2.0) is None and doubled.cache_info().bytes == 0
    assert doubled(2.0) == 4.0 and calls == [2.0, 2.0]
