"""The statistics finder (issue 16) on text as PDFs give it, on real PDFs written in several layouts, against
statcheck (R) on the same files, and through `metasift stats` on a file and on a record's attached PDF."""

from __future__ import annotations

import json

import pytest

from cli.app import main
from extraction.statfinder.find import find_statistics
from extraction.statfinder.text import normalise
from screening.fulltext import store
from tests.conftest import IN_CI
from tests.pdf_factory import write_pdf
from tests.stats_truth import make_docs, run_statcheck, score, statcheck_available, write_docs
from tests.test_fulltext_store import add_studies


def one(text: str):
    [s] = [s for s in find_statistics([text]) if s.kind != "n"]
    return s


@pytest.mark.parametrize("text, kind, value, df1, df2, p_op, p", [
    ("t(28) = 2.20, p = .03", "t", 2.20, 28, None, "=", 0.03),
    ("t(28)=2.20,p=.03", "t", 2.20, 28, None, "=", 0.03),
    (" t ( 28 ) = 2.20 , p = .03", "t", 2.20, 28, None, "=", 0.03),
    ("t(28) = \u22122.20, p<.001", "t", -2.20, 28, None, "<", 0.001),  # a minus glyph, no spaces around <
    ("t(28) = \u2013 2.20, p = .03", "t", -2.20, 28, None, "=", 0.03),  # an en dash and a space
    ("t(28.1) = 2.20, p = 0.03", "t", 2.20, 28.1, None, "=", 0.03),
    ("t[28] = 2.2; p = .03", "t", 2.2, 28, None, "=", 0.03),
    ("F(2,25) = 11.37, MSE = 236.43, p < .01", "F", 11.37, 2, 25, "<", 0.01),
    ("F{1, 40} = 4.2, p = .05", "F", 4.2, 1, 40, "=", 0.05),
    ("r(48) =\r\n.32, p = .02", "r", 0.32, 48, None, "=", 0.02),  # a line break inside the statistic
    ("r = -.27, p < .01", "r", -0.27, None, None, "<", 0.01),
    ("\u03c7\u00b2(1, N = 90) = 4.20, p = .04", "chi2", 4.20, 1, None, "=", 0.04),
    ("X2(28) = 2.20, p = .03", "chi2", 2.20, 28, None, "=", 0.03),
    ("x^2(28) = 2.20, p = .03", "chi2", 2.20, 28, None, "=", 0.03),
    ("chi-square(1, n = 81) = 3.25, p = 0.07", "chi2", 3.25, 1, None, "=", 0.07),
    ("dropout differed, 2(1, N = 11,455) = 16.78, p <.001", "chi2", 16.78, 1, None, "<", 0.001),  # χ lost
    ("Z = 2.1, p = .04", "z", 2.1, None, None, "=", 0.04),
    ("t(191) = 8.22, p < . 001", "t", 8.22, 191, None, "<", 0.001),
    ("t(28) = 2.20, ns", "t", 2.20, 28, None, "ns", None),
    ("Cohen\u2019s d = 0.45", "d", 0.45, None, None, "", None),
    ("Hedges\u2019 g = \u22120.31", "d", -0.31, None, None, "", None),
    ("OR = 2.30, 95% CI [1.20, 4.40]", "OR", 2.30, None, None, "", None),
    ("\u03b2 = .21, p = .01", "beta", 0.21, None, None, "=", 0.01),
])
def test_each_style_is_read_with_its_numbers(text, kind, value, df1, df2, p_op, p):
    s = one(text)
    assert (s.kind, s.value, s.df1, s.df2, s.p_op, s.p) == (kind, value, df1, df2, p_op, p)
    assert normalise(text[s.start:s.end]).text == s.raw  # the offsets index the original text


