"""HTML of the record and criteria panels: evidence and protocol keywords highlighted, readable light or dark.

Criteria evidence gets a background (green: speaks for inclusion, red: for exclusion); the protocol's keywords
get coloured bold text. Where both mark the same characters the criteria evidence wins.
"""

from __future__ import annotations

from html import escape

from gui.screening.actions import RecordView
from screening.criteria import RecordText, Span
from screening.decisions import LoggedDecision
from screening.outcomes import VisibleDecision
from screening.protocol import STAGE_LABELS

VERDICT_LABEL = {"met": "met", "not_met": "not met", "unclear": "unclear"}
STAGE_LABEL = STAGE_LABELS


def palette(dark: bool) -> dict[str, str]:
    """CSS colours: evidence backgrounds, keyword text, muted text (chosen for contrast on each base)."""
    if dark:
        return {"ev_include": "#1f5a32", "ev_exclude": "#6e2424", "kw_include": "#86dc9c", "kw_exclude": "#ff9e94",
                "text": "#e6e6e6", "muted": "#9aa0a6", "ok": "#86dc9c", "bad": "#ff9e94", "unclear": "#e8c068"}
    return {"ev_include": "#c6efcd", "ev_exclude": "#ffd2cd", "kw_include": "#17702b", "kw_exclude": "#b3261e",
            "text": "#202124", "muted": "#5f6368", "ok": "#17702b", "bad": "#b3261e", "unclear": "#8a6100"}


def highlight(text: str, field: str, evidence: list[Span], keywords: list[Span], colours: dict[str, str]) -> str:
    """``text`` as HTML with the spans of ``field`` marked (character-level, so overlaps never break tags)."""
    if not text:
        return ""
    marks: list[str] = [""] * len(text)
    for spans, prefix in ((keywords, "kw"), (evidence, "ev")):  # evidence last: it wins
        for s in spans:
            if s.field == field:
                for i in range(max(0, s.start), min(len(text), s.end)):
                    marks[i] = f"{prefix}_{s.polarity}"
    out: list[str] = []
    start = 0
    for i in range(1, len(text) + 1):
        if i == len(text) or marks[i] != marks[start]:
            out.append(_wrap(escape(text[start:i]), marks[start], colours))
            start = i
    return "".join(out)


def _wrap(chunk: str, mark: str, colours: dict[str, str]) -> str:
    if not mark or mark not in colours:
        return chunk
    if mark.startswith("ev_"):
        return f"<span style='background-color:{colours[mark]}'>{chunk}</span>"
    return f"<b style='color:{colours[mark]}'>{chunk}</b>"


def record_html(view: RecordView, colours: dict[str, str]) -> str:
    rec = view.record
    evidence = [s for r in view.assessment.criteria.values() for s in r.evidence]
    kw_text = RecordText.of("", "", rec.get("keywords") or []).keywords
    title = highlight(rec.get("title") or "", "title", evidence, view.keywords, colours) or "<i>(no title)</i>"
    abstract = highlight(rec.get("abstract") or "", "abstract", evidence, view.keywords, colours)
    authors = rec.get("authors") or []
    who = "; ".join(authors[:8]) + (" et al." if len(authors) > 8 else "")
    meta = " · ".join(x for x in (escape(rec.get("journal") or ""), str(rec.get("year") or "")) if x)
    dbs = ", ".join(view.databases)
    dup = f" · {len(view.group)} reports merged (#{', #'.join(map(str, view.group))})" if len(view.group) > 1 else ""
    kws = highlight(kw_text, "keywords", evidence, view.keywords, colours)
    muted = colours["muted"]
    return (f"<p style='font-size:15pt; font-weight:600; margin-bottom:4px'>{title}</p>"
            f"<p style='color:{muted}; margin-top:0'>{escape(who)}</p>"
            f"<p><i>{meta or '(no journal or year)'}</i></p>"
            f"<p style='line-height:140%'>{abstract or f'<i style=color:{muted}>No abstract.</i>'}</p>"
            + (f"<p><b>Keywords:</b> {kws}</p>" if kws else "")
            + f"<p style='color:{muted}'>Record #{view.id} · {escape(dbs)}{dup}"
            + (f" · DOI {escape(rec['doi'])}" if rec.get("doi") else "") + "</p>"
            + f"<p style='color:{muted}; font-size:9pt'>Highlights: "
              f"<span style='background-color:{colours['ev_include']}; color:{colours['text']}'>&nbsp;evidence for "
              f"inclusion&nbsp;</span> <span style='background-color:{colours['ev_exclude']}; "
              f"color:{colours['text']}'>&nbsp;evidence for exclusion&nbsp;</span> "
              f"<b style='color:{colours['kw_include']}'>include keyword</b> "
              f"<b style='color:{colours['kw_exclude']}'>exclude keyword</b></p>")


