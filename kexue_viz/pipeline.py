"""The pipeline layer: results as pure functions of frozen settings, memoised for the whole process.

A series' pipeline function takes exactly what its result depends on (a frozen, hashable settings
object such as a frozen dataclass) and returns arrays. :func:`memoised` keeps its results for the
whole process, bounded by the bytes they hold: every reader's session, the notebooks and the CLI
share them, so the hundredth reader at the default settings computes nothing.

Shared results must not change under another reader: the numpy arrays a memoised function returns
are marked read-only (a caller that needs to modify one copies it). Torch warns when it wraps a
read-only array without a copy (``torch.as_tensor``), as the next pipeline step often does to read
it; that warning is silenced here (reading is what it is used for). Two sessions asking for the
same missing result at once compute it once: the second waits for the first.
"""
from __future__ import annotations

import dataclasses
import threading
import warnings
from collections import OrderedDict
from functools import update_wrapper
from typing import Any, Callable, NamedTuple

import numpy as np
import torch

DEFAULT_MAX_BYTES = 64 * 2**20

warnings.filterwarnings("ignore", message="The given NumPy array is not writable", category=UserWarning)


class MemoInfo(NamedTuple):
    hits: int
    misses: int
    entries: int
    bytes: int
    max_bytes: int


def result_bytes(value: Any) -> int:
    """The bytes the arrays, tensors, bytes and strings in ``value`` hold (tuples, lists, dicts and
    dataclasses are walked; anything else counts 64 bytes)."""
    if isinstance(value, np.ndarray):
        return value.nbytes
    if isinstance(value, torch.Tensor):
        return value.element_size() * value.nelement()
    if isinstance(value, (bytes, bytearray, str)):
        return len(value)
    if isinstance(value, (tuple, list)):
        return sum(map(result_bytes, value))
    if isinstance(value, dict):
        return sum(map(result_bytes, value.values()))
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return sum(result_bytes(getattr(value, field.name)) for field in dataclasses.fields(value))
    return 64


def read_only(value: Any) -> Any:
    """``value`` with every numpy array in it (in tuples, lists, dict values and dataclass fields)
    marked unwritable."""
    if isinstance(value, np.ndarray):
        value.setflags(write=False)
    elif isinstance(value, (tuple, list)):
        for item in value:
            read_only(item)
    elif isinstance(value, dict):
        for item in value.values():
            read_only(item)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for field in dataclasses.fields(value):
            read_only(getattr(value, field.name))
    return value


class Memo:
    """``function`` memoised process-wide by its (hashable) arguments: least recently used entries
    are dropped once their results and keys hold more than ``max_bytes`` together
    (:func:`result_bytes`); an entry larger than that alone is returned but not kept. Thread-safe, one computation per key at a time;
    an exception is not kept (the next call tries again)."""

    def __init__(self, function: Callable[..., Any], max_bytes: int):
        self.function, self.max_bytes = function, max_bytes
        self._entries: OrderedDict[Any, tuple[Any, int]] = OrderedDict()
        self._computing: dict[Any, threading.Event] = {}
        self._lock = threading.Lock()
        self._bytes = self._hits = self._misses = 0
        update_wrapper(self, function)

    def clear(self) -> None:
        """Drop every kept result (the next call of each computes it again)."""
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    def __call__(self, *args, **kwargs):
        key = (args, tuple(sorted(kwargs.items()))) if kwargs else args
        while True:
            with self._lock:
                if key in self._entries:
                    self._entries.move_to_end(key)
                    self._hits += 1
                    return self._entries[key][0]
                pending = self._computing.get(key)
                if pending is None:
                    self._computing[key] = threading.Event()
                    self._misses += 1
                    break
            pending.wait()  # another caller computes it: take its result (or try again if it failed)
        try:
            value = read_only(self.function(*args, **kwargs))
            self._store(key, value)
            return value
        finally:
            with self._lock:
                self._computing.pop(key).set()

    def cached(self, *args, **kwargs):
        """The result for these arguments if it is kept now, else ``None`` (nothing is computed)."""
        key = (args, tuple(sorted(kwargs.items()))) if kwargs else args
        with self._lock:
            entry = self._entries.get(key)
        return None if entry is None else entry[0]

    def _store(self, key, value) -> None:
        size = result_bytes(value) + result_bytes(key)  # a key can hold data too (an upload's bytes)
        if size > self.max_bytes:
            return
        with self._lock:
            self._entries[key] = (value, size)
            self._bytes += size
            while self._bytes > self.max_bytes:
                _, (_, dropped) = self._entries.popitem(last=False)
                self._bytes -= dropped

    def cache_info(self) -> MemoInfo:
        with self._lock:
            return MemoInfo(self._hits, self._misses, len(self._entries), self._bytes, self.max_bytes)

    def cache_clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = self._hits = self._misses = 0


MEMOS: list[Memo] = []  # every memoised pipeline function of the process (for statistics and tests)




def memoised(max_bytes: int = DEFAULT_MAX_BYTES) -> Callable[[Callable[..., Any]], Memo]:
    """Decorator: a pipeline function memoised process-wide (:class:`Memo`), at most ``max_bytes``
    of results kept."""
    def wrap(function: Callable[..., Any]) -> Memo:
        memo = Memo(function, max_bytes)
        MEMOS.append(memo)
        return memo

    return wrap


def clear_memos() -> None:
    """Empty every memoised pipeline function (:data:`MEMOS`): a benchmark times what a new result costs, not
    a lookup."""
    for memo in MEMOS:
        memo.clear()


def memory_in_use() -> int:
    """Bytes of results all memoised pipeline functions keep now."""
    return sum(memo.cache_info().bytes for memo in MEMOS)
