"""Who sees every screening row of a blind stage: the rule `screening.team.visible_filter` applies first, in
plain Python so that `metasift status` (which reads through the database driver, `screening.counts`) asks it
the same way.

A reader sees everything when the library reads on nobody's behalf (``viewer`` None), when nobody has managed
the roster yet (one person's review), when the PostgreSQL server filters the rows itself (a member who is not
an administrator: row-level security), and when the reader is an active lead. Everyone else sees, at a stage
not unblinded, another member's vote only on the records they voted on themselves (`screening.team`).
"""

from __future__ import annotations

MANAGED_BY = ("member_added", "migrated")
"""Team events after which the roster is managed (unknown names are refused)."""


def sees_everything(viewer: str | None, managed: bool, server_filters: bool, active_lead: bool) -> bool:
    """True when ``viewer`` may see every screening row without a filter (see the module docstring)."""
    return viewer is None or not managed or server_filters or active_lead
