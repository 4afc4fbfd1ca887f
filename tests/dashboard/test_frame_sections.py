"""The frame's sections, tabs, named triggers and background tasks, on a small dashboard built here
(the five dashboards are checked through their own tests)."""
from __future__ import annotations

import holoviews as hv
import panel as pn
import param
import pytest

from kexue_viz.i18n import TextTable
from kexue_viz.tasks import Cancelled, Task
from kexue_viz.ui import Dashboard, Section, View

TEXT = TextTable({key: {"zh": key, "en": key} for key in (
    "title", "a", "b", "tab_one", "tab_two", "run", "heading", "note")})


class Toy(Dashboard):
    slug = "toy"
    text = TEXT
    controls = ("a",)
    a = param.Integer(1, bounds=(0, 10))
    b = param.Integer(1, bounds=(0, 10))

    def __init__(self, **params):
        self.builds: dict[str, int] = {}
        self.points = [0.0]
        super().__init__(**params)

    def counted(self, key, build):
        def run():
            self.builds[key] = self.builds.get(key, 0) + 1
            return build()
        return run

    def sections(self):
        return [
            Section((View("main", self.counted("main", lambda: hv.Curve([(0, self.a), (1, 2)])), main=True),
                     View("points", self.counted("points", lambda: hv.Curve(list(enumerate(self.points)))),
                          triggers=("points",)),
                     View("maybe", self.counted("maybe", lambda: hv.Curve([(0, 1)])), shown_when=lambda: self.b > 2)),
                    heading="heading", note="note",
                    widgets=lambda: [self.task("run", lambda progress: self.a * 10, self.finished).layout]),
            Section((View("first", self.counted("first", lambda: hv.Curve([(0, self.b)]))),), tab="tab_one"),
            Section((View("second", self.counted("second", lambda: hv.Curve([(0, self.b), (1, 3)]))),), tab="tab_two"),
        ]

    def finished(self, result):
        self.result = result

    def figure(self):
        return hv.Curve([(0, self.a)])


@pytest.fixture
def toy():
    board = Toy()
    board.__panel__()
    return board


def test_tab_sections_build_when_opened_and_refresh_when_shown(toy):
    assert "first" in toy.panes and "second" not in toy.panes  # the second tab is not built yet
    tabs = next(iter(toy._layout.select(pn.Tabs)))
    toy.b = 2  # the open tab follows at once, the closed one is not even built
    assert toy.builds["first"] == 2 and "second" not in toy.builds
    tabs.active = 1
    assert toy.builds["second"] == 1
    toy.b = 3  # now the first tab is hidden: its plot waits
    assert toy.builds["first"] == 2 and toy.builds["second"] == 2
    tabs.active = 0
    assert toy.builds["first"] == 3


def test_notify_refreshes_exactly_the_views_that_list_the_name(toy):
    before = dict(toy.builds)
    toy.points.append(1.0)
    toy.notify("points")
    assert toy.builds["points"] == before["points"] + 1
    assert toy.builds["main"] == before["main"]
    assert "points" not in toy.param  # a name, not a counter parameter


def test_shown_when_follows_what_it_reads(toy):
    box = next(obj for obj in toy._layout.select(pn.Column) if toy.panes["maybe"] in obj.objects)
    assert box.visible is False
    toy.b = 5
    assert box.visible is True


def test_task_runs_at_once_without_a_server_and_reports_failures(toy):
    toy.a = 4
    button = next(w for w in toy._layout.select(pn.widgets.Button) if "kv-run" in w.css_classes)
    button.clicks += 1
    assert toy.result == 40
    failing = toy.task("run", lambda progress: (_ for _ in ()).throw(ValueError("bad")), toy.finished)
    failing.start()
    assert "bad" in toy._error.object


