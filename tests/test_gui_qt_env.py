"""``python main.py`` where Qt cannot open a window: one line naming the missing display or system library and
the fix (no Qt abort); ``--screenshot`` renders offscreen by itself; an unknown ``--screen`` lists the screens."""

from __future__ import annotations

import ctypes
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from gui import qt_env

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the checks are Linux's")


def _main(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    environ.update(METASIFT_HOME=str(tmp_path / "home"), XDG_CONFIG_HOME=str(tmp_path / "config"), **env)
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], capture_output=True, text=True,
                          env=environ, cwd=tmp_path, timeout=120)


def _one_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("metasift: "), stderr
    assert "Traceback" not in stderr and "could not load the Qt platform plugin" not in stderr
    return lines[0]


def test_no_display_says_so_in_one_line(tmp_path):
    done = _main(tmp_path, "--demo")
    assert done.returncode == 1
    line = _one_line(done.stderr)
    assert "DISPLAY is not set" in line and "xvfb-run -a python main.py --demo" in line and "--screenshot" in line


def test_missing_xcb_libraries_are_named_with_the_install_command(tmp_path):
    plugin = qt_env._plugin("xcb")
    missing = qt_env.missing_libraries(plugin) if plugin else []
    if not missing:
        pytest.skip("every library of Qt's xcb plugin is installed here")
    done = _main(tmp_path, "--demo", DISPLAY=":97")
    assert done.returncode == 1
    line = _one_line(done.stderr)
    assert all(lib in line for lib in missing) and "sudo apt install" in line


def test_a_missing_library_of_a_real_shared_object_is_found(tmp_path):
    """A copy of Python's own _ssl module whose libssl dependency is renamed: the loader cannot find it."""
    import _ssl

    if shutil.which("ldd") is None:
        pytest.skip("no ldd")
    data = Path(_ssl.__file__).read_bytes()
    assert b"libssl.so.3\x00" in data
    broken = tmp_path / "_ssl_broken.so"
    broken.write_bytes(data.replace(b"libssl.so.3\x00", b"libxsl.so.3\x00"))
    assert qt_env.missing_libraries(Path(_ssl.__file__)) == []
    assert qt_env.missing_libraries(broken) == ["libxsl.so.3"]
    with pytest.raises(OSError) as err:
        ctypes.CDLL(str(broken))
    assert qt_env.library_in(err.value) == "libxsl.so.3"
    assert qt_env.install_hint(["libEGL.so.1", "libxcb-cursor.so.0"]) == \
        "install with: sudo apt install libegl1 libxcb-cursor0"


def test_screenshot_renders_offscreen_without_a_display(tmp_path):
    out = tmp_path / "shot.png"
    done = _main(tmp_path, "--demo", "--screenshot", str(out), "--screen", "samples")
    assert done.returncode == 0, done.stderr
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and out.stat().st_size > 10_000


def test_unknown_screen_lists_the_screens_on_stderr(tmp_path):
    done = _main(tmp_path, "--demo", "--screenshot", str(tmp_path / "x.png"), "--screen", "nope")
    assert done.returncode == 2 and done.stdout == "" and not (tmp_path / "x.png").exists()
    line = [x for x in done.stderr.splitlines() if x.startswith("metasift:")][0]
    assert "no screen 'nope'" in line and all(s in line for s in ("records", "samples", "analysis", "duplicates"))
