"""The desktop app's settings as one typed object, stored via QSettings under a schema version.

Tests never touch the user's settings: ``tests/conftest.py`` points QSettings at a temporary folder.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from PySide6.QtCore import QByteArray, QSettings

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
        s.recent = [str(r) for r in recent if isinstance(r, str) and r][:MAX_RECENT] if isinstance(recent, list) else []
        geometry = qs.value("window/geometry") if version >= 1 else qs.value("main/geometry")  # schema 0 key
        s.geometry = bytes(geometry.data()) if isinstance(geometry, QByteArray) else (
            geometry if isinstance(geometry, bytes) else b"")
        theme = str(qs.value("theme", "system") or "system")
        s.theme = theme if theme in THEMES else "system"
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

    def remember(self, target: str) -> None:
        """Put a review at the top of the recent list."""
        self.recent = [target] + [r for r in self.recent if r != target]
        del self.recent[MAX_RECENT:]

    def forget(self, target: str) -> None:
        self.recent = [r for r in self.recent if r != target]


def _int(value: object) -> int:
    try:
        return int(str(value))
    except ValueError:
        return 0
