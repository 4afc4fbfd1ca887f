"""The gallery of exported figures: ``python -m kexue_viz.gallery`` writes, for every dashboard at
its default settings, the composed figure and every view the page shows alone, as the export button writes them
(PNG, the blog-column width, :data:`kexue_viz.export.WIDTHS`) to ``docs/figures/<slug>/<view>.png``,
and ``docs/figures/README.md`` listing them with each export's time. The buttons of the tasks the
page shows (a sweep, a timing run) are pressed first, so the views they fill show their result.

``--lang en`` draws the English figures (default: Chinese, the dashboards' default language) into
``docs/figures/en/``; naming dashboards limits the run to them (the README then lists only those).
"""
from __future__ import annotations

import argparse
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .registry import DASHBOARDS, WHOLE_FIGURE
from .tasks import Task
from .ui import Dashboard

FIGURES = Path(__file__).resolve().parents[1] / "docs" / "figures"


@dataclass(frozen=True)
class Picture:
    """One exported file: which dashboard and view, its label, where it was written, how long the
    export took (seconds) and its size (bytes); or the error that stopped it."""
    slug: str
    view: str
    label: str
    path: Path | None
    seconds: float
    size: int = 0
    error: str = ""


def hidden_views(dashboard) -> set[str]:
    """The keys of the dashboard's views that its page hides at the current settings (``shown_when``
    false, e.g. diffusion's PFGM half-plane under another construction): an export of one is empty."""
    return {view.key for section in dashboard.sections() for view in section.views
            if view.shown_when is not None and not view.shown_when()}


@contextmanager
def recorded_tasks():
    """Inside the block, every :class:`~kexue_viz.tasks.Task` a dashboard makes
    (:meth:`~kexue_viz.ui.Dashboard.task`) is added to the list the block is given."""
    made: list[Task] = []
    make = Dashboard.task

    def record(self, *args, **kwargs) -> Task:
        made.append(make(self, *args, **kwargs))
        return made[-1]

    Dashboard.task = record
    try:
        yield made
    finally:
        Dashboard.task = make


def shown_tasks(dashboard, made: list[Task]) -> list[Task]:
    """The tasks among ``made`` whose buttons the dashboard's sections show at the current
    settings: in a section's widgets or beside or under one of its views, visible."""
    shown = []
    for section in dashboard.sections():
        builders = [section.widgets, *(extra for view in section.views for extra in (view.below, view.beside))]
        shown += [item for build in builders if build is not None for item in build()]
    return [task for task in made if task.layout.visible and any(task.layout is item for item in shown)]


@dataclass(frozen=True)
class Pressed:
    """A task run before a dashboard's export: its button's label, how long its work took
    (seconds) and why it failed (``""`` if it did not)."""
    label: str
    seconds: float
    error: str = ""


def press(task: Task) -> Pressed:
    """Press ``task``'s button as a reader would: without a served page its work runs at once
    (:meth:`~kexue_viz.tasks.Task.start`), and the views it fills show the result; a failure (e.g. a
    button that does not apply at these settings) is returned rather than shown in a page."""
    failures: list[Exception] = []
    report, task.failed = task.failed, failures.append
    started = time.perf_counter()
    try:
        task.start()
    finally:
        task.failed = report
    seconds = time.perf_counter() - started
    return Pressed(task.button.label, seconds, str(failures[0]) if failures else "")


def export_dashboard(slug: str, lang: str, folder: Path) -> tuple[list[Pressed], list[Picture]]:
    """Export the composed figure and each view of dashboard ``slug`` shown at its default settings
    (language ``lang``) as PNG into ``folder/<slug>/``, after pressing the buttons of the tasks its
    sections show (:func:`press`): the tasks pressed, and the pictures."""
    with recorded_tasks() as made:
        dashboard = DASHBOARDS[slug].load()(lang=lang)
        tasks = shown_tasks(dashboard, made)
    presses = [press(task) for task in tasks]
    for pressed in presses:
        print(f"{slug}: pressed {pressed.label!r}: {pressed.seconds:.1f} s {pressed.error}", flush=True)
    hidden = hidden_views(dashboard)
    views = {WHOLE_FIGURE: dashboard.option_label("export_view", WHOLE_FIGURE),
             **{key: label for key, label in dashboard.exportable_views().items() if key not in hidden}}
    (folder / slug).mkdir(parents=True, exist_ok=True)
    pictures = []
    for key, label in views.items():
        started = time.perf_counter()
        try:
            data = dashboard.export_bytes("png", view=key)
        except Exception as error:  # noqa: BLE001 - a view that cannot export is listed, the rest still written
            seconds, reason = time.perf_counter() - started, f"{type(error).__name__}: {error}"
            pictures.append(Picture(slug, key, label, None, seconds, error=reason))
            continue
        seconds = time.perf_counter() - started
        path = folder / slug / f"{key}.png"
        path.write_bytes(data)
        pictures.append(Picture(slug, key, label, path, seconds, len(data)))
        print(f"{slug}/{key}: {seconds:.2f} s, {len(data) / 1e3:.0f} kB", flush=True)
    return presses, pictures


