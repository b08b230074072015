"""The `metasift` command line: init, import, records, status; --json; errors without tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from cli.app import main
from tests.cli_run import run_json

DATA = Path(__file__).with_name("data")


def test_init_import_records_status_json(review_target, capsys):
    data = run_json(capsys, "init", review_target, "--title", "Alliance review")
    assert data["title"] == "Alliance review" and data["protocol"] == "alliance-outcome"
    data = run_json(capsys, "import", review_target, str(DATA / "_baseline_pubmed.ris"),
                    str(DATA / "jabref__IsiImporterTestWOS.isi"), "--reviewer", "ana")
    assert data == {"batches": [
        {"file": "_baseline_pubmed.ris", "format": "medline", "source_db": "PubMed", "records": 50,
         "batch_id": 1},
        {"file": "jabref__IsiImporterTestWOS.isi", "format": "wos", "source_db": "Web of Science Core Collection",
         "records": 2, "batch_id": 2}], "total": 52}
    recs = run_json(capsys, "records", review_target, "--limit", "3")
    assert recs["count"] == 3
    assert recs["records"][0]["source_id"] == "30922926"
    assert recs["records"][0]["title"] == "Time lapse: A glimpse into prehistoric genomics."
    assert recs["records"][0]["source_db"] == "PubMed"
    status = run_json(capsys, "status", review_target)
    assert status["records"] == 52 and status["batches"] == 2
    assert status["records_per_database"] == {"PubMed": 50, "Web of Science Core Collection": 2}


def test_import_with_source_db_and_human_output(tmp_path, capsys):
    review = str(tmp_path / "r.metasift")
    assert main(["init", review]) == 0
    capsys.readouterr()
    assert main(["import", review, str(DATA / "_baseline_psychInfo_ovid.ris"), "--source-db", "psycinfo (Ovid)"]) == 0
    out = capsys.readouterr().out  # the typed name is stored (and shown) by its canonical name
    assert "PsycINFO" in out and "(Ovid)" not in out and "10 records imported" in out


def test_errors_exit_2_with_one_line_and_no_traceback(tmp_path):
    review = tmp_path / "r.metasift"
    bad = tmp_path / "scan.pdf"
    bad.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 4)
    cmd = [sys.executable, "-m", "cli.app"]
    subprocess.run([*cmd, "init", str(review)], check=True, capture_output=True)
    proc = subprocess.run([*cmd, "import", str(review), str(bad)], capture_output=True, text=True)
    assert proc.returncode == 2
    assert "scan.pdf" in proc.stderr and "Traceback" not in proc.stderr
    assert proc.stderr.count("\n") == 1
    proc = subprocess.run([*cmd, "status", str(tmp_path / "nope.metasift")], capture_output=True, text=True)
    assert proc.returncode == 2 and "no review at" in proc.stderr and "Traceback" not in proc.stderr
    proc = subprocess.run([*cmd, "import", str(review), str(tmp_path / "missing.ris")], capture_output=True,
                          text=True)
    assert proc.returncode == 2 and "missing.ris: does not exist" in proc.stderr


def test_records_json_is_empty_list_on_empty_review(tmp_path, capsys):
    review = str(tmp_path / "r.metasift")
    main(["init", review])
    capsys.readouterr()
    assert run_json(capsys, "records", review) == {"records": [], "count": 0}


@pytest.mark.parametrize("argv", [["--help"], ["import", "--help"]])
def test_help_works(argv, capsys):
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 0
    assert "metasift" in capsys.readouterr().out


def test_command_table_matches_the_command_modules():
    """Every command maps to the module that registers it, and every registered command is in the table."""
    import argparse
    import importlib
    import pkgutil

    import cli
    from cli.app import COMMANDS

    found = {}
    for info in pkgutil.iter_modules(cli.__path__):
        if info.name.startswith("cmd_"):
            parser = argparse.ArgumentParser()
            sub = parser.add_subparsers()
            importlib.import_module(f"cli.{info.name}").register(sub)
            found.update(dict.fromkeys(sub.choices, info.name))
    assert found == {name: c.module for name, c in COMMANDS.items()}


from cli.app import COMMANDS  # noqa: E402 - the table is light to import


def _loaded_by(*argv: str) -> tuple[int, list[str]]:
    """(exit code, modules loaded) of ``metasift ARGV`` in a fresh interpreter."""
    code = ("import sys\nfrom cli.app import main\ntry:\n    rc = main(sys.argv[1:])\nexcept SystemExit as e:\n"
            "    rc = e.code\nprint('\\nLOADED', *sorted(sys.modules))\nsys.exit(rc)")
    proc = subprocess.run([sys.executable, "-c", code, *argv], capture_output=True, text=True)
    return proc.returncode, proc.stdout.rpartition("LOADED")[2].split()


HEAVY = ("sklearn", "scipy", "matplotlib", "pandas", "openpyxl", "cli.cmd_")  # seconds to load, together


@pytest.mark.parametrize("argv", [["--help"], [], ["no-such-command"], ["pool", "--help"], ["pool", "--nope"],
                                  ["rank", "--help"], ["simulate", "x", "--model", "nope"], ["prisma"],
                                  ["status", "--help"], ["export", "--help"], ["aggregate", "--help"],
                                  ["dedup", "--help"], ["studies", "--method", "nope"]])
def test_help_and_argument_errors_load_no_heavy_library(argv):
    """``--help``, no command, an unknown command: no command module at all; a command's own ``--help`` and
    its argument errors: no statistics, plotting, machine-learning or database library."""
    rc, loaded = _loaded_by(*argv)
    assert rc in (0, 2)
    allowed = ("cli.cmd_",) if argv and argv[0] in COMMANDS else ()
    heavy = [m for m in loaded if m.startswith(HEAVY) and not m.startswith(allowed)]
    assert heavy == [], heavy
    if not argv or argv[0] in ("--help", "no-such-command"):
        assert not [m for m in loaded if m.startswith("cli.cmd_")]


def test_help_lists_every_command_of_the_table(capsys):
    from cli.app import COMMANDS, main

    with pytest.raises(SystemExit) as done:
        main(["--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert all(name in out for name in COMMANDS) and "pool correlations" in out


def test_a_command_loads_only_its_own_module():
    code = ("import sys; from cli.app import build_parser; build_parser('status'); "
            "print(sorted(m for m in sys.modules if m.startswith('cli.cmd_')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['cli.cmd_status']"


def test_a_reader_that_stops_early_gets_no_traceback(tmp_path):
    """``metasift records REVIEW --json | head``: the pipe closes before the output is written."""
    review = tmp_path / "r.metasift"
    cmd = [sys.executable, "-m", "cli.app"]
    subprocess.run([*cmd, "init", str(review)], check=True, capture_output=True)
    subprocess.run([*cmd, "import", str(review), str(DATA / "_baseline_pubmed.ris")], check=True,
                   capture_output=True)
    proc = subprocess.Popen([*cmd, "records", str(review), "--json"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    proc.stdout.close()  # the reader is gone before the command prints
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 0
    assert err == "", err


def test_status_runs_without_loading_the_dedup_engine(tmp_path):
    """Counting duplicates reads stored decisions: the engine and numpy (~0.15 s to import) stay unloaded."""
    review = tmp_path / "r.metasift"
    assert main(["init", str(review)]) == 0
    assert main(["import", str(review), str(DATA / "_baseline_pubmed.ris")]) == 0
    assert main(["dedup", str(review)]) == 0
    code = ("import sys; from cli.app import main; main(['status', sys.argv[1], '--json']); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'numpy' or m.startswith('screening.dedup')),"
            " file=sys.stderr)")
    proc = subprocess.run([sys.executable, "-c", code, str(review)], capture_output=True, text=True, check=True)
    assert json.loads(proc.stdout)["records"] == 50
    assert proc.stderr.strip() == "[]"