@pytest.mark.parametrize("text, kind, value, df1, df2, op, p_op, p, sign_lost", [
    # what real publishers' PDFs give when copied (classes seen on real papers, benchmarks/real_papers.py)
    ("groups differed, t(54) = ?3.41, p < .01", "t", 3.41, 54, None, "=", "<", 0.01, True),  # minus lost
    ("the slope, z = \ufffd1.98, p = .048", "z", 1.98, None, None, "=", "=", 0.048, True),
    ("fit was poor, ??2(12) = 30.15, p < .01", "chi2", 30.15, 12, None, "=", "<", 0.01, False),  # chi lost
    ("(?2(3, N = 402) = 9.88, p = .02)", "chi2", 9.88, 3, None, "=", "=", 0.02, False),
    ("liking rose, t(88) \u00bc 2.61, p \u00bc .011, h2 \u00bc .08", "t", 2.61, 88, None, "=", "=", 0.011, False),
    ("F(2, 140) \u00bc 3.90, MSE \u00bc 1.22, p < .05", "F", 3.90, 2, 140, "=", "<", 0.05, False),
    ("as in the example Bt(22) = 2.35, p = .03^ above", "t", 2.35, 22, None, "=", "=", 0.03, False),  # quote as B
    ("e.g., BF(3, 96) = 5.02, p < .01^", "F", 5.02, 3, 96, "=", "<", 0.01, False),
    ("main effect, F(l, 58) = 7.12, p = .01", "F", 7.12, 1, 58, "=", "=", 0.01, False),  # 1 set as l
    ("model fit improved, G2(2) = 11.40, p = .003", "chi2", 11.40, 2, None, "=", "=", 0.003, False),
    ("no other effect, Fs(2, 310)b1.20, psN.30", "F", 1.20, 2, 310, "<", ">", 0.30, False),  # < as b, > as N
    ("reliable, F(1, 310)=9.40, pb.01", "F", 9.40, 1, 310, "=", "<", 0.01, False),
    ("choice shifted, F(1, 88) p 7.41, p ! .01", "F", 7.41, 1, 88, "=", "<", 0.01, False),  # = as p, < as !
    ("b p .44, t(51) p 2.90, p p .005", "t", 2.90, 51, None, "=", "=", 0.005, False),
    ("x2 (1, N p 1,204) p 5.20, p ! .05", "chi2", 5.20, 1, None, "=", "<", 0.05, False),
    ("no difference, F(1, 30) p 1.02, NS", "F", 1.02, 1, 30, "=", "ns", None, False),
    ("a main effect (F = 5.92,\np = .018)", "F", 5.92, None, None, "=", "=", 0.018, False),  # F without df
])
def test_what_real_pdfs_do_to_statistics(text, kind, value, df1, df2, op, p_op, p, sign_lost):
    s = one(text)
    assert (s.kind, s.value, s.df1, s.df2, s.op, s.p_op, s.p) == (kind, value, df1, df2, op, p_op, p)
    assert s.sign_lost is sign_lost
    assert ("sign was lost" in s.warning) is sign_lost  # the coder is told to look at the page
    assert normalise(text[s.start:s.end]).text == s.raw


def test_a_statistic_cut_by_a_running_head_reads_whole():
    head = "J Clin Demo Res (2019) 7:101-118"
    text = (f"{head}\n\nThe groups differed in how they rated the sessions.\n\n{head}\n\nWe found the effect "
            f"again (F(3,\n\n{head}\n\n112) = 6.20, p < .001) in the second sample.")
    [f] = [s for s in find_statistics([text]) if s.kind == "F"]
    assert (f.value, f.df1, f.df2, f.p_op, f.p) == (6.20, 3, 112, "<", 0.001)
    assert text[f.start:f.end].startswith("F(3,") and text[f.start:f.end].endswith("p < .001")
    # a line said once, or one with a relation sign in it, is no running head
    once = "Results (Study 2) follow.\nF(1, 40) = 4.10, p = .05"
    assert [s.value for s in find_statistics([once]) if s.kind == "F"] == [4.10]


def test_two_results_in_one_sentence_get_their_own_p():
    text = "Both effects held, F(1, 42) = 12.6 and\n4.31, p < .001 and p = .04, respectively."
    a, b = [s for s in find_statistics([text]) if s.kind == "F"]
    assert (a.value, a.df1, a.df2, a.p_op, a.p) == (12.6, 1, 42, "<", 0.001)
    assert (b.value, b.df1, b.df2, b.p_op, b.p) == (4.31, 1, 42, "=", 0.04)
    assert b.check is not None and b.check.consistent  # F(1, 42) = 4.31 gives p = .044


def test_glyph_substitutes_do_not_make_statistics_of_prose():
    text = ("About 1\u00bc hours per session (Study 2). Table 2b lists 2(3) items. Model B2(a) and the Fs of "
            "Table 4 are given in Appendix N. The ratio was 3 b 1 in group ? 2. Scale F = 4 items, and "
            "condition (p 2) had F(1) p 3 cases; see p 12.")
    assert [s for s in find_statistics([text]) if s.kind != "n"] == []


