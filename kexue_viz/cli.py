"""Command line: ``kexue-viz list | serve | export``.

``kexue-viz export hippo --set measure=legt --set N=32 -o fig.svg`` writes exactly the figure the
dashboard's export button writes for those parameters (same class, same ``figure()``).
"""
from __future__ import annotations

import argparse
import html
import subprocess
import sys
import tempfile
from pathlib import Path

from .registry import DASHBOARDS, get_dashboard

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


def dashboard_titles() -> dict[str, tuple[str, str]]:
    """slug -> (Chinese title, English title), read from each dashboard's text table."""
    titles = {}
    for slug, entry in DASHBOARDS.items():
        text = entry.load().text
        titles[slug] = (text.get("title", "zh"), text.get("title", "en"))
    return titles


def write_index(directory: Path) -> Path:
    """Write the landing page listing every dashboard (no external fonts or scripts)."""
    cards = []
    for slug, (zh, en) in dashboard_titles().items():
        posts = ", ".join(f"kexue.fm/archives/{post}" for post in DASHBOARDS[slug].posts)
        cards.append(f'<a class="card" href="./{slug}"><div class="title">{html.escape(zh)}</div>'
                     f'<div>{html.escape(en)}</div><div class="posts">{html.escape(posts)}</div></a>')
    path = directory / "index.html"
    path.write_text(INDEX_TEMPLATE.format(cards="\n".join(cards)), encoding="utf-8")
    return path


def command_list(_args) -> int:
    titles = dashboard_titles()
    width = max(map(len, titles))
    for slug, (zh, en) in titles.items():
        print(f"{slug:{width}s}  {en} / {zh}")
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
    try:
        entry = get_dashboard(args.dashboard)
        settings = parse_sets(args.set or [])
        output = Path(args.output)
        fmt = output.suffix.lstrip(".").lower()
        if fmt not in ("png", "svg", "pdf"):
            raise ValueError(f"output must end in .png, .svg or .pdf, got {output.name!r}")
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
    parser = argparse.ArgumentParser(prog="kexue-viz", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("list", help="list the dashboards").set_defaults(run=command_list)
    serve = commands.add_parser("serve", help="serve every dashboard with an index page")
    serve.add_argument("--port", type=int, default=5006)
    serve.add_argument("--address", default="127.0.0.1")
    serve.add_argument("--show", action="store_true", help="open a browser")
    serve.set_defaults(run=command_serve)
    export = commands.add_parser("export", help="write a dashboard's figure for given parameters")
    export.add_argument("dashboard", help="slug, see `kexue-viz list`")
    export.add_argument("--set", action="append", metavar="NAME=VALUE", help="a parameter value (repeatable)")
    export.add_argument("--lang", choices=["zh", "en"], default="zh")
    export.add_argument("-o", "--output", required=True, help="FILE.png, FILE.svg or FILE.pdf")
    export.set_defaults(run=command_export)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
