"""The gallery of exported figures: ``python -m kexue_viz.gallery`` writes, for every dashboard at
its default settings, the composed figure and every view the page shows alone, as the export button writes them
(PNG, the blog-column width, :data:`kexue_viz.export.WIDTHS`) to ``docs/figures/<slug>/<view>.png``,
and ``docs/figures/README.md`` listing them with each export's time.

``--lang en`` draws the English figures (default: Chinese, the dashboards' default language) into
``docs/figures/en/``; naming dashboards limits the run to them (the README then lists only those).
"""
from __future__ import annotations

import argparse
import time
from dataclasses import dataclass
from pathlib import Path

from .registry import DASHBOARDS, WHOLE_FIGURE

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


def export_dashboard(slug: str, lang: str, folder: Path) -> list[Picture]:
    """Export the composed figure and each view of dashboard ``slug`` shown at its default settings
    (language ``lang``) as PNG into ``folder/<slug>/``."""
    dashboard = DASHBOARDS[slug].load()(lang=lang)
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
    return pictures


def readme(pictures: list[Picture], folder: Path, lang: str) -> str:
    """The gallery's README: per dashboard, a table of its pictures (view, label, export time, size)
    followed by the pictures themselves."""
    total = sum(picture.size for picture in pictures)
    lines = ["# Gallery of exported figures", "",
             "Written by `python -m kexue_viz.gallery` (do not edit by hand): every dashboard at its default "
             f"settings, language `{lang}`, PNG at the blog-column width (7.5 in at 150 dpi, 1125 px), exactly as "
             "the export button or `kexue-viz export DASHBOARD --view VIEW` writes it. Times are one export "
             f"each on the machine that ran the command (the first view of a dashboard includes warming up). "
             f"{len(pictures)} pictures, {total / 1e6:.1f} MB. Views the page hides at these settings (diffusion's "
             "PFGM half-plane) are left out; views filled by a button (HiPPO's route timing, InfoMap's sweep, the "
             "LoRA+ heatmap, diffusion's NFE sweep) show the state before it is pressed.", ""]
    for slug in dict.fromkeys(picture.slug for picture in pictures):
        rows = [picture for picture in pictures if picture.slug == slug]
        lines += [f"## {DASHBOARDS[slug].title(lang)} (`{slug}`)", "", "| view | label | export | size |",
                  "|---|---|---|---|"]
        for picture in rows:
            link = (f"[`{picture.view}`]({picture.path.relative_to(folder).as_posix()})" if picture.path
                    else f"`{picture.view}`")
            size = f"{picture.size / 1e3:.0f} kB" if picture.path else f"failed: {picture.error}"
            lines.append(f"| {link} | {picture.label} | {picture.seconds:.2f} s | {size} |")
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
    pictures = [picture for slug in (args.dashboards or DASHBOARDS)
                for picture in export_dashboard(slug, args.lang, folder)]
    (folder / "README.md").write_text(readme(pictures, folder, args.lang), encoding="utf-8")
    failed = [picture for picture in pictures if picture.error]
    for picture in failed:
        print(f"FAILED {picture.slug}/{picture.view}: {picture.error}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