def test_pdf_artefacts_are_undone_and_offsets_point_into_the_original():
    raw = "Alliance was signi-\r\nficant (WAI; e\ufb03cacy), r(62) = \u2212.31, p = .01."
    m = normalise(raw)
    assert "significant" in m.text and "efficacy" in m.text and "r(62) = -.31" in m.text
    s = one(raw)
    assert raw[s.start:s.end] == "r(62) = \u2212.31, p = .01" and s.r == -0.31 and s.n == 64


def test_z_without_n_and_beta_say_why_not():
    z = one("The two correlations differed, z = 2.10, p = .036.")
    assert z.r is None and "no N is given" in z.why_not_r and z.suggestion().statistic == "ztest"  # N typed
    beta = one("Alliance predicted outcome over baseline, \u03b2 = .24, p = .01.")
    assert beta.r is None and "no conversion" in beta.why_not_r and beta.suggestion().statistic == ""
    bound = one("No other effect, t(40) < 1.")
    assert bound.op == "<" and bound.suggestion().statistic == "" and "bound" in bound.why_not_r


def test_cues_come_from_the_statistics_own_clause_and_not_from_plain_prose_words():
    text = ("Clients were 58 veterans (mean age 41). The client-rated WAI predicted change, r(56) = .41, p = .001; "
            "the therapist-rated alliance did so less strongly, r(56) = .18, p = .17.")
    first, second = [s for s in find_statistics([text]) if s.kind == "r"]
    assert first.cues["alliance_rater"]["value"] == "client" and second.cues["alliance_rater"]["value"] == "therapist"
    assert "alliance_time" not in first.cues  # "mean age" is no averaged alliance


def test_two_statistics_in_one_sentence_each_take_the_cues_of_their_own_words_first():
    """A longer term elsewhere in the sentence (``drop-out`` after the r) does not win over the statistic's own
    (``BDI-II`` before it); a cue only after a statistic, or only elsewhere in the sentence, is still found."""
    text = ("The client-rated alliance predicted BDI-II change, r(58) = .34, p = .008, and drop-out did not, "
            "t(58) = 1.20, p = .24. The CALPAS was related to change, r(40) = .22, p = .16, on the SCL-90.")
    r, t, r2 = [s for s in find_statistics([text]) if s.kind != "n"]
    assert r.cues["outcome_measure"]["text"] == "BDI-II" and t.cues["outcome_measure"]["value"] == "dropout"
    assert r.cues["alliance_rater"]["value"] == t.cues["alliance_rater"]["value"] == "client"
    assert r2.cues["outcome_measure"]["value"] == "SCL-90" and r2.cues["alliance_measure"]["value"] == "CALPAS"


def test_an_n_nearby_that_the_df_do_not_imply_is_a_cue_conflict():
    text = "Of the 120 clients who began (N = 120), 64 completed. Early WAI predicted outcome, r(62) = .31, p = .01."
    r = one(text)
    assert r.cues["n"]["value"] == 120 and r.implied_n() == 64 and r.cue_conflicts() == ["n"]
    fits = one("All 64 completers (N = 64) were analysed: the WAI predicted outcome, r(62) = .31, p = .01.")
    assert fits.cue_conflicts() == [] and fits.n == 64


def test_sample_sizes_conversions_and_why_not():
    text = ("Participants were 120 adults (N = 120). The WAI rated by clients at session 3 predicted BDI change, "
            "r(118) = .30, p < .001. Groups differed, F(2, 117) = 5.10, p = .008, and t(118) = 2.50, p = .014. "
            "Completion: \u03c7\u00b2(1, N = 120) = 6.00, p = .014; z = 2.45, p = .014.")
    found = {s.kind: s for s in find_statistics([text])}
    assert found["n"].value == 120 and found["r"].r == 0.30 and found["r"].n == 120
    assert found["t"].r == pytest.approx(2.5 / (2.5 ** 2 + 118) ** 0.5, abs=1e-4)
    assert found["chi2"].r == pytest.approx((6 / 120) ** 0.5, abs=1e-4)
    assert "no single correlation" in found["F"].why_not_r and found["F"].r is None
    # a z test is coded as MetaSift's z test with the total N (r = z / sqrt(N)); the N is the one nearby
    assert found["z"].r == pytest.approx(2.45 / 120 ** 0.5, abs=1e-4)
    assert found["z"].suggestion().statistic == "ztest"
    for raw in (text, text.replace("\u03c7", "X")):
        for s in find_statistics([raw]):  # every cue points at its words on the page, for the highlights
            for cue in s.cues.values():
                assert normalise(raw[cue["start"]:cue["end"]]).text == cue["text"]
    cues = found["r"].cues
    assert cues["alliance_measure"]["value"] == "WAI" and cues["alliance_rater"]["value"] == "client"
    assert cues["outcome_measure"]["value"] == "BDI" and cues["alliance_session"]["value"] == 3
    sug = found["r"].suggestion().to_json()
    assert sug == {"statistic": "r", "value": 0.30, "df": 118.0, "n": 120, "location": "p. 1",
                   "quote": "r(118) = .30, p < .001",
                   "moderators": {"alliance_measure": "WAI", "alliance_rater": "client", "outcome_measure": "BDI",
                                  "alliance_session": 3}}


