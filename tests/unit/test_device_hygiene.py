"""Guards for the CUDA path, which CI (CPU only) cannot run: neither the package nor a notebook
reads a tensor into numpy without moving it to the CPU first. On an H100 this session, every such call failed with
"can't convert cuda:0 device type tensor to numpy" (85 dashboard tests)."""
from __future__ import annotations

import json
import re
from pathlib import Path

import kexue_viz

PACKAGE = Path(kexue_viz.__file__).parent
NOTEBOOKS = PACKAGE.parent / "notebooks"
DIRECT_NUMPY = re.compile(r"(?<!\.cpu\(\))\.numpy\(\)")


def test_no_tensor_goes_to_numpy_without_cpu():
    offenders = [f"{path.relative_to(PACKAGE.parent)}:{number}: {line.strip()}"
                 for path in sorted(PACKAGE.rglob("*.py"))
                 for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                 if DIRECT_NUMPY.search(line)]
    assert not offenders, "tensor.numpy() fails for CUDA tensors; use .cpu().numpy():\n" + "\n".join(offenders)


def test_no_notebook_cell_sends_a_tensor_to_numpy_without_cpu():
    offenders = [f"{path.name} cell {index}: {line.strip()}"
                 for path in sorted(NOTEBOOKS.glob("*.ipynb"))
                 for index, cell in enumerate(json.loads(path.read_text(encoding="utf-8"))["cells"])
                 if cell["cell_type"] == "code"
                 for line in "".join(cell["source"]).splitlines() if DIRECT_NUMPY.search(line)]
    assert not offenders, "tensor.numpy() fails for CUDA tensors; use .cpu().numpy():\n" + "\n".join(offenders)


def test_the_guard_catches_a_direct_call():
    assert DIRECT_NUMPY.search("values = state.numpy()")
    assert not DIRECT_NUMPY.search("values = state.cpu().numpy()")
