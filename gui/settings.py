"""The desktop app's settings as one typed object, stored via QSettings under a schema version.

No password is ever kept: recent PostgreSQL URLs are stored without theirs, the file is written readable by
its owner only (0600), and a settings file an older MetaSift wrote with passwords in it is cleaned the first
time it is read. Tests never touch the user's settings: ``tests/conftest.py`` points QSettings at a
temporary folder.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field

from PySide6.QtCore import QByteArray, QSettings

from db.credentials import has_password, without_password

SCHEMA_VERSION = 1
ORGANIZATION = APPLICATION = "MetaSift"
THEMES = ("system", "light", "dark")
MAX_RECENT = 10


def store() -> QSettings:
    """The QSettings the app uses (native format, user scope)."""
    return QSettings(ORGANIZATION, APPLICATION)


@dataclass
class Settings:
    """Who the reviewer is, recent reviews (paths or URLs, newest first), window geometry, theme."""

    reviewer: str = ""
    recent: list[str] = field(default_factory=list)
    geometry: bytes = b""
    theme: str = "system"

    @classmethod
    def load(cls, qs: QSettings | None = None) -> Settings:
        """Read the settings; unknown or damaged values fall back to defaults (older schemas are migrated)."""
        qs = qs or store()
        version = _int(qs.value("schema", 0))
        s = cls()
        s.reviewer = str(qs.value("reviewer", "") or "").strip()
        try:
            recent = json.loads(str(qs.value("recent", "[]") or "[]"))
        except ValueError:
            recent = []
        listed = [str(r) for r in recent if isinstance(r, str) and r] if isinstance(recent, list) else []
        s.recent = list(dict.fromkeys(without_password(r) for r in listed))[:MAX_RECENT]
        geometry = qs.value("window/geometry") if version >= 1 else qs.value("main/geometry")  # schema 0 key
        s.geometry = bytes(geometry.data()) if isinstance(geometry, QByteArray) else (
            geometry if isinstance(geometry, bytes) else b"")
        theme = str(qs.value("theme", "system") or "system")
        s.theme = theme if theme in THEMES else "system"
        if any(has_password(r) for r in listed) or has_password(s.reviewer):
            s.save(qs)  # clean a file an older MetaSift wrote with passwords in it
        else:
            _owner_only(qs)
        return s

    def save(self, qs: QSettings | None = None) -> None:
        qs = qs or store()
        qs.setValue("schema", SCHEMA_VERSION)
        qs.setValue("reviewer", self.reviewer)
        qs.setValue("recent", json.dumps(self.recent[:MAX_RECENT]))
        qs.setValue("window/geometry", QByteArray(self.geometry))
        qs.setValue("theme", self.theme)
        qs.remove("main/geometry")
        qs.sync()
        _owner_only(qs)

    def remember(self, target: str) -> None:
        """Put a review at the top of the recent list (a URL without its password)."""
        target = without_password(target)
        self.recent = [target] + [r for r in self.recent if r != target]
        del self.recent[MAX_RECENT:]

    def forget(self, target: str) -> None:
        self.recent = [r for r in self.recent if r != without_password(target)]


def _owner_only(qs: QSettings) -> None:
    """Make the settings file readable and writable by its owner only (0600)."""
    path = qs.fileName()
    if path and os.path.isfile(path):
        os.chmod(path, 0o600)


def _int(value: object) -> int:
    try:
        return int(str(value))
    except ValueError:
        return 0