needs_statcheck = pytest.mark.skipif(not IN_CI and not statcheck_available(),
                                     reason="R with statcheck is not installed (CI installs r-cran-statcheck)")


@needs_statcheck
def test_p_checks_agree_with_statcheck(tmp_path):
    """The same results, some misreported, checked by MetaSift and by statcheck: the same flags."""
    results = ["t(28) = 2.20, p = .03", "t(28) = 2.20, p = .04", "t(30) = 1.80, p < .05", "t(30) = 2.10, p < .05",
               "F(1, 40) = 4.20, p = .05", "F(2, 56) = 3.30, p = .01", "r(48) = .32, p = .02", "r(48) = .32, p = .2",
               "z = 2.10, p = .04", "z = 1.50, p = .04", "t(100) = 1.00, p > .05", "t(100) = 3.00, p > .05",
               "chi2(1) = 4.20, p = .04", "chi2(2) = 3.00, p = .01", "t(58) = 2.00, p = .050",
               "Q(10) = 18.31, p = .05", "Q(10) = 25.00, p = .20", "Qb(2) = 6.00, p = .06", "Qw(12) = 30.1, p = .30"]
    (tmp_path / "checks.txt").write_text(". ".join(results) + ".", encoding="utf-8")
    run = run_statcheck_flags(tmp_path)
    mine = [(s.check.consistent, s.check.decision_error) for s in find_statistics([". ".join(results)])
            if s.check is not None]
    assert len(mine) == len(results) == len(run)
    assert mine == run


def run_statcheck_flags(folder):
    import csv
    import subprocess

    script = folder / "flags.R"
    script.write_text('suppressMessages(library(statcheck)); x <- readLines(commandArgs(TRUE)[1], warn = FALSE);'
                      'r <- statcheck(x, messages = FALSE); write.csv(r, commandArgs(TRUE)[2], row.names = FALSE)')
    out = folder / "flags.csv"
    subprocess.run(["Rscript", str(script), str(folder / "checks.txt"), str(out)], check=True, timeout=300,
                   capture_output=True)
    with open(out, newline="") as fh:
        return [(row["error"] == "FALSE", row["decision_error"] == "TRUE") for row in csv.DictReader(fh)]


@pytest.fixture(scope="module")
def truth_pdfs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("truth")
    docs = make_docs(count=12, seed=7)
    return docs, write_docs(docs, folder), folder


def test_recall_and_precision_on_pdfs_in_several_layouts(truth_pdfs):
    from screening.fulltext.pdf import read_pdf

    docs, paths, _ = truth_pdfs
    tp = fp = fn = 0
    for doc, path in zip(docs, paths, strict=True):
        found = find_statistics(read_pdf(path.read_bytes(), path.name).page_text)
        a, b, c = score([(s.kind, s.value, s.df1) for s in found], doc.truth)
        tp, fp, fn = tp + a, fp + b, fn + c
    assert tp + fn == sum(len(d.truth) for d in docs) > 200
    assert tp / (tp + fn) >= 0.95 and tp / (tp + fp) >= 0.98


@needs_statcheck
def test_recall_at_least_statchecks_on_the_results_it_reads(truth_pdfs):
    from screening.fulltext.pdf import read_pdf

    docs, paths, folder = truth_pdfs
    theirs = run_statcheck(folder, "txt")
    ours = [0, 0, 0]
    sc = [0, 0, 0]
    for doc, path in zip(docs, paths, strict=True):
        truth = [t for t in doc.truth if t.statcheck]
        found = [s for s in find_statistics(read_pdf(path.read_bytes(), path.name).page_text) if s.p is not None]
        for acc, got in ((ours, [(s.kind, s.value, s.df1) for s in found]), (sc, theirs.found.get(doc.name, []))):
            for i, x in enumerate(score(got, truth)):
                acc[i] += x
    assert sc[0] > 0, "statcheck found nothing: the comparison would prove nothing"
    assert ours[0] / (ours[0] + ours[2]) >= sc[0] / (sc[0] + sc[2])


