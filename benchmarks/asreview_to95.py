"""Run ``asreview simulate`` (ASReview's own command-line code, default model) until a given number of
relevant records is labelled, priors included, instead of until the last one: the benchmark stops both
tools at 95% recall, where WSS@95, RRF@10 and the records screened to 95% are all known.

    /work/asrvenv/bin/python benchmarks/asreview_to95.py FOUND simulate-arguments...

Runs inside ASReview's own virtual environment (never imported by MetaSift). ASReview's stoppers are
scikit-learn-style objects with ``stop(results, labels)``; the command picks ``LastRelevant`` when
``--n-stop`` is not given, so that name is pointed at a stopper that counts the relevant records found.
"""

from __future__ import annotations

import sys


def main() -> int:
    import asreview.simulation.cli as asr_cli

    found_needed = int(sys.argv[1])

    class FoundEnough(asr_cli.LastRelevant):
        name = "found_enough"

        def stop(self, results, data):  # noqa: ANN001, ANN201 - ASReview's stopper signature
            return int(results["label"].sum()) >= found_needed or len(results) >= len(data)

    asr_cli.LastRelevant = FoundEnough
    asr_cli._cli_simulate(sys.argv[2:])
    return 0


if __name__ == "__main__":
    sys.exit(main())
