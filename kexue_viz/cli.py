"""Command line: ``kexue-viz list | serve | export``.

``kexue-viz export hippo --set measure=legt --set N=32 -o fig.svg`` writes exactly the figure the
dashboard's export button writes for those parameters (same class, same ``figure()``).
``kexue-viz list hippo`` and ``kexue-viz export hippo --help`` name the dashboard's parameters with
their bounds. Listing and help read the registry's generated table and import no numeric or
plotting library (they answer in a fraction of a second); only ``export`` loads the dashboard.
"""
from __future__ import annotations

import argparse
import difflib
import html
import subprocess
import sys
import tempfile
from pathlib import Path

from .registry import DASHBOARDS, DashboardEntry

APPS_DIR = Path(__file__).resolve().parents[1] / "apps"

INDEX_TEMPLATE = """<!DOCTYPE html>
<html lang="zh">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>kexue_viz</title>
<style>
  body {{ font-family: system-ui, -apple-system, "Segoe UI", "Noto Sans", "WenQuanYi Micro Hei", sans-serif;
         max-width: 860px; margin: 40px auto; padding: 0 20px; color: #222; }}
  h1 {{ font-size: 1.5em; margin-bottom: 0.2em; }}
  p.lead {{ color: #555; margin-top: 0; }}
  a.card {{ display: block; border: 1px solid #d0d7de; border-radius: 8px; padding: 14px 18px; margin: 12px 0;
           text-decoration: none; color: inherit; }}
  a.card:hover {{ border-color: #0072B2; background: #f6f9fc; }}
  .title {{ font-weight: 600; color: #0072B2; }}
  .posts {{ color: #666; font-size: 0.9em; }}
</style>
</head>
<body>
<h1>kexue_viz</h1>
<p class="lead">科学空间（kexue.fm）的可交互图 · interactive figures for Scientific Spaces</p>
{cards}
</body>
</html>
"""


def write_index(directory: Path) -> Path:
    """Write the landing page listing every dashboard (no external fonts or scripts)."""
    cards = []
    for slug, entry in DASHBOARDS.items():
        posts = ", ".join(f"kexue.fm/archives/{post}" for post in entry.posts)
        cards.append(f'<a class="card" href="./{slug}"><div class="title">{html.escape(entry.title("zh"))}</div>'
                     f'<div>{html.escape(entry.title("en"))}</div><div class="posts">{html.escape(posts)}</div></a>')
    path = directory / "index.html"
    path.write_text(INDEX_TEMPLATE.format(cards="\n".join(cards)), encoding="utf-8")
    return path


def dashboard_list() -> str:
    """One line per dashboard: slug, English and Chinese title."""
    width = max(map(len, DASHBOARDS))
    return "\n".join(f"{slug:{width}s}  {entry.title('en')} / {entry.title('zh')}" for slug, entry in DASHBOARDS.items())


def parameter_table(entry: DashboardEntry) -> str:
    """The dashboard's parameters: name, the values it takes (bounds or options), default, label."""
    parameters = entry.parameters().values()
    width = max(len(parameter.name) for parameter in parameters)
    lines = [f"{entry.slug}: {entry.title('en')} / {entry.title('zh')}", "", "parameters (--set NAME=VALUE):"]
    for parameter in parameters:
        lines.append(f"  {parameter.name:{width}s}  {parameter.domain()}  (default {parameter.default_text()})")
        lines.append(f"  {'':{width}s}  {parameter.label['en']} / {parameter.label['zh']}")
    return "\n".join(lines)


def unknown_parameters(entry: DashboardEntry, names) -> list[str]:
    """A message for each of ``names`` that ``entry`` does not have, with the closest name it has."""
    known = {name.lower(): name for name in entry.parameters()}
    messages = []
    for name in names:
        if name in entry.parameters():
            continue
        close = difflib.get_close_matches(name.lower(), known, n=1)
        hint = f"; did you mean {known[close[0]]!r}?" if close else ""
        messages.append(f"unknown parameter {name!r}{hint} (kexue-viz list {entry.slug} names them all)")
    return messages


def command_list(args) -> int:
    print(parameter_table(DASHBOARDS[args.dashboard]) if args.dashboard else dashboard_list())
    return 0


def command_serve(args) -> int:
    apps = sorted(str(path) for path in APPS_DIR.glob("*.py") if not path.name.startswith("_"))
    if not apps:
        print(f"no apps found in {APPS_DIR}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as scratch:
        index = write_index(Path(scratch))
        command = [sys.executable, "-m", "panel", "serve", *apps, "--index", str(index),
                   "--port", str(args.port), "--address", args.address,
                   "--allow-websocket-origin", f"{args.address}:{args.port}",
                   "--allow-websocket-origin", f"localhost:{args.port}"]
        if args.show:
            command.append("--show")
        print(f"serving {len(apps)} dashboard(s) at http://{args.address}:{args.port}/", flush=True)
        return subprocess.call(command)


def parse_sets(pairs: list[str]) -> dict[str, str]:
    settings = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise ValueError(f"--set expects NAME=VALUE, got {pair!r}")
        settings[name.strip()] = value.strip()
    return settings


def command_export(args) -> int:
    entry = DASHBOARDS[args.dashboard]
    try:
        settings = parse_sets(args.set or [])
        output = Path(args.output)
        fmt = output.suffix.lstrip(".").lower()
        if fmt not in ("png", "svg", "pdf"):
            raise ValueError(f"output must end in .png, .svg or .pdf, got {output.name!r}")
        problems = unknown_parameters(entry, settings)  # before the (slow) import of the dashboard
        if problems:
            raise ValueError("; ".join(problems))
        dashboard = entry.load()(lang=args.lang)
        problems = dashboard.apply_settings(settings)
        if problems:
            raise ValueError("; ".join(problems))
        output.write_bytes(dashboard.export_bytes(fmt))
    except ValueError as error:
        print(f"kexue-viz export: {error}", file=sys.stderr)
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
    serve.add_argument("--show", action="store_true", help="open a browser")
    serve.set_defaults(run=command_serve)
    export = commands.add_parser("export", help="write a dashboard's figure for given parameters")
    dashboards = export.add_subparsers(dest="dashboard", metavar="DASHBOARD", required=True)
    for slug, entry in DASHBOARDS.items():
        one = dashboards.add_parser(slug, help=entry.title("en"), epilog=parameter_table(entry), formatter_class=raw,
                                    description=f"Write the figure of {slug} for the given parameters: the file "
                                                "its export button gives.")
        one.add_argument("--set", action="append", metavar="NAME=VALUE", help="a parameter value (repeatable)")
        one.add_argument("--lang", choices=["zh", "en"], default="zh", help="language of the figure's text")
        one.add_argument("-o", "--output", required=True, help="FILE.png, FILE.svg or FILE.pdf")
        one.set_defaults(run=command_export)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status (argparse's 0 after --help, 2 for bad usage)."""
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as stop:  # argparse has printed the help or the usage error
        return stop.code or 0
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
