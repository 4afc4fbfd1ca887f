"""Command line: ``kexue-viz list | serve | export``.

``kexue-viz export hippo --set measure=legt --set N=32 -o fig.svg`` writes exactly the figure the
dashboard's export button writes for those parameters (same class, same ``figure()``); with
``--view error`` the view ``error`` alone, as the button does with that view chosen; with
``--vary N -o view.html`` that view as an interactive HTML file that needs no server
(:mod:`kexue_viz.embed`), a slider for ``N`` over its grid or ``--values N=4,8,16``; ``--progress``
reports its progress and a refusal (in both languages) as JSON lines on stdout, for the dashboard
that runs it in a child process.
``kexue-viz list hippo`` and ``kexue-viz export hippo --help`` name the dashboard's parameters with
their bounds and its views with their labels. Listing and help read the registry's generated table
and import no numeric or plotting library (they answer in a fraction of a second); only ``export``
loads the dashboard.
"""
from __future__ import annotations

import argparse
import difflib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from .i18n import LANGUAGES, TextError
from .index_page import static_index
from .registry import DASHBOARDS, WHOLE_FIGURE, DashboardEntry

APPS_DIR = Path(__file__).resolve().parents[1] / "apps"

DIRECTORY_APP = "main.py"  # apps/main.py: `panel serve apps/` (kexue_viz.landing), not a dashboard


def dashboard_scripts(directory: Path = APPS_DIR) -> list[Path]:
    """The dashboard scripts in ``directory``: ``*.py`` less ``_*.py`` helpers and the directory
    app's :data:`DIRECTORY_APP`."""
    return sorted(path for path in directory.glob("*.py")
                  if not path.name.startswith("_") and path.name != DIRECTORY_APP)


def write_index(directory: Path) -> Path:
    """Write the landing page listing every dashboard (:func:`~kexue_viz.index_page.static_index`)."""
    path = directory / "index.html"
    path.write_text(static_index(), encoding="utf-8")
    return path


def dashboard_list() -> str:
    """One line per dashboard: slug, English and Chinese title."""
    width = max(map(len, DASHBOARDS))
    return "\n".join(f"{slug:{width}s}  {entry.title('en')} / {entry.title('zh')}" for slug, entry in DASHBOARDS.items())


def parameter_table(entry: DashboardEntry) -> str:
    """The dashboard's parameters (name, the values it takes: bounds or options, default, label) and
    the views ``--view`` exports alone (key, label)."""
    parameters = entry.parameters().values()
    width = max(len(parameter.name) for parameter in parameters)
    lines = [f"{entry.slug}: {entry.title('en')} / {entry.title('zh')}", "", "parameters (--set NAME=VALUE):"]
    for parameter in parameters:
        lines.append(f"  {parameter.name:{width}s}  {parameter.domain()}  (default {parameter.default_text()})")
        lines.append(f"  {'':{width}s}  {parameter.label['en']} / {parameter.label['zh']}")
    views = entry.views()
    width = max(map(len, views))
    lines += ["", f"views (--view NAME; without it the whole figure, {WHOLE_FIGURE!r}):"]
    lines += [f"  {key:{width}s}  {label['en']} / {label['zh']}" for key, label in views.items()]
    return "\n".join(lines)


def unknown_parameters(entry: DashboardEntry, names) -> list[str]:
    """A message for each of ``names`` that ``entry`` does not have, with the closest name it has."""
    return [f"unknown parameter {name!r}{closest(name, entry.parameters())} (kexue-viz list {entry.slug} names them all)"
            for name in names if name not in entry.parameters()]


def unknown_view(entry: DashboardEntry, view: str | None) -> list[str]:
    """The message that ``entry`` has no view ``view`` to export (with the closest it has), if so."""
    if view in (None, WHOLE_FIGURE, *entry.views()):
        return []
    return [f"unknown view {view!r}{closest(view, entry.views())} (the views of {entry.slug}: {', '.join(entry.views())})"]


def closest(name: str, known) -> str:
    """``"; did you mean 'X'?"`` for the name in ``known`` nearest ``name`` (ignoring case), else ``""``."""
    lowered = {option.lower(): option for option in known}
    close = difflib.get_close_matches(name.lower(), lowered, n=1)
    return f"; did you mean {lowered[close[0]]!r}?" if close else ""


def command_list(args) -> int:
    print(parameter_table(DASHBOARDS[args.dashboard]) if args.dashboard else dashboard_list())
    return 0


