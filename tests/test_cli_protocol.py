"""``metasift protocol show|history|export|import`` (--json), and ``init --protocol`` as version 1."""

from __future__ import annotations

import subprocess
import sys

from cli.app import main
from screening.protocol import default_protocol_text
from tests.cli_run import run_json
from tests.test_protocol_versions import CUSTOM


def test_init_show_export_import_history(review_target, capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("METASIFT_USER", "ann")
    start = tmp_path / "start.toml"
    start.write_text(CUSTOM, encoding="utf-8")
    run_json(capsys, "init", review_target, "--protocol", str(start))
    shown = run_json(capsys, "protocol", "show", review_target)
    assert shown["version"] == 1 and shown["who"] == "ann" and shown["text"] == CUSTOM
    assert "wrong language" in shown["exclusion_reasons"]["title_abstract"]
    out = tmp_path / "out" / "exported.toml"
    assert run_json(capsys, "protocol", "export", review_target, str(out)) == {"file": str(out), "version": 1}
    assert out.read_text(encoding="utf-8") == CUSTOM
    out.write_text(CUSTOM.replace('rule = "two_agree"', 'rule = "one_reviewer"'), encoding="utf-8")
    stored = run_json(capsys, "protocol", "import", review_target, str(out), "--summary", "a single screener")
    assert stored["version"] == 2 and stored["who"] == "ann"
    assert stored["summary"] == "a single screener. Changes: [stages] rule: 'two_agree' -> 'one_reviewer'"
    history = run_json(capsys, "protocol", "history", review_target)["versions"]
    assert [(v["version"], v["current"]) for v in history] == [(1, False), (2, True)]
    assert main(["protocol", "history", review_target]) == 0
    text = capsys.readouterr().out
    assert "a single screener" in text and "the protocol the review was created with" in text
    assert run_json(capsys, "protocol", "show", review_target, "--version", "1")["rule"] == "two_agree"
    assert run_json(capsys, "protocol", "show", review_target)["rule"] == "one_reviewer"


def test_a_bad_file_names_itself_and_the_key_exits_2_and_stores_nothing(tmp_path, capsys):
    review = str(tmp_path / "r.metasift")
    assert main(["init", review]) == 0
    bad = tmp_path / "bad.toml"
    bad.write_text(default_protocol_text().replace("min_participants = 5", "min_participants = 0"), encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "cli.app", "protocol", "import", review, str(bad)],
                          capture_output=True, text=True)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.strip() == (f"metasift: error: {bad}: [[criterion]] sample_size min_participants: "
                                   "expected a whole number >= 1")
    broken = tmp_path / "broken.toml"
    broken.write_text('name = "x"\n[stages\n', encoding="utf-8")
    assert main(["protocol", "import", review, str(broken)]) == 2
    assert f"{broken}: is not valid TOML" in capsys.readouterr().err
    assert main(["protocol", "import", review, str(tmp_path / "missing.toml")]) == 2
    assert "missing.toml: cannot be read" in capsys.readouterr().err
    capsys.readouterr()
    assert [v["version"] for v in run_json(capsys, "protocol", "history", review)["versions"]] == [1]
    assert main(["protocol", "show", review, "--version", "7"]) == 2
    assert "has no protocol version 7 (versions: 1)" in capsys.readouterr().err