def criteria_html(view: RecordView, colours: dict[str, str]) -> str:
    a = view.assessment
    colour = {"met": colours["ok"], "not_met": colours["bad"], "unclear": colours["unclear"]}
    rows = []
    for name, r in a.criteria.items():
        rows.append(f"<tr><td style='padding:2px 8px 2px 0'><b>{escape(a.label(name))}</b></td>"
                    f"<td style='padding:2px 8px 2px 0; color:{colour.get(r.verdict, colours['muted'])}'>"
                    f"<b>{VERDICT_LABEL.get(r.verdict, r.verdict)}</b></td>"
                    f"<td style='color:{colours['muted']}'>{escape(r.detail)}</td></tr>")
    sugg = colour.get({"include": "met", "exclude": "not_met"}.get(a.suggestion, "unclear"), colours["muted"])
    reasons = "".join(f"<li>{escape(x)}</li>" for x in a.reasons)
    return (f"<table cellspacing='0'>{''.join(rows)}</table>"
            f"<p style='margin-top:8px'>Suggestion: <b style='color:{sugg}'>{escape(a.suggestion)}</b> "
            f"<span style='color:{colours['muted']}'>(a hint, never a decision)</span></p>"
            f"<ul style='margin-top:0'>{reasons}</ul>")


def protocol_version_html(version: int | None, colours: dict[str, str]) -> str:
    """" · protocol v3" for a decision made under version 3 (nothing for one stored before versions)."""
    return f" <span style='color:{colours['muted']}'>· protocol v{int(version)}</span>" if version else ""


def log_html(log: list[LoggedDecision], colours: dict[str, str]) -> str:
    """The viewer's own decision log on a record ("Your log: include · protocol v1 → undone → exclude ..."),
    empty when they decided once or never (the verdicts above say it)."""
    if len(log) < 2:
        return ""
    steps = []
    for row in log:
        when = row.decided_at.isoformat()[:16].replace("T", " ") if row.decided_at else ""
        what = "undone" if row.kind == "undo" else escape(row.verdict or "")
        version = protocol_version_html(row.protocol_version, colours)
        steps.append(f"{what}{version} <span style='color:{colours['muted']}'>({escape(when)})</span>")
    return f"<br><span style='color:{colours['muted']}'>Your log:</span> " + " → ".join(steps)


def decisions_html(visible: list[VisibleDecision], me: str, blind: bool, colours: dict[str, str]) -> str:
    """The verdicts in force on the record: mine, and the others' (hidden until mine in blind mode)."""
    if not visible:
        return f"<span style='color:{colours['muted']}'>Nobody has screened this record at this stage yet.</span>"
    lines = []
    for v in visible:
        who = "You" if v.reviewer == me else escape(v.reviewer)
        if v.hidden:
            lines.append(f"{who}: <i style='color:{colours['muted']}'>decided (hidden until you decide — "
                         "blind mode)</i>")
            continue
        what = escape(v.verdict or "")
        if v.kind == "resolution":
            who = f"Resolved by {who} ({escape(v.method or '')})"
        extra = f" — {escape(v.reason)}" if v.reason else ""
        note = f" <span style='color:{colours['muted']}'>“{escape(v.note)}”</span>" if v.note else ""
        lines.append(f"{who}: <b>{what}</b>{extra}{note}{protocol_version_html(v.protocol_version, colours)}")
    return "<br>".join(lines)

