"""Background work for the start screen: open, create, or build the demo review (core calls only)."""

from __future__ import annotations

from pathlib import Path

from db.engine import REVIEW_SUFFIX, ReviewDB, create_review, display_name, is_url, open_review
from db.progress import Progress, no_progress
from gui.errors import data_home


def demo_folder() -> Path:
    """Where the demo review lives: $METASIFT_HOME/demo or ~/.local/share/metasift/demo."""
    return data_home() / "demo"


def opener(target: str, *, progress: Progress = no_progress) -> ReviewDB:
    progress(0, 1, f"opening {display_name(target)}")
    return open_review(target)


def creator(target: str, title: str, protocol: str | None = None, by: str = "", *,
            progress: Progress = no_progress) -> ReviewDB:
    """Create a review with ``protocol`` (TOML, checked whole) as its version 1; default the bundled alliance
    protocol."""
    from extraction.protocol_check import check_protocol_text
    from screening.protocol import default_protocol_text

    progress(0, 1, f"creating {display_name(target)}")
    text = protocol if protocol is not None else default_protocol_text()
    name = check_protocol_text(text, "the new review's protocol").protocol.name
    return create_review(target, title=title or "Untitled review", protocol=text, protocol_name=name, by=by)


def demo_opener(*, progress: Progress = no_progress) -> ReviewDB:
    from screening.demo import build_demo_review

    progress(0, 1, "building the demo review")
    return build_demo_review(demo_folder())


def with_suffix(path: str) -> str:
    """A new review file name with the ``.metasift`` suffix (URLs unchanged)."""
    if is_url(path) or path.endswith(REVIEW_SUFFIX):
        return path
    return path + REVIEW_SUFFIX
