"""Run ``asreview simulate`` (ASReview's own command-line code, default model) until a given number of
relevant records is labelled, priors included, instead of until the last one: the benchmark stops both
tools at 95% recall, where WSS@95, RRF@10 and the records screened to 95% are all known.

    /work/asrvenv/bin/python benchmarks/asreview_to95.py FOUND simulate-arguments...

With ``METASIFT_TIMING=FILE`` in the environment, it writes ``{"seconds_to_95", "seconds"}`` to FILE,
both by ``time.perf_counter`` from the call of ASReview's simulate command (after the imports; it then
reads the file, extracts the features, and screens) to the record that reached FOUND and to the end:
the same clock and the same span as the benchmark's timing of MetaSift (file read to 95% recall).

Runs inside ASReview's own virtual environment (never imported by MetaSift). ASReview's stoppers are
scikit-learn-style objects with ``stop(results, labels)``; the command picks ``LastRelevant`` when
``--n-stop`` is not given, so that name is pointed at a stopper that counts the relevant records found.
"""

from __future__ import annotations

import json
import os
import sys
import time


def main() -> int:
    import asreview.simulation.cli as asr_cli

    found_needed = int(sys.argv[1])
    timing: dict[str, float] = {}
    t0 = 0.0

    class FoundEnough(asr_cli.LastRelevant):
        name = "found_enough"

        def stop(self, results, data):  # noqa: ANN001, ANN201 - ASReview's stopper signature
            enough = int(results["label"].sum()) >= found_needed
            if enough and "seconds_to_95" not in timing:
                timing["seconds_to_95"] = time.perf_counter() - t0
            return enough or len(results) >= len(data)

    asr_cli.LastRelevant = FoundEnough
    t0 = time.perf_counter()
    asr_cli._cli_simulate(sys.argv[2:])
    timing["seconds"] = time.perf_counter() - t0
    if os.environ.get("METASIFT_TIMING"):
        with open(os.environ["METASIFT_TIMING"], "w", encoding="utf-8") as fh:
            json.dump(timing, fh)
    return 0


if __name__ == "__main__":
    sys.exit(main())
