"""The gallery (``python -m kexue_viz.gallery``) presses the buttons a page shows before exporting:
it finds exactly the visible tasks of the sections, and a press runs the button's own work."""
from __future__ import annotations

from kexue_viz import gallery
from kexue_viz.registry import DASHBOARDS


def dashboard_and_tasks(slug: str):
    with gallery.recorded_tasks() as made:
        dashboard = DASHBOARDS[slug].load()(lang="en")
        return dashboard, made, gallery.shown_tasks(dashboard, made)


def test_a_press_fills_the_view_its_button_fills():
    """HiPPO's timing button: found among the sections' tasks, and pressing it times the routes
    the timing view then shows."""
    board, _, tasks = dashboard_and_tasks("hippo")
    assert [task.button.label for task in tasks] == [board.t("time_routes")]
    assert board.current_timings() is None
    pressed = gallery.press(tasks[0])
    assert pressed.error == "" and pressed.seconds > 0
    assert board.current_timings() is not None


def test_hidden_tasks_are_not_pressed():
    """LoRA's digits button is hidden unless the problem is digits: made, but not pressed."""
    board, made, tasks = dashboard_and_tasks("lora")
    assert board.problem != "digits"
    assert board.t("run_digits") in [task.button.label for task in made]
    assert [task.button.label for task in tasks] == [board.t("run_heatmap")]


def test_a_button_that_does_not_apply_is_reported_not_raised():
    """InfoMap's sweep at the default network (no ground truth): the failure is returned."""
    _, _, tasks = dashboard_and_tasks("infomap_communities")
    assert len(tasks) == 1
    assert gallery.press(tasks[0]).error