def serve_command(args, apps: list[Path], index: Path) -> list[str]:
    """The ``panel serve`` command line of ``kexue-viz serve``: every script of ``apps`` at
    ``/<stem>``, the page ``index`` at ``/``, ``--num-procs`` worker processes, websockets accepted
    from the address served and from each ``--allow-websocket-origin`` (a reverse proxy's host)."""
    origins = [f"{args.address}:{args.port}", f"localhost:{args.port}", *args.allow_websocket_origin]
    command = [sys.executable, "-m", "panel", "serve", *map(str, apps), "--index", str(index),
               "--port", str(args.port), "--address", args.address, "--num-procs", str(args.num_procs)]
    for origin in dict.fromkeys(origins):
        command += ["--allow-websocket-origin", origin]
    if args.prefix:
        command += ["--prefix", args.prefix]
    if args.use_xheaders:
        command.append("--use-xheaders")
    if args.show:
        command.append("--show")
    return command


def command_serve(args) -> int:
    apps = dashboard_scripts()
    if not apps:
        print(f"no apps found in {APPS_DIR}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as scratch:
        command = serve_command(args, apps, write_index(Path(scratch)))
        root = f"http://{args.address}:{args.port}/" + (args.prefix.strip("/") + "/" if args.prefix else "")
        processes = f" ({args.num_procs} processes)" if args.num_procs != 1 else ""
        print(f"serving {len(apps)} dashboard(s) at {root}{processes}", flush=True)
        return subprocess.call(command)


def parse_sets(pairs: list[str]) -> dict[str, str]:
    settings = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise ValueError(f"--set expects NAME=VALUE, got {pair!r}")
        settings[name.strip()] = value.strip()
    return settings


def check_interactive(args, fmt: str) -> None:
    """An interactive HTML export needs an ``.html`` output, a ``--view`` and ``--vary``."""
    if fmt != "html":
        raise ValueError(f"an interactive export (--html) is written to FILE.html, not {args.output!r}")
    if args.view is None:
        raise ValueError("an interactive export shows one view: name it with --view (kexue-viz list "
                         f"{args.dashboard} names them)")
    if not args.vary:
        raise ValueError("an interactive export needs --vary P or --vary P1,P2: the parameters its controls move")


def parse_values(pairs: list[str]) -> dict[str, list[str]]:
    """``--values NAME=V1,V2,...`` as ``{name: [raw values]}`` (the dashboard reads them as its links do)."""
    return {name: [item.strip() for item in raw.split(",") if item.strip()] for name, raw in parse_sets(pairs).items()}


def report_progress(fraction: float) -> None:
    """``--progress``: the fraction of an interactive export done, as a JSON line on stdout."""
    print(json.dumps({"progress": round(fraction, 4)}), flush=True)


def report_refusal(error: ValueError) -> None:
    """``--progress``: the refusal ``error`` as a JSON line on stdout, in every language (a
    ``TextError``'s own texts; another message as it is in both)."""
    texts = {lang: error.in_language(lang) if isinstance(error, TextError) else str(error) for lang in LANGUAGES}
    print(json.dumps({"refused": texts}), flush=True)


# the string-hash seed of an interactive export's process: a few of HoloViews' steps go through sets of
# names (e.g. the order in which a state sets a toolbar's active tools), whose order follows the seed,
# random per process unless fixed; the same seed gives the same bytes, so the command line runs the
# export under this seed (re-running itself if need be), as the dashboard's child process does
HTML_HASH_SEED = "0"


def run_seeded(argv: list[str]) -> int:
    """Run ``kexue-viz argv`` in a process whose string hashes are seeded with :data:`HTML_HASH_SEED`;
    its exit status."""
    command = [sys.executable, "-m", "kexue_viz.cli", *argv]
    return subprocess.run(command, env={**os.environ, "PYTHONHASHSEED": HTML_HASH_SEED}).returncode


def command_export(args) -> int:
    entry = DASHBOARDS[args.dashboard]
    try:
        settings = parse_sets(args.set or [])
        output = Path(args.output)
        fmt = output.suffix.lstrip(".").lower()
        interactive = args.html or fmt == "html"
        if interactive:
            check_interactive(args, fmt)
        elif fmt not in ("png", "svg", "pdf"):
            raise ValueError(f"output must end in .png, .svg, .pdf or .html, got {output.name!r}")
        elif args.vary or args.values:
            raise ValueError("--vary and --values make an interactive export: write it to FILE.html")
        problems = unknown_parameters(entry, settings) + unknown_view(entry, args.view)  # before the (slow) import
        if problems:
            raise ValueError("; ".join(problems))
        if interactive and os.environ.get("PYTHONHASHSEED") != HTML_HASH_SEED:
            return run_seeded(args.argv)
        dashboard = entry.load()(lang=args.lang)
        problems = dashboard.apply_settings(settings)
        if problems:
            raise ValueError("; ".join(problems))
        if interactive:
            from .embed import interactive_html  # (Panel's embedding: loaded only here)

            output.write_bytes(interactive_html(dashboard, args.view, args.vary.split(","), parse_values(args.values or []),
                                                progress=report_progress if args.progress else None))
        else:
            output.write_bytes(dashboard.export_bytes(fmt, args.view, args.width))
    except ValueError as error:
        print(f"kexue-viz export: {error}", file=sys.stderr)
        if args.progress:
            report_refusal(error)
        return 2
    print(f"wrote {output}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    raw = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(
        prog="kexue-viz", description="Interactive figures for the mathematics of kexue.fm: list, serve or export the dashboards.",
        formatter_class=raw,
        epilog=f"dashboards:\n{dashboard_list()}\n\n"
               "`kexue-viz list DASHBOARD` or `kexue-viz export DASHBOARD --help` names its parameters.")
    commands = parser.add_subparsers(dest="command", required=True)
    listing = commands.add_parser("list", help="list the dashboards, or one dashboard's parameters")
    listing.add_argument("dashboard", nargs="?", choices=list(DASHBOARDS), help="show this dashboard's parameters")
    listing.set_defaults(run=command_list)
    serve = commands.add_parser("serve", help="serve every dashboard with an index page")
    serve.add_argument("--port", type=int, default=5006)
    serve.add_argument("--address", default="127.0.0.1")
    serve.add_argument("--num-procs", type=int, default=1, metavar="N",
                       help="worker processes (Bokeh's --num-procs; 0 = one per core; default 1)")
    serve.add_argument("--allow-websocket-origin", action="append", default=[], metavar="HOST[:PORT]",
                       help="also accept pages served under this host, e.g. a reverse proxy's (repeatable)")
    serve.add_argument("--prefix", default="", help="URL prefix the pages live under behind a reverse proxy")
    serve.add_argument("--use-xheaders", action="store_true",
                       help="trust the proxy's X-Real-Ip / X-Forwarded-For / X-Scheme headers")
    serve.add_argument("--show", action="store_true", help="open a browser")
    serve.set_defaults(run=command_serve)
    export = commands.add_parser("export", help="write a dashboard's figure for given parameters")
    dashboards = export.add_subparsers(dest="dashboard", metavar="DASHBOARD", required=True)
    for slug, entry in DASHBOARDS.items():
        one = dashboards.add_parser(slug, help=entry.title("en"), epilog=parameter_table(entry), formatter_class=raw,
                                    description=f"Write the figure of {slug}, or one of its views, for the given "
                                                "parameters: the file its export button gives.")
        one.add_argument("--set", action="append", metavar="NAME=VALUE", help="a parameter value (repeatable)")
        one.add_argument("--view", metavar="NAME", help="export this view alone (listed below) rather than the "
                                                        "whole figure")
        one.add_argument("--width", default="column", metavar="PRESET",
                         help="the figure's width preset (kexue_viz.export.WIDTHS: a blog column, default, or a slide)")
        one.add_argument("--lang", choices=["zh", "en"], default="zh", help="language of the figure's text")
        one.add_argument("--html", action="store_true",
                         help="write --view as an interactive HTML file that needs no server (implied by FILE.html)")
        one.add_argument("--vary", metavar="P[,P2]", help="the one or two parameters the HTML file's controls move")
        one.add_argument("--values", action="append", metavar="NAME=V1,V2,...",
                         help="the values of a varied parameter (default: its options, or up to 21 steps of its "
                              "range, 7 with two parameters; at most 50 states in all)")
        one.add_argument("--progress", action="store_true",
                         help="print the progress of an interactive export and a refusal as JSON lines on stdout")
        one.add_argument("-o", "--output", required=True, help="FILE.png, FILE.svg, FILE.pdf or FILE.html")
        one.set_defaults(run=command_export)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status (argparse's 0 after --help, 2 for bad usage)."""
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as stop:  # argparse has printed the help or the usage error
        return stop.code or 0
    args.argv = sys.argv[1:] if argv is None else list(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
