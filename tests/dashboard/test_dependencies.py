"""What a view depends on is what it reads (issue 16, item 2).

:meth:`kexue_viz.ui.Dashboard.live` records the parameters a view reads while it is built and
watches exactly those (plus its triggers and the language): nothing is written twice. What the
recording cannot see is a view reading state that is not a parameter but follows one (a cache or
attribute a watcher fills): such a view would stay stale. So for every dashboard, every reader
parameter is changed in turn, and every live view that does not watch it must give the same view
as before (its layers' data, its structure and its title)."""
from __future__ import annotations

import holoviews as hv
import param
import pytest

from kexue_viz import live, plot
from kexue_viz.registry import DASHBOARDS
from kexue_viz.i18n import TextTable
from kexue_viz.ui import Dashboard, Section, View

SLUGS = sorted(DASHBOARDS)
FRAME_ONLY = {"lang", "export_format"}


def other_value(board, name: str):
    """A valid value of parameter ``name`` other than its current one (``None``: none to try)."""
    parameter, current = board.param[name], getattr(board, name)
    moves = [value for value in getattr(type(board), "LATENCY_MOVES", {}).get(name, ()) if value != current]
    if moves:
        return moves[0]
    if isinstance(parameter, param.Boolean):
        return not current
    if isinstance(parameter, param.ListSelector):
        objects = list(parameter.objects)
        return current[:-1] if len(current) > 1 else [next(o for o in objects if o not in current)]
    if isinstance(parameter, param.Selector):
        objects = list(parameter.objects)
        return objects[(objects.index(current) + 1) % len(objects)] if len(objects) > 1 else None
    if isinstance(parameter, param.Range):
        (low, high), (a, b) = parameter.bounds, current
        return (a, b - (b - a) / 4) if b - a > 0 else (low, high)
    if isinstance(parameter, param.Integer):
        low, high = parameter.bounds
        return current + 1 if current + 1 <= high else current - 1
    if isinstance(parameter, param.Number):
        low, high = parameter.bounds
        step = (high - low) / 10
        return current + step if current + step <= high else current - step
    return None  # strings (reader data such as typed points) have their own tests


def fingerprint(build):
    """What a view shows: its structure, title and each layer's data (as a live plot compares them);
    a text view's text."""
    with plot.deferred():
        view = build()
    if isinstance(view, str):
        return "text", view, []
    return live.signature(view), live.plot_options(view).get("title"), [live.data_of(layer) for layer in plot.layers(view)]


def same(old, new) -> bool:
    return old[:2] == new[:2] and len(old[2]) == len(new[2]) and all(
        live.same_values(a, b) for a, b in zip(old[2], new[2]))


def stale_views(board) -> list[str]:
    """The stale views of :func:`check_views`."""
    return check_views(board)[0]


def check_views(board) -> tuple[list[str], list[str]]:
    """Change each reader parameter of the built ``board`` in turn (then back). Stale: the live views that
    change while they follow none of the parameters that changed (it and those following it, such as a
    scrubbed parameter's settled twin). Redrawn: the live views that follow a control a reader moves (one of
    the dashboard's ``LATENCY_MOVES``) and change their structure with it (a new plot instead of new data)."""
    views = dict(board._live)
    assert views, "no live views"
    base = {key: fingerprint(view.build) for key, view in views.items()}
    moved = getattr(type(board), "LATENCY_MOVES", {})
    changed: set[str] = set()
    board.param.watch(lambda *events: changed.update(event.name for event in events), list(board.param))
    stale, redrawn = [], []
    for name in (name for name in board.url_parameters() if name not in FRAME_ONLY):
        value, default = other_value(board, name), getattr(board, name)
        if value is None:
            continue
        changed.clear()
        setattr(board, name, value)
        for key, view in views.items():
            follows = bool(changed & set(view.watched()))
            if not follows and not same(base[key], fingerprint(view.build)):
                stale.append(f"{key} changes with {name} (= {value!r}) but follows none of {sorted(changed)}")
            elif follows and name in moved and fingerprint(view.build)[0] != base[key][0]:
                redrawn.append(f"{key} is drawn anew when {name} moves to {value!r}")
        setattr(board, name, default)
    return stale, redrawn


@pytest.mark.parametrize("slug", SLUGS)
def test_a_view_that_does_not_watch_a_parameter_does_not_change_with_it(slug):
    """Every view, those of every tab included; and a control a reader moves updates its views in place."""
    board = DASHBOARDS[slug].load()()
    board.__panel__()
    board.open_every_tab()
    stale, redrawn = check_views(board)
    assert not stale, f"{slug}:" + "".join(f"\n{line}" for line in stale)
    assert not redrawn, f"{slug}:" + "".join(f"\n{line}" for line in redrawn)


class HiddenState(Dashboard):
    """A view reading an attribute that a watcher fills from parameter ``a``: stale when ``a`` moves."""
    a = param.Integer(1, bounds=(0, 10))
    b = param.Integer(1, bounds=(0, 10))
    controls = ("a", "b")
    slug = "hidden_state"
    text = TextTable({key: {"zh": key, "en": key} for key in ("a", "b", "title", "note")})

    def __init__(self, **params):
        super().__init__(**params)
        self._doubled = 2 * self.a
        self.param.watch(lambda event: setattr(self, "_doubled", 2 * event.new), "a")

    def sections(self):
        return [Section((View("hidden", lambda: hv.Curve([(0, self._doubled), (1, self.b)])),))]


def test_the_check_finds_a_view_reading_hidden_state():
    board = HiddenState()
    board.__panel__()
    assert board._live["hidden"].watched() == ("b", "lang")
    assert stale_views(board) == ["hidden changes with a (= 2) but follows none of ['a']"]


def test_a_view_follows_what_it_reads():
    """A parameter read inside a method the view calls is recorded too; a trigger is watched."""
    board = DASHBOARDS["adam_epsilon_batch"].load()()
    board.__panel__()
    watched = board._live["eta"].watched()
    assert {"preset", "N", "kappa", "eps_rel", "B_range", "y_mode", "B_probe", "lang"} <= set(watched)
    assert "probe_eps" not in watched  # view A does not read it
    assert "probe_eps" in board._live["moments"].watched()