def test_cli_stats_on_a_file_and_on_a_records_pdf(review, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("METASIFT_USER", "ann")
    pdf = tmp_path / "paper.pdf"
    write_pdf(pdf, ["Title page. Participants were adults (N = 64).",
                    "Results. The client-rated WAI at session 2 predicted BDI change, r(62) = .31, p = .01, "
                    "and the F test gave F(1, 62) = 6.6, p = .30."], font="dejavu", columns=2)
    assert main(["stats", str(pdf), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    kinds = [(s["kind"], s["page"]) for s in data["statistics"]]
    assert kinds == [("n", 1), ("r", 2), ("F", 2)]
    f = data["statistics"][2]
    assert f["p_check"]["consistent"] is False and f["p_check"]["decision_error"] is True
    assert "decision error" in f["warning"]
    html = tmp_path / "paper.html"
    html.write_text("<html><body><p>The effect was <i>t</i>(28) = 2.20, <i>p</i> = .03.</p></body></html>")
    assert main(["stats", str(html), "--json"]) == 0
    assert [s["raw"] for s in json.loads(capsys.readouterr().out)["statistics"]] == ["t(28) = 2.20, p = .03"]
    recs = add_studies(review)
    store.attach(review, recs["P1"], pdf, "ann")
    target = review.target if review.is_sqlite else review.handover_target()
    assert main(["stats", target, "--record", "P1", "--kind", "r", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["record"] == "P1" and [s["raw"] for s in data["statistics"]] == ["r(62) = .31, p = .01"]
    assert data["statistics"][0]["suggestion"]["moderators"]["alliance_measure"] == "WAI"
    assert main(["stats", str(tmp_path / "missing.txt")]) == 2
    assert "missing.txt: no such file" in capsys.readouterr().err


def test_use_a_found_statistic_the_effect_keeps_its_page_and_quote_and_the_export_has_them(review, tmp_path,
                                                                                        capsys, monkeypatch):
    from extraction.coding import code_effect
    from extraction.export_frames import effects_frame
    from screening import decisions

    monkeypatch.setenv("METASIFT_USER", "ann")
    recs = add_studies(review)
    pdf = tmp_path / "p2.pdf"
    write_pdf(pdf, ["Early alliance predicts symptom change. Method: 58 adults.",
                    "Results. Client-rated alliance on the WAI at session 3 and BDI change: r(56) = .41, p = .001."])
    res = store.attach(review, recs["P2"], pdf, "ann")
    for stage in ("title_abstract", "full_text"):
        for who in ("ann", "bob"):
            decisions.decide(review, recs["P2"], who, stage, "include")
    target = review.target if review.is_sqlite else review.handover_target()
    code = main(["code", target, "--record", "P2", "--from-stat", "1", "--label", "BDI", "--mod",
                 "alliance_time=early", "--mod", "treatment=CBT", "--mod", "pub_source=journal",
                 "--mod", "outcome_rater=client", "--json"])
    out = capsys.readouterr()
    assert code == 0, out.err
    e = json.loads(out.out)["effect"]
    assert (e["statistic"], e["value"], e["n"], e["location"]) == ("r", 0.41, 58, "p. 2")
    assert e["provenance"] == {"source": "full text", "pdf": res.sha256, "page": 2, "quote": "r(56) = .41, p = .001",
                               "start": e["provenance"]["start"], "end": e["provenance"]["end"], "kind": "r"}
    assert e["moderators"]["alliance_measure"] == "WAI" and e["moderators"]["alliance_rater"] == "client"
    code_effect(review, recs["P2"], "ann", "r", 0.2, n=58, label="typed one", location="Table 2",
                moderators={**e["moderators"]})
    frame = effects_frame(review)
    rows = {r["label"]: r for r in frame.to_dict("records")}
    assert rows["BDI"]["found_in"] == "full text" and rows["BDI"]["page"] == 2
    assert rows["BDI"]["quote"] == "r(56) = .41, p = .001" and rows["typed one"]["found_in"] == "typed"
    assert main(["code", target, "--record", "P2", "--from-stat", "9"]) == 2
    assert "has 1 statistics found" in capsys.readouterr().err
