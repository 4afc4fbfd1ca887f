"""The command line's listing and help: fast (no numeric or plotting import), naming every
parameter with its bounds, suggesting the nearest name for a misspelt ``--set``; and the generated
table they read, which must equal what the dashboard classes declare.

``kexue-viz export`` writing the export button's bytes is tested in
tests/dashboard/test_every_dashboard.py (``test_export_button_matches_cli``)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from kexue_viz import cli, registry
from kexue_viz.registry import DASHBOARDS

HEAVY = ("torch", "numpy", "panel", "holoviews", "bokeh", "matplotlib", "param")


def run_cli_in_fresh_python(*argv: str) -> tuple[int, str, list[str]]:
    """Exit status and output of ``cli.main(argv)`` in a new interpreter, and which of
    :data:`HEAVY` that interpreter imported."""
    code = ("import sys\nfrom kexue_viz import cli\nstatus = cli.main(sys.argv[1:])\n"
            f"print('IMPORTED', *sorted(m for m in {HEAVY!r} if m in sys.modules))\nsys.exit(status)")
    result = subprocess.run([sys.executable, "-c", code, *argv], capture_output=True, text=True, timeout=120)
    output, _, imported = result.stdout.rpartition("IMPORTED")
    return result.returncode, output + result.stderr, imported.split()


@pytest.mark.parametrize("argv", [["list"], ["--help"], ["list", "hippo"], ["export", "--help"],
                                  ["export", "infomap_communities", "--help"],
                                  ["export", "hippo", "--set", "mesure=legt", "-o", "unused.svg"],
                                  ["export", "hippo", "--view", "eror", "-o", "unused.svg"]],
                         ids=" ".join)
def test_listing_help_and_rejected_names_import_no_heavy_library(argv):
    status, output, imported = run_cli_in_fresh_python(*argv)
    assert status == (2 if {"--set", "--view"} & set(argv) else 0), output
    assert imported == [], f"kexue-viz {' '.join(argv)} imported {imported}"


@pytest.mark.parametrize("slug", list(DASHBOARDS))
def test_list_and_export_help_name_every_parameter_with_its_bounds_and_every_view(slug, capsys):
    assert cli.main(["list", slug]) == 0
    listing = capsys.readouterr().out
    assert cli.main(["export", slug, "--help"]) == 0
    help_text = capsys.readouterr().out
    for text in (listing, help_text):
        views = text[text.index("views (--view NAME"):].splitlines()[1:]
        assert [row.split()[0] for row in views] == list(DASHBOARDS[slug].views())
        for row, label in zip(views, DASHBOARDS[slug].views().values()):
            assert row.endswith(f"{label['en']} / {label['zh']}"), row
        for parameter in DASHBOARDS[slug].parameters().values():
            line = next((row for row in text.splitlines() if row.split()[:1] == [parameter.name]), None)
            assert line is not None, f"{parameter.name} missing from\n{text}"
            assert parameter.domain() in line and f"default {parameter.default_text()}" in line, line
            assert parameter.label["en"] in text and parameter.label["zh"] in text


def test_bounds_and_options_read_as_a_reader_types_them(capsys):
    assert cli.main(["list", "hippo"]) == 0
    lines = {row.split()[0]: row for row in capsys.readouterr().out.splitlines() if row.startswith("  ") and row.split()}
    assert "integer 1…64" in lines["N"] and "(default 16)" in lines["N"]
    assert "number 0.05…10" in lines["w"]
    assert "legs | legt | fout | fout_post | lagt" in lines["measure"]
    assert "true | false" in lines["log_y"]


def test_top_level_help_lists_the_dashboards(capsys):
    assert cli.main(["--help"]) == 0
    text = capsys.readouterr().out
    for slug, entry in DASHBOARDS.items():
        assert slug in text and entry.title("en") in text


@pytest.mark.parametrize("typed, meant", [("mesure", "measure"), ("n", "N"), ("durration", "duration"),
                                          ("log-y", "log_y")])
def test_a_misspelt_set_name_gets_the_nearest_name(typed, meant, tmp_path, capsys):
    assert cli.main(["export", "hippo", "--set", f"{typed}=1", "-o", str(tmp_path / "x.svg")]) == 2
    error = capsys.readouterr().err
    assert f"unknown parameter {typed!r}; did you mean {meant!r}?" in error
    assert not (tmp_path / "x.svg").exists()


def test_an_unknown_view_is_named_with_the_nearest_and_every_view(tmp_path, capsys):
    assert cli.main(["export", "hippo", "--view", "eror", "-o", str(tmp_path / "x.png")]) == 2
    error = capsys.readouterr().err
    assert "unknown view 'eror'; did you mean 'error'?" in error and "Traceback" not in error
    assert ", ".join(DASHBOARDS["hippo"].views()) in error
    assert not (tmp_path / "x.png").exists()


def test_a_name_far_from_every_parameter_gets_no_guess(tmp_path, capsys):
    assert cli.main(["export", "hippo", "--set", "zzzz=1", "-o", str(tmp_path / "x.svg")]) == 2
    error = capsys.readouterr().err
    assert "unknown parameter 'zzzz'" in error and "did you mean" not in error and "kexue-viz list hippo" in error


def test_an_unknown_dashboard_is_a_usage_error(capsys):
    assert cli.main(["list", "hipo"]) == 2
    assert "invalid choice: 'hipo'" in capsys.readouterr().err


def test_the_generated_table_equals_what_the_dashboards_declare():
    """The table ``list`` and ``--help`` read is what the classes declare (it cannot go stale)."""
    declared, stored = registry.build_table(), registry.load_table()
    stale = [f"{slug}: {key}" for slug in declared.keys() | stored.keys()
             for key in ("title", "parameters", "views")
             if declared.get(slug, {}).get(key) != stored.get(slug, {}).get(key)]
    for slug in declared.keys() & stored.keys():
        rows = {row["name"]: row for row in stored[slug]["parameters"]}
        stale += [f"{slug}.{row['name']}: declared {row}, table {rows.get(row['name'])}"
                  for row in declared[slug]["parameters"] if rows.get(row["name"]) != row]
    assert not stale, ("kexue_viz/data/dashboards.json is stale; regenerate it with "
                       "`python -m kexue_viz.registry`:\n" + "\n".join(stale))


def serve_command(*argv: str) -> list[str]:
    """The ``panel serve`` command line ``kexue-viz serve ARGV`` runs (nothing is started)."""
    args = cli.build_parser().parse_args(["serve", *argv])
    return cli.serve_command(args, cli.dashboard_scripts(), cli.APPS_DIR / "index.html")


def option_values(command: list[str], option: str) -> list[str]:
    return [value for flag, value in zip(command, command[1:]) if flag == option]


def test_serve_runs_panel_serve_on_every_dashboard_script_with_one_process_by_default():
    command = serve_command()
    assert command[1:4] == ["-m", "panel", "serve"]
    served = [arg for arg in command if arg.endswith(".py")]
    assert [Path(path).stem for path in served] == sorted(DASHBOARDS)  # not apps/main.py
    assert option_values(command, "--num-procs") == ["1"]
    assert option_values(command, "--allow-websocket-origin") == ["127.0.0.1:5006", "localhost:5006"]
    assert "--prefix" not in command and "--use-xheaders" not in command


def test_serve_passes_num_procs_and_the_reverse_proxy_options():
    command = serve_command("--num-procs", "4", "--port", "5100", "--allow-websocket-origin", "kv.example.org",
                            "--allow-websocket-origin", "localhost:5100", "--prefix", "kv", "--use-xheaders")
    assert option_values(command, "--num-procs") == ["4"]
    assert option_values(command, "--port") == ["5100"]
    assert option_values(command, "--allow-websocket-origin") == ["127.0.0.1:5100", "localhost:5100", "kv.example.org"]
    assert option_values(command, "--prefix") == ["kv"] and "--use-xheaders" in command


@pytest.mark.parametrize("value", ["two", "1.5"])
def test_serve_rejects_a_num_procs_that_is_not_a_whole_number(value, capsys):
    assert cli.main(["serve", "--num-procs", value]) == 2
    assert "--num-procs" in capsys.readouterr().err


def test_serve_help_imports_no_heavy_library():
    status, output, imported = run_cli_in_fresh_python("serve", "--help")
    assert status == 0 and "--num-procs" in output, output
    assert imported == [], f"kexue-viz serve --help imported {imported}"
