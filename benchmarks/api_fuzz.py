"""Schemathesis fuzzing of the whole API against the real server: the suite's harness
(``tests/api/fuzzing.py``), run longer.

Starts ``appliance serve`` on 127.0.0.1 with a throw-away data directory filled by
``appliance demo`` plus one account and one token per role, then fuzzes every operation of
``/api/openapi.json`` as the admin, staff, researcher and interviewer and without a token:
schema-valid input and input that breaks the document, path ids half from the collections.
A finding is a server error, an answer its document does not describe, a role that gets what
its role table does not give it (or is refused what it does), a token in an answer, or an error
that is not JSON ``{"error": ...}``.

``--quick`` stays under two minutes (setup included); the default run under ten. Progress goes
to stderr, one line per operation x caller; the findings follow, each with a curl command (the
token left to ``$TOKEN_<ROLE>``). Target: no finding. The last line is one JSON object:
operations, roles, cases, failures, seconds, cases per second, per operation.

    .venv/bin/python benchmarks/api_fuzz.py [--quick] [--seed N]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.api.fuzzing import Budget, demo_server, fuzz  # noqa: E402

QUICK = Budget(positive=40, negative=20, refused=4, pair_seconds=3.0, seconds=75.0)
FULL = Budget(positive=300, negative=150, refused=10, pair_seconds=20.0, seconds=510.0)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="fewer cases (under 2 minutes)")
    parser.add_argument("--seed", type=int, default=0, help="another seeded run (default 0)")
    args = parser.parse_args()
    budget = QUICK if args.quick else FULL
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp, demo_server(Path(tmp)) as target:
        setup = time.monotonic() - started
        print(f"serving {target.base_url} (setup {setup:.1f} s)", file=sys.stderr)
        report = fuzz(target, budget, args.seed, progress=lambda line: print(line, file=sys.stderr))
    print(report.text(), file=sys.stderr)
    figures = {
        **report.figures(),
        "setup_seconds": round(setup, 1),
        "seed": args.seed,
        "quick": args.quick,
        "unexercised": len(report.unexercised()),
        "target_met": not report.findings and not report.unexercised(),
    }
    figures["per_operation"] = figures.pop("per_operation")  # the long part last
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