def cell(text: str) -> str:
    """``text`` as a Markdown table cell: its bars (e.g. in |xₙ(T)|) escaped."""
    return text.replace("|", "\\|")


def readme(presses: dict[str, list[Pressed]], pictures: list[Picture], folder: Path, lang: str) -> str:
    """The gallery's README: per dashboard, the buttons pressed before its export (``presses``, by
    slug), a table of its pictures (view, label, export time, size) and the pictures themselves."""
    total = sum(picture.size for picture in pictures)
    lines = ["# Gallery of exported figures", "",
             "Written by `python -m kexue_viz.gallery` (do not edit by hand): every dashboard at its default "
             f"settings, language `{lang}`, PNG at the blog-column width (7.5 in at 150 dpi, 1125 px), exactly as "
             "the export button or `kexue-viz export DASHBOARD --view VIEW` writes it. Times are one export "
             f"each on the machine that ran the command (the first view of a dashboard includes warming up). "
             f"{len(pictures)} pictures, {total / 1e6:.1f} MB. Views the page hides at these settings (diffusion's "
             "PFGM half-plane, InfoMap's sweep without a ground truth) are left out. The buttons the page shows for work it does not do by itself (HiPPO's "
             "route timing, diffusion's NFE sweep, the LoRA+ heatmap, ...) are pressed first, so the views they "
             "fill show their result; each dashboard lists them with the time their work took, and says where a "
             "button does not apply at these settings (its view is then as the page shows it).", ""]
    for slug in dict.fromkeys(picture.slug for picture in pictures):
        rows = [picture for picture in pictures if picture.slug == slug]
        lines += [f"## {DASHBOARDS[slug].title(lang)} (`{slug}`)", ""]
        lines += [f"- pressed “{pressed.label}”: {pressed.seconds:.1f} s"
                  + (f"; does not apply here: {pressed.error}" if pressed.error else "") for pressed in presses[slug]]
        if presses[slug]:
            lines.append("")
        lines += ["| view | label | export | size |", "|---|---|---|---|"]
        for picture in rows:
            link = (f"[`{picture.view}`]({picture.path.relative_to(folder).as_posix()})" if picture.path
                    else f"`{picture.view}`")
            size = f"{picture.size / 1e3:.0f} kB" if picture.path else f"failed: {picture.error}"
            lines.append(f"| {link} | {cell(picture.label)} | {picture.seconds:.2f} s | {cell(size)} |")
        lines.append("")
        lines += [f"![{slug} {picture.view}]({picture.path.relative_to(folder).as_posix()})" for picture in rows
                  if picture.path]
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kexue_viz.gallery", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("dashboards", nargs="*", metavar="DASHBOARD",
                        help=f"only these (default: all of {', '.join(DASHBOARDS)})")
    parser.add_argument("--lang", default="zh", choices=("zh", "en"))
    parser.add_argument("--out", type=Path, default=FIGURES, help=f"folder (default {FIGURES})")
    args = parser.parse_args(argv)
    unknown = [slug for slug in args.dashboards if slug not in DASHBOARDS]
    if unknown:
        parser.error(f"unknown dashboard(s): {', '.join(unknown)}")
    folder = args.out / "en" if args.lang == "en" else args.out
    presses, pictures = {}, []
    for slug in args.dashboards or DASHBOARDS:
        presses[slug], exported = export_dashboard(slug, args.lang, folder)
        pictures += exported
    (folder / "README.md").write_text(readme(presses, pictures, folder, args.lang), encoding="utf-8")
    failed = [picture for picture in pictures if picture.error]
    for picture in failed:
        print(f"FAILED {picture.slug}/{picture.view}: {picture.error}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
