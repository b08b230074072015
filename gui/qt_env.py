"""Can Qt open a window here? Checked before Qt is loaded, so a missing display or system library gives one
line naming it and the command that fixes it, instead of Qt's own abort ("could not load the Qt platform
plugin xcb") and a core dump.

Imports no Qt at module level. Linux only: elsewhere Qt ships everything it needs and `problem` returns None.
The xcb plugin's missing libraries are read from ``ldd`` (the system's own loader report); the package names
for ``apt`` are Debian/Ubuntu's.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from importlib.util import find_spec
from pathlib import Path

# the library file -> the Debian/Ubuntu package that provides it (the ones Qt 6's xcb plugin and QtGui need)
APT_PACKAGES = {
    "libxcb-cursor.so.0": "libxcb-cursor0", "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-keysyms.so.1": "libxcb-keysyms1", "libxcb-image.so.0": "libxcb-image0",
    "libxcb-render-util.so.0": "libxcb-render-util0", "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-randr.so.0": "libxcb-randr0", "libxcb-xkb.so.1": "libxcb-xkb1", "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-sync.so.1": "libxcb-sync1", "libxcb-shm.so.0": "libxcb-shm0", "libxcb-xinerama.so.0": "libxcb-xinerama0",
    "libxcb-xinput.so.0": "libxcb-xinput0", "libxcb-render.so.0": "libxcb-render0", "libxcb.so.1": "libxcb1",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0", "libxkbcommon.so.0": "libxkbcommon0", "libX11-xcb.so.1":
    "libx11-xcb1", "libX11.so.6": "libx11-6", "libEGL.so.1": "libegl1", "libGL.so.1": "libgl1",
    "libOpenGL.so.0": "libopengl0", "libfontconfig.so.1": "libfontconfig1", "libfreetype.so.6": "libfreetype6",
    "libdbus-1.so.3": "libdbus-1-3", "libglib-2.0.so.0": "libglib2.0-0", "libICE.so.6": "libice6",
    "libSM.so.6": "libsm6",
}
_NOT_FOUND = re.compile(r"^\s*(\S+)\s+=>\s+not found", re.M)
_DLOPEN = re.compile(r"(lib[\w.+-]+\.so[\w.]*): cannot open shared object file")
OFFSCREEN_HINT = "or render without a window: python main.py --demo --screenshot out.png"


def install_hint(libraries: list[str]) -> str:
    """``sudo apt install ...`` for the libraries (their Debian/Ubuntu packages)."""
    packages = sorted({APT_PACKAGES.get(lib, "") for lib in libraries} - {""})
    if not packages:
        return "install the packages that provide them (your distribution's package search finds them)"
    return "install with: sudo apt install " + " ".join(packages)


def missing_libraries(shared_object: Path) -> list[str]:
    """Libraries the shared object needs that the loader cannot find (``ldd``); [] when all are there or
    ``ldd`` is not available."""
    ldd = shutil.which("ldd")
    if ldd is None or not shared_object.is_file():
        return []
    try:
        out = subprocess.run([ldd, str(shared_object)], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    return sorted(set(_NOT_FOUND.findall(out)))


def library_in(error: BaseException) -> str | None:
    """The library a failed import / dlopen names (``libEGL.so.1: cannot open shared object file``)."""
    m = _DLOPEN.search(str(error))
    return m.group(1) if m else None


def _plugin(name: str) -> Path | None:
    spec = find_spec("PySide6")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "Qt" / "plugins" / "platforms" / f"libq{name}.so"


def problem(environ: dict[str, str] | None = None) -> str | None:
    """Why Qt could not show a window in this environment (one line), or None when it can (as far as checks
    before loading Qt can tell)."""
    env = os.environ if environ is None else environ
    if not sys.platform.startswith("linux"):
        return None
    try:
        import PySide6.QtGui  # noqa: F401 - loads Qt's own libraries (libEGL, libfontconfig, ...)
    except ImportError as exc:
        lib = library_in(exc)
        if lib:
            return (f"Qt cannot start: the system library {lib} is missing; {install_hint([lib])}")
        return f"Qt cannot start: {exc}; reinstall PySide6 (pip install --force-reinstall PySide6-Essentials)"
    platform = (env.get("QT_QPA_PLATFORM") or "").split(":")[0]
    if platform in ("offscreen", "minimal", "vnc", "eglfs", "linuxfb", "vkkhrdisplay"):
        return None
    if platform == "wayland" or (not platform and env.get("WAYLAND_DISPLAY") and not env.get("DISPLAY")):
        return None if env.get("WAYLAND_DISPLAY") else (
            "no display: QT_QPA_PLATFORM is wayland but WAYLAND_DISPLAY is not set; start it in a desktop "
            f"session, {OFFSCREEN_HINT}")
    if not env.get("DISPLAY"):
        return ("no display: DISPLAY is not set (no X server; on a server or over ssh without -X); start it in a "
                f"desktop session, or under a virtual display: xvfb-run -a python main.py --demo, {OFFSCREEN_HINT}")
    plugin = _plugin("xcb")
    missing = missing_libraries(plugin) if plugin else []
    if missing:
        return (f"Qt cannot open a window: the system librar{'y' if len(missing) == 1 else 'ies'} "
                f"{', '.join(missing)} for its X11 (xcb) platform {'is' if len(missing) == 1 else 'are'} missing; "
                f"{install_hint(missing)}; {OFFSCREEN_HINT}")
    return None