def test_a_cancelled_task_ends_without_its_result():
    results = []
    task = Task(lambda progress: progress(0.5), results.append, results.append, label=lambda: "go",
                cancel_label=lambda: "stop", css_class="kv-x", schedule=lambda callback, document: callback())
    task._cancelled.set()

    def progress(fraction):
        if task._cancelled.is_set():
            raise Cancelled

    assert task._run(lambda report: report(0.5), progress) == ("cancelled", None)
    task._finish("cancelled", None)
    assert results == [] and not task.running and not task.button.disabled


def test_a_worker_thread_reading_parameters_adds_no_dependency(toy):
    """A task's work may read parameters while a view is being recorded: only the recording
    thread's reads count."""
    import threading

    with toy.reading() as reads:
        worker = threading.Thread(target=lambda: toy.b)
        worker.start()
        worker.join()
        toy.a
    assert reads == {"a"}


def test_a_task_prepared_at_the_press_works_on_what_was_read_then(toy):
    """``prepare()`` reads the settings at the press; the work gets them as its first argument."""
    toy.a = 3
    task = toy.task("run", lambda a, progress: a * 100, toy.finished, prepare=lambda: toy.a)
    task.start()
    assert toy.result == 300
    broken = toy.task("run", lambda a, progress: a, toy.finished, prepare=lambda: 1 / 0)
    broken.start()
    assert "division by zero" in toy._error.object and not broken.running


def test_a_served_task_runs_in_a_worker_with_what_prepare_read(monkeypatch):
    """On a served page the work runs in a worker thread, gets ``prepare()``'s result read at
    the press, and its end reaches the session through ``schedule`` (the session's tick)."""
    import threading
    import time
    from types import SimpleNamespace

    ticks, results, threads = [], [], []
    settings = {"n": 3}

    def work(n, progress):
        threads.append(threading.current_thread().name)
        progress(0.5)
        return n * 2

    task = Task(work, results.append, results.append, label=lambda: "go", cancel_label=lambda: "stop",
                css_class="kv-x", schedule=lambda callback, document: ticks.append(callback),
                prepare=lambda: settings["n"])
    served = SimpleNamespace(session_context=object())  # a served session's document, to the task
    with monkeypatch.context() as patch:
        patch.setattr(type(pn.state), "curdoc", property(lambda state: served))
        task.start()
    settings["n"] = 100  # changed after the press: not what the work is for
    deadline = time.monotonic() + 30
    while task.running and time.monotonic() < deadline:  # run the session's ticks as they come
        while ticks:
            ticks.pop(0)()
        time.sleep(0.01)
    assert results == [6] and not task.running
    assert threads and threads[0].startswith("kexue_viz-task")


def test_choice_slider_follows_its_selector_both_ways_and_shows_the_option_label():
    """ChoiceSlider: the slider's value is the option's index, the parameter holds the option, each
    follows the other; the labels (a language switch gives new ones) are what the slider shows."""
    from bokeh.document import Document

    from kexue_viz.ui import ChoiceSlider

    class Settings(param.Parameterized):
        eps = param.Selector(default=1e-6, objects=[1e-8, 1e-6, 1e-4])

    settings = Settings()
    slider = ChoiceSlider.from_param(settings.param.eps, options={"1e-08": 1e-8, "1e-06": 1e-6, "1e-04": 1e-4},
                                     label="ε")
    assert (slider.start, slider.end, slider.value, slider.choice) == (0, 2, 1, 1e-6)
    slider.value = 2
    assert settings.eps == 1e-4
    settings.eps = 1e-8
    assert slider.value == 0
    model = slider.get_root(Document())
    assert model.format.args["labels"] == ["1e-08", "1e-06", "1e-04"] and model.title == "ε"
    slider.options = {"10⁻⁸": 1e-8, "10⁻⁶": 1e-6, "10⁻⁴": 1e-4}
    assert model.format.args["labels"] == ["10⁻⁸", "10⁻⁶", "10⁻⁴"] and settings.eps == 1e-8
