"""What the command-line tests share: run ``metasift`` through `cli.app.main` and read what it printed."""

from __future__ import annotations

import json
from typing import Any

import pytest

from cli.app import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any]:
    """``(exit code, output)``: the parsed JSON after a successful ``--json`` command, else the text printed
    (standard output on success, the error stream on failure)."""
    code = main(list(argv))
    out, err = capsys.readouterr()
    if code == 0 and "--json" in argv:
        return code, json.loads(out)
    return code, err if code else out


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> Any:
    """The JSON a command prints with ``--json`` (added when missing), which must succeed."""
    capsys.readouterr()
    code, data = run(capsys, *argv, *(() if "--json" in argv else ("--json",)))
    assert code == 0, data
    return data
