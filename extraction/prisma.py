"""The PRISMA 2020 flow diagram (databases and registers only): counts that add up, and the picture.

`PrismaCounts` holds the numbers; `problems()` lists every place where they do not add up (a diagram is
drawn only from counts without problems). `draw_prisma` lays the boxes out as the PRISMA 2020 template
does (Page et al. 2021, BMJ 372:n71, Figure 1): identification, screening, included; exclusions to the
right. Saved as PNG, SVG or PDF by suffix with matplotlib (no pyplot state, no Qt).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from db.engine import ReviewDB
from db.errors import InputError

SUFFIXES = (".png", ".svg", ".pdf")


@dataclass
class PrismaCounts:
    """Counts of the PRISMA 2020 flow (records = database entries; reports = full texts; studies =
    independent samples)."""

    identified_per_database: dict[str, int] = field(default_factory=dict)
    duplicates_removed: int = 0
    removed_by_automation: int = 0
    removed_other: int = 0
    screened: int = 0
    excluded_screening: int = 0
    sought: int = 0
    not_retrieved: int = 0
    assessed: int = 0
    excluded_full_text: dict[str, int] = field(default_factory=dict)
    reports_included: int = 0
    studies_included: int = 0
    awaiting: dict[str, int] = field(default_factory=dict)  # records still pending a decision, per stage
    stopped_unscreened: int = 0  # of excluded_screening: left unscreened when screening stopped by a rule
    stopping_rule: str = ""  # that rule, its parameters, numbers and assumption (screening.stopping)

    @property
    def identified(self) -> int:
        return sum(self.identified_per_database.values())

    def problems(self) -> list[str]:
        """Every arithmetic rule of the flow that these counts break (empty when they add up)."""
        out = []
        wait_ta = self.awaiting.get("title_abstract", 0)
        wait_ft = self.awaiting.get("full_text", 0)
        removed = self.duplicates_removed + self.removed_by_automation + self.removed_other
        if self.screened != self.identified - removed:
            out.append(f"screened {self.screened} != identified {self.identified} - removed {removed}")
        if self.sought != self.screened - self.excluded_screening - wait_ta:
            out.append(f"sought {self.sought} != screened {self.screened} - excluded {self.excluded_screening}"
                       f" - awaiting screening {wait_ta}")
        if self.assessed != self.sought - self.not_retrieved:
            out.append(f"assessed {self.assessed} != sought {self.sought} - not retrieved {self.not_retrieved}")
        excl = sum(self.excluded_full_text.values())
        if self.reports_included != self.assessed - excl - wait_ft:
            out.append(f"reports included {self.reports_included} != assessed {self.assessed} - excluded {excl}"
                       f" - awaiting full-text decision {wait_ft}")
        if self.studies_included > self.reports_included:
            out.append(f"studies {self.studies_included} > reports {self.reports_included}")
        if min([self.duplicates_removed, self.screened, self.excluded_screening, self.sought, self.not_retrieved,
                self.assessed, self.reports_included, self.studies_included, *self.excluded_full_text.values(),
                *self.identified_per_database.values()], default=0) < 0:
            out.append("a count is negative")
        return out

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["identified"] = self.identified
        d["adds_up"] = not self.problems()
        d["problems"] = self.problems()
        return d


def _box(fig: Figure, x: float, y: float, w: float, h: float, text: str, *, fill: str = "white",
         bold_first: bool = False) -> None:
    fig.patches.append(FancyBboxPatch((x, y), w, h, boxstyle="square,pad=0", transform=fig.transFigure,
                                      facecolor=fill, edgecolor="#333333", linewidth=1.0, figure=fig))
    lines = text.split("\n")
    if bold_first:
        fig.text(x + 0.012, y + h - 0.012, lines[0], ha="left", va="top", fontsize=8.5, weight="bold")
        fig.text(x + 0.012, y + h - 0.034, "\n".join(lines[1:]), ha="left", va="top", fontsize=8.5,
                 linespacing=1.35)
    else:
        fig.text(x + 0.012, y + h - 0.012, text, ha="left", va="top", fontsize=8.5, linespacing=1.35)


def _arrow(fig: Figure, x0: float, y0: float, x1: float, y1: float) -> None:
    fig.add_artist(FancyArrowPatch((x0, y0), (x1, y1), arrowstyle="-|>", mutation_scale=10, linewidth=1.0,
                                   color="#333333", transform=fig.transFigure))


def draw_prisma(counts: PrismaCounts, out: str | Path, *, title: str = "") -> Path:
    """Draw the PRISMA 2020 flow diagram to ``out`` (.png/.svg/.pdf). Refuses counts that do not add up."""
    out = Path(out)
    if out.suffix.lower() not in SUFFIXES:
        raise InputError(f"the diagram must be saved as {', '.join(SUFFIXES)}", file=str(out))
    from extraction.pooling.plots import save_atomic

    save_atomic(prisma_figure(counts, title=title), out, pad_inches=0.15)
    return out


def prisma_figure(counts: PrismaCounts, *, title: str = "") -> Figure:
    """The PRISMA 2020 flow diagram as a matplotlib Figure (for embedding); refuses counts that do not add up."""
    problems = counts.problems()
    if problems:
        raise InputError("the PRISMA counts do not add up: " + "; ".join(problems))
    per_db = counts.identified_per_database
    n_db_lines = max(1, len(per_db))
    height_in = 8.6 + 0.16 * max(0, n_db_lines - 3) + 0.16 * max(0, len(counts.excluded_full_text) - 4)
    fig = Figure(figsize=(8.5, height_in))
    FigureCanvasAgg(fig)
    s = 1.0 / height_in  # one inch in figure units (vertical)
    L, R, W = 0.14, 0.58, 0.38
    top = 1 - 0.5 * s
    if title:
        fig.text(0.5, 1 - 0.22 * s, title, ha="center", va="center", fontsize=10, weight="bold")
    fig.text(0.5, top - 0.05 * s, "Identification of studies via databases and registers", ha="center",
             va="top", fontsize=9.5, weight="bold")
    ident_h = (0.62 + 0.16 * max(n_db_lines, 3)) * s
    y_ident = top - 0.35 * s - ident_h
    db_lines = "\n".join(f"   {name} (n = {n:,})" for name, n in sorted(per_db.items(), key=lambda kv: (-kv[1], kv[0])))
    _box(fig, L, y_ident, W, ident_h, f"Records identified from databases\n(n = {counts.identified:,}):\n{db_lines}")
    _box(fig, R, y_ident, W, ident_h,
         "Records removed before screening:\n"
         f"   Duplicate records removed (n = {counts.duplicates_removed:,})\n"
         f"   Records marked as ineligible by automation\n   tools (n = {counts.removed_by_automation:,})\n"
         f"   Records removed for other reasons (n = {counts.removed_other:,})")
    _arrow(fig, L + W, y_ident + ident_h / 2, R, y_ident + ident_h / 2)

    h = 0.62 * s
    gap = 0.42 * s
    y_scr = y_ident - gap - h
    wait_ta = counts.awaiting.get("title_abstract", 0)
    _box(fig, L, y_scr, W, h, f"Records screened\n(n = {counts.screened:,})"
         + (f"\n   awaiting a decision (n = {wait_ta:,})" if wait_ta else ""))
    _box(fig, R, y_scr, W, h, f"Records excluded\n(n = {counts.excluded_screening:,})"
         + (f"\n   not screened, stopping rule met (n = {counts.stopped_unscreened:,})"
            if counts.stopped_unscreened else ""))
    if counts.stopping_rule:
        fig.text(0.02, 0.12 * s, "Screening stopped by: " + counts.stopping_rule.split(":")[0][:150], fontsize=7,
                 va="bottom", ha="left")
    _arrow(fig, L + W / 2, y_ident, L + W / 2, y_scr + h)
    _arrow(fig, L + W, y_scr + h / 2, R, y_scr + h / 2)

    y_sought = y_scr - gap - h
    _box(fig, L, y_sought, W, h, f"Reports sought for retrieval\n(n = {counts.sought:,})")
    _box(fig, R, y_sought, W, h, f"Reports not retrieved\n(n = {counts.not_retrieved:,})")
    _arrow(fig, L + W / 2, y_scr, L + W / 2, y_sought + h)
    _arrow(fig, L + W, y_sought + h / 2, R, y_sought + h / 2)

    reasons = counts.excluded_full_text
    excl_h = (0.45 + 0.16 * max(1, len(reasons))) * s
    y_ass = y_sought - gap - max(h, excl_h)
    wait_ft = counts.awaiting.get("full_text", 0)
    _box(fig, L, y_ass + max(h, excl_h) - h, W, h, f"Reports assessed for eligibility\n(n = {counts.assessed:,})"
         + (f"\n   awaiting a decision (n = {wait_ft:,})" if wait_ft else ""))
    reason_lines = "\n".join(f"   {k} (n = {v:,})" for k, v in sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0])))
    _box(fig, R, y_ass, W, excl_h, f"Reports excluded (n = {sum(reasons.values()):,}):\n{reason_lines or '   none'}")
    _arrow(fig, L + W / 2, y_sought, L + W / 2, y_ass + max(h, excl_h))
    _arrow(fig, L + W, y_ass + max(h, excl_h) - h / 2, R, y_ass + max(h, excl_h) - h / 2)

    inc_h = 0.78 * s
    y_inc = y_ass - gap - inc_h
    _box(fig, L, y_inc, W, inc_h, f"Studies included in review\n(n = {counts.studies_included:,})\n"
         f"Reports of included studies\n(n = {counts.reports_included:,})")
    _arrow(fig, L + W / 2, y_ass + max(h, excl_h) - h, L + W / 2, y_inc + inc_h)

    for label, y0, y1 in (("Identification", y_ident, y_ident + ident_h), ("Screening", y_ass, y_scr + h),
                          ("Included", y_inc, y_inc + inc_h)):
        fig.patches.append(FancyBboxPatch((0.02, y0), 0.07, y1 - y0, boxstyle="round,pad=0",
                                          transform=fig.transFigure, facecolor="#cfe2f3", edgecolor="#6fa8dc",
                                          figure=fig))
        fig.text(0.055, (y0 + y1) / 2, label, rotation=90, ha="center", va="center", fontsize=9, weight="bold")
    return fig


def _not_retrieved(reason: str) -> bool:
    low = reason.lower()
    return "not retriev" in low or "not available" in low or "not obtain" in low


def prisma_counts(db: ReviewDB) -> PrismaCounts:
    """The review's live PRISMA 2020 counts: records per database, duplicates, screening and full-text
    outcomes (each duplicate group once), reasons, and independent samples among the included reports.

    A full-text exclusion whose reason says the report was not retrieved counts as "not retrieved";
    records still pending or in conflict are reported as awaiting a decision. Records left unscreened when
    the team stopped screening by a rule (`screening.decisions.stop_screening`) count as excluded at
    screening and are also counted apart, with the rule.
    """
    from screening.counts import review_counts
    from screening.decisions import stopped_by_rule

    c = review_counts(db)
    ta, ft = c.stages["title_abstract"], c.stages["full_text"]
    reasons = dict(ft.excluded_by_reason)
    not_retrieved = sum(n for r, n in reasons.items() if _not_retrieved(r))
    excluded_ft = {r: n for r, n in reasons.items() if not _not_retrieved(r)}
    stop = stopped_by_rule(db, "title_abstract")
    return PrismaCounts(
        identified_per_database=dict(c.records_per_database), duplicates_removed=c.duplicates,
        screened=c.unique, excluded_screening=ta.excluded, sought=ta.included, not_retrieved=not_retrieved,
        assessed=ta.included - not_retrieved, excluded_full_text=excluded_ft, reports_included=ft.included,
        studies_included=c.included_samples, awaiting={"title_abstract": ta.awaiting, "full_text": ft.awaiting},
        stopped_unscreened=stop.not_screened if stop else 0, stopping_rule=stop.rule if stop else "")
