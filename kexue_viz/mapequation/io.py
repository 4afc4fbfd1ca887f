"""The reader's own network in, communities out.

Upload: an edge list as CSV/TSV (``source, target[, weight]``, optional header, comma, tab,
semicolon or space separated) or Pajek (``*Vertices n`` then ``*Arcs``/``*Edges``). Every problem
raises :class:`UploadError` naming what is wrong and where, in either language. Export: CSV,
Infomap's ``.clu`` and ``.tree`` formats.
"""
from __future__ import annotations

import csv
import io
import math

import numpy as np

from ..i18n import TextError
from .flow import Graph
from .text import UPLOAD_TEXT

MAX_BYTES = 2_000_000
MAX_NODES = 2_000
MAX_LINKS = 20_000
HEADER_WORDS = {"source", "target", "from", "to", "weight", "src", "dst", "u", "v", "node1", "node2", "w"}

class UploadError(TextError):
    """A rejected upload: the entry ``key`` of :data:`~kexue_viz.mapequation.text.UPLOAD_TEXT`
    filled with ``values`` (English for ``str()``, either language for a page)."""

    def __init__(self, key: str, **values):
        super().__init__(UPLOAD_TEXT, key, **values)


def decode(data: bytes) -> str:
    """The upload as text, after the size and encoding checks."""
    if len(data) > MAX_BYTES:
        raise UploadError("too_large", size=len(data), limit=MAX_BYTES)
    if b"\x00" in data:
        raise UploadError("not_text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UploadError("not_text") from None
    if not text.strip():
        raise UploadError("empty")
    return text


def parse_network(data: bytes, name: str = "upload") -> Graph:
    """A :class:`Graph` from an uploaded file (Pajek when it starts with ``*Vertices``)."""
    text = decode(data)
    first = text.lstrip().split(None, 1)[0].lower()
    graph = parse_pajek(text, name) if first.startswith("*vertices") else parse_edge_list(text, name)
    if graph.n > MAX_NODES:
        raise UploadError("too_many_nodes", count=graph.n, limit=MAX_NODES)
    if not (graph.w > 0).any():
        raise UploadError("no_links")
    return graph


def _weight(raw: str, line: int) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise UploadError("bad_weight", line=line, value=raw) from None
    if not math.isfinite(value) or value < 0:
        raise UploadError("negative_weight", line=line, value=raw)
    return value


def _check_links(count: int) -> None:
    if count > MAX_LINKS:
        raise UploadError("too_many_links", count=count, limit=MAX_LINKS)


def parse_edge_list(text: str, name: str = "upload") -> Graph:
    """CSV/TSV edge list; node labels may be any strings, numbered in order of appearance."""
    lines = [(k + 1, row) for k, row in enumerate(text.splitlines()) if row.strip() and not row.lstrip().startswith("#")]
    if not lines:
        raise UploadError("empty")
    _check_links(len(lines))
    sample = lines[0][1]
    delimiter = next((d for d in ("\t", ",", ";") if d in sample), None)
    rows = [(k, [c.strip() for c in (next(csv.reader([row], delimiter=delimiter)) if delimiter else row.split())])
            for k, row in lines]
    if rows[0][1] and {c.lower() for c in rows[0][1][:3]} <= HEADER_WORDS:
        rows = rows[1:]
    index: dict[str, int] = {}
    src, dst, w = [], [], []
    for line, cells in rows:
        cells = [c for c in cells if c != ""] if delimiter is None else cells
        if len(cells) < 2 or not cells[0] or not cells[1]:
            raise UploadError("few_columns", line=line, found=",".join(cells))
        src.append(index.setdefault(cells[0], len(index)))
        dst.append(index.setdefault(cells[1], len(index)))
        w.append(_weight(cells[2], line) if len(cells) > 2 and cells[2] else 1.0)
    if not src:
        raise UploadError("no_links")
    return Graph(len(index), np.array(src), np.array(dst), np.array(w), directed=False,
                 names=tuple(index), name=name)


def parse_pajek(text: str, name: str = "upload") -> Graph:
    """Pajek ``.net``: ``*Vertices n``, optional ``id "label"`` lines, then ``*Arcs`` (directed)
    or ``*Edges`` (undirected) with ``from to [weight]`` (1-based ids)."""
    lines = [(k + 1, row.strip()) for k, row in enumerate(text.splitlines()) if row.strip() and not row.startswith("%")]
    head = lines[0][1].split()
    if len(head) < 2 or not head[1].isdigit() or int(head[1]) < 1:
        raise UploadError("pajek_vertices")
    n = int(head[1])
    if n > MAX_NODES:
        raise UploadError("too_many_nodes", count=n, limit=MAX_NODES)
    names = [str(k + 1) for k in range(n)]
    section, directed, links = "vertices", None, []
    for line, row in lines[1:]:
        if row.startswith("*"):
            section = row.split()[0].lower()
            if section not in ("*arcs", "*edges"):
                raise UploadError("pajek_section", line=line, value=row.split()[0])
            directed = section == "*arcs" if directed is None else directed or section == "*arcs"
            continue
        cells = next(csv.reader([row], delimiter=" ", skipinitialspace=True))
        if section == "vertices":
            vertex = _vertex(cells[0], line, n)
            if len(cells) > 1:
                names[vertex] = cells[1]
            continue
        if len(cells) < 2:
            raise UploadError("few_columns", line=line, found=row)
        links.append((_vertex(cells[0], line, n), _vertex(cells[1], line, n),
                      _weight(cells[2], line) if len(cells) > 2 else 1.0))
    _check_links(len(links))
    if not links:
        raise UploadError("no_links")
    src, dst, w = (np.array(column) for column in zip(*links))
    return Graph(n, src, dst, w, directed=bool(directed), names=tuple(names), name=name)


def _vertex(raw: str, line: int, n: int) -> int:
    if not raw.isdigit() or not 1 <= int(raw) <= n:
        raise UploadError("pajek_vertex", line=line, value=raw, n=n)
    return int(raw) - 1


# ---- export -------------------------------------------------------------------------------------
def to_csv(graph: Graph, labels, p) -> str:
    """``node,name,module,flow`` per node (modules numbered from 1 like Infomap)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["node", "name", "module", "flow"])
    for node, (module, flow) in enumerate(zip(np.asarray(labels), np.asarray(p))):
        writer.writerow([node, graph.label(node), int(module) + 1, repr(float(flow))])
    return out.getvalue()


def to_clu(labels, p) -> str:
    """Infomap's ``.clu``: ``node_id module flow`` (modules from 1)."""
    rows = [f"{node} {int(module) + 1} {float(flow)!r}" for node, (module, flow) in enumerate(zip(labels, p))]
    return "# node_id module flow\n" + "\n".join(rows) + "\n"


def to_tree(graph: Graph, paths, p) -> str:
    """Infomap's ``.tree``: ``path flow "name" node_id``, path = 1-based module indices then
    the leaf's rank inside its module (``paths``: module indices from the top, 0-based)."""
    order = sorted(range(graph.n), key=lambda node: (tuple(paths[node]), node))
    rank: dict[tuple, int] = {}
    rows = []
    for node in order:
        module = tuple(paths[node])
        rank[module] = rank.get(module, 0) + 1
        path = ":".join(str(k + 1) for k in (*module, rank[module] - 1))
        label = graph.label(node).replace('"', "'")
        rows.append(f'{path} {float(p[node])!r} "{label}" {node}')
    return "# path flow name node_id\n" + "\n".join(rows) + "\n"


def parse_tree(text: str, n: int) -> tuple[tuple[int, ...], ...]:
    """Module paths (0-based, leaf rank dropped) per node id from a ``.tree`` text."""
    paths: list[tuple[int, ...]] = [()] * n
    for row in text.splitlines():
        if not row.strip() or row.startswith("#"):
            continue
        cells = row.split()
        paths[int(cells[-1])] = tuple(int(k) - 1 for k in cells[0].split(":")[:-1])
    return tuple(paths)
