"""The analysis screen's texts and the Table-1 moderator model."""

from __future__ import annotations

from html import escape
from typing import Any

import pandas as pd
from PySide6.QtWidgets import QWidget

from extraction import apa
from gui.listmodel import ListTableModel

num = apa.number
pval = apa.p_cell


def p_is(p: float | None) -> str:
    """``p = .023`` / ``p < .001`` (`extraction.apa`), escaped for rich text."""
    return escape(apa.p_value(p))


def summary_html(rep: dict[str, Any], muted: str) -> str:
    """The pooled estimate and heterogeneity in one block (k, r [CI], PI, tau², I², Q, p)."""
    kind = "fixed-effect" if rep["method"] == "FE" else "random-effects"
    main = (f"<span style='font-size:15pt'><b>r = {apa.bounded(rep['estimate_r'])}</b> "
            f"{apa.interval(rep['ci_r'])}</span>"
            f" &nbsp; k = <b>{rep['k']}</b> · z = {num(rep['z'])}, {p_is(rep['p'])}"
            f" · 95% prediction interval {apa.interval(rep['pi_r'])}")
    het = (f"Heterogeneity: τ² = {num(rep['tau2'], 4)} · I² = {num(rep['i2'], 1)}% · "
           f"Q({rep['q_df']}) = {num(rep['q'])}, {p_is(rep['q_p'])}")
    extra = [f"{escape(rep['method'])} {kind} model on Fisher's z, back-transformed to r"]
    if rep.get("fsn_rosenthal") is not None:
        extra.append(f"fail-safe N (Rosenthal) {rep['fsn_rosenthal']}")
    if rep.get("egger"):
        extra.append(f"Egger's test z = {num(rep['egger']['z'])}, {p_is(rep['egger']['p'])}")
    return f"{main}<br>{het}<br><span style='color:{muted}'>{' · '.join(extra)}</span>"


def moderator_rows(table: pd.DataFrame | None) -> list[dict[str, Any]]:
    """`moderator_table` rows with the moderator and p between shown once per moderator."""
    if table is None:
        return []
    out, last = [], None
    for r in table.to_dict("records"):
        first = r["moderator"] != last
        last = r["moderator"]
        out.append({**r, "first": first})
    return out


def _nan(x: Any) -> Any:
    return None if isinstance(x, float) and x != x else x


def moderator_model(parent: QWidget | None = None) -> ListTableModel:
    """Table 1 style: per moderator and category k, r, 95% CI, p, I², and p between."""
    return ListTableModel([
        ("Moderator", lambda r: r["moderator"].replace("_", " ") if r["first"] else ""),
        ("Category", lambda r: r["category"]),
        ("k", lambda r: r["k"]),
        ("r", lambda r: apa.bounded(_nan(r["r"]))),
        ("95% CI", lambda r: apa.interval((_nan(r["ci_low"]), _nan(r["ci_high"])))),
        ("p", lambda r: pval(_nan(r["p"]))),
        ("I²", lambda r: num(_nan(r["i2"]), 1) + "%" if _nan(r["i2"]) is not None else "—"),
        ("p between", lambda r: (f"{pval(_nan(r['p_between']))}  (Q({r['df_between']}) = "
                                 f"{num(_nan(r['q_between']))})") if r["first"] else ""),
    ], parent)
