"""Schemathesis against the real appliance, driven only by ``/api/openapi.json``.

:func:`demo_server` serves (``appliance serve``, 127.0.0.1) a throw-away data directory filled by
``appliance demo`` plus the test cast, the researcher granted the demo survey and the interviewer
assigned it, and makes one token per role with every scope the role can give a token
(``appliance.auth.tokens.grantable``). :func:`fuzz` then fuzzes every operation the document
lists, as every caller: each role's token, and a caller without a token (no header, or a made-up
one), so an operation added later is fuzzed without a line here.

What makes an answer a finding is said in :mod:`tests.api.fuzz_judge`.

The run is repeatable: every read first, operation by operation as every caller, while the
demo data is whole; then the writes, caller by caller (the admin last: its writes may touch the
accounts behind the other tokens), each in path order; every operation x caller x mode draws
from its own seed. Path ids come half from what the collections list (``GET .../<things>``
gives the ids of the ``{..._id}`` after ``<things>/``; id 1 when none lists them), half from
the generator, so cases reach past the 404. The time limits of a :class:`Budget` only cut a
pair's cases short, to a prefix of the same sequence.
"""

from __future__ import annotations

import contextlib
import shlex
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import islice, product
from pathlib import Path
from typing import Any

import requests
import schemathesis
from hypothesis import HealthCheck, Phase, Verbosity, given, seed, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from jsonschema import Draft202012Validator
from schemathesis import GenerationMode

from appliance import db
from appliance import demo as demo_data
from appliance.cli import initialise
from appliance.settings import load as load_settings
from tests.api.fuzz_judge import Caller, Finding, problems
from tests.api.helpers import token_for
from tests.conftest import _cast
from tests.serving import Server, running_server

NO_TOKEN = "none"
CALLERS = ("admin", "staff", "researcher", "interviewer", NO_TOKEN)
READS = frozenset({"GET", "HEAD"})
REQUEST_TIMEOUT = 30  # seconds for one answer; a hang is a finding, not a stuck suite
KNOWN_IDS = 3  # ids per path parameter taken from the collections


@dataclass(frozen=True)
class Target:
    """The served appliance (its output in ``server.output``) and the callers with their
    tokens."""

    server: Server
    callers: tuple[Caller, ...]

    @property
    def base_url(self) -> str:
        return self.server.base_url


@dataclass(frozen=True)
class Budget:
    """Examples per operation x caller: ``positive`` and ``negative`` (input that does not match
    the document) for a caller whose role holds the action, ``refused`` for the others (the guard
    answers before the input is read). ``pair_seconds`` bounds one operation x caller: past it,
    its cases end (at least one per mode; a schema that is slow to generate from, such as one
    with ``if``/``then``, gets fewer; they are a prefix of the same seeded sequence).
    ``seconds`` bounds the run: past it, every pair left gets one example (each is still
    called; the report says the budget ran out)."""

    positive: int
    negative: int
    refused: int
    pair_seconds: float = 60.0
    seconds: float | None = None


@dataclass
class Report:
    operations: list[str] = field(default_factory=list)
    callers: list[str] = field(default_factory=list)
    cases: Counter = field(default_factory=Counter)  # (operation, caller) -> cases sent
    seconds_per_operation: dict[str, float] = field(default_factory=dict)
    findings: dict[tuple, Finding] = field(default_factory=dict)
    seconds: float = 0.0
    budget_ran_out: bool = False

    def add(self, finding: Finding) -> None:
        key = (finding.operation, finding.caller, finding.status, finding.problem)
        if key in self.findings:
            self.findings[key].seen += 1
        else:
            self.findings[key] = finding

    def unexercised(self) -> list[tuple[str, str]]:
        """The operation x caller pairs that sent no case."""
        return [(o, c) for o in self.operations for c in self.callers if not self.cases[o, c]]

    def text(self) -> str:
        found = "\n".join(str(f) for f in self.findings.values()) or "no findings"
        return f"{len(self.findings)} finding(s):\n{found}"

    def figures(self) -> dict[str, Any]:
        cases = sum(self.cases.values())
        return {
            "operations": len(self.operations),
            "roles": len(self.callers),
            "cases": cases,
            "failures": len(self.findings),
            "seconds": round(self.seconds, 1),
            "cases_per_second": round(cases / self.seconds, 1) if self.seconds else 0,
            "budget_ran_out": self.budget_ran_out,
            "per_operation": {
                op: {
                    "cases": sum(n for (o, _), n in self.cases.items() if o == op),
                    "seconds": round(self.seconds_per_operation.get(op, 0.0), 2),
                }
                for op in self.operations
            },
        }


@contextmanager
def demo_server(tmp_path: Path) -> Iterator[Target]:
    """The appliance serving the demo data and the cast, with a token per role."""
    data_dir = tmp_path / "data"
    values = load_settings({"data_dir": str(data_dir)}, environ={})
    for _line in initialise(values):
        pass
    demo_data.fill(values)  # before serving: the scheduler never races the demo's sending
    # One process: cases are sent one at a time, and the client's generating needs the cores.
    with running_server(tmp_path, workers="1") as server:
        cast = _cast(data_dir)  # after the start: serve prints a setup code while no admin exists
        conn = db.connect(db.db_path(data_dir))
        try:
            survey_id = conn.execute("SELECT min(id) FROM surveys").fetchone()[0]
            conn.executemany(
                "INSERT INTO researcher_grants (user_id, survey_id) VALUES (?, ?)",
                [(cast[role].id, survey_id) for role in ("researcher", "interviewer")],
            )
            callers = tuple(
                Caller(name, token_for(conn, cast[name], name="fuzzing") if name in cast else None)
                for name in CALLERS
            )
        finally:
            conn.close()
        yield Target(server, callers)


def fuzz(
    target: Target,
    budget: Budget,
    seed_value: int = 0,
    progress: Callable[[str], None] | None = None,
) -> Report:
    """Fuzz every operation of the served document as every caller; see the module's text."""
    session = requests.Session()
    session.trust_env = False  # 127.0.0.1 only: never through a proxy from the environment
    document = session.get(f"{target.base_url}/api/openapi.json", timeout=REQUEST_TIMEOUT).json()
    schema = schemathesis.openapi.from_dict(document)
    operations = [result.ok() for result in schema.get_all_operations()]
    operations.sort(key=lambda op: (op.method.upper() not in READS, op.path, op.method.upper()))
    report = Report(
        operations=[_label(op) for op in operations], callers=[c.name for c in target.callers]
    )
    tokens = [c.token for c in target.callers if c.token]
    known = _known_ids(session, target, operations)
    started = time.monotonic()
    for op, caller in _order(operations, target.callers):
        over = budget.seconds is not None and time.monotonic() - started > budget.seconds
        report.budget_ran_out |= over
        pair_started = time.monotonic()
        run = _Run(target, session, report, tokens, op, caller)
        holds = caller.holds(op.definition.raw.get("x-action", ""))
        counts = [
            (GenerationMode.POSITIVE, budget.positive if holds else budget.refused),
            (GenerationMode.NEGATIVE, budget.negative if holds else 0),
        ]
        counts = [(mode, min(count, 1) if over else count) for mode, count in counts]
        total = sum(count for _, count in counts)
        choices = _path_choices(op, known)
        for mode, count in counts:
            with_known = (count + 1) // 2 if choices else 0
            for part, (examples, fixed) in enumerate(
                [(with_known, choices), (count - with_known, None)]
            ):
                if examples:
                    key = f"{seed_value}:{_label(op)}:{caller.name}:{mode.value}:{part}"
                    share = budget.pair_seconds * examples / total
                    run.draw(mode, examples, zlib.crc32(key.encode()), fixed, share)
        spent = time.monotonic() - pair_started
        seconds = report.seconds_per_operation
        seconds[_label(op)] = seconds.get(_label(op), 0.0) + spent
        if progress:
            n = report.cases[_label(op), caller.name]
            progress(f"{_label(op):62} {caller.name:12} {n:5} cases {spent:6.2f} s")
    report.seconds = time.monotonic() - started
    return report


def _order(operations, callers: tuple[Caller, ...]) -> list[tuple[Any, Caller]]:
    """Every read as every caller while the demo data is whole; then the writes, caller by
    caller (the admin last: its writes may change accounts, and so the other callers' tokens)."""
    reads = [op for op in operations if op.method.upper() in READS]
    writes = [op for op in operations if op.method.upper() not in READS]
    last = sorted(callers, key=lambda c: c.name == "admin")
    return [(op, c) for op in reads for c in callers] + [(op, c) for c in last for op in writes]


class _Enough(Exception):
    """Ends a pair's cases when its time is up (hypothesis has no other way to stop early)."""


def _label(op) -> str:
    return f"{op.method.upper()} {op.path}"


class _Run:
    """The cases of one operation for one caller."""

    def __init__(self, target, session, report, tokens, op, caller):
        self.target, self.session, self.report = target, session, report
        self.tokens, self.op, self.caller = tokens, op, caller

    def draw(
        self, mode: GenerationMode, examples: int, seed_value: int, fixed, seconds: float
    ) -> None:
        """Up to ``examples`` cases in ``mode`` (path ids from ``fixed`` when given), ending
        after the first once ``seconds`` have passed."""
        ends, sent = time.monotonic() + seconds, []
        headers = {"Authorization": f"Bearer {self.caller.token}"} if self.caller.token else None
        if fixed:
            strategy = st.sampled_from(fixed).flatmap(
                lambda ids: self.op.as_strategy(mode, headers=headers, path_parameters=ids)
            )
        else:
            strategy = self.op.as_strategy(mode, headers=headers)

        @seed(seed_value)
        @settings(
            max_examples=examples,
            database=None,
            deadline=None,
            derandomize=False,
            phases=[Phase.generate],
            suppress_health_check=list(HealthCheck),
            verbosity=Verbosity.quiet,
        )
        @given(strategy)
        def one(case) -> None:
            if sent and time.monotonic() > ends:
                raise _Enough
            sent.append(1)
            self.call(case)

        # Unsatisfiable: no input breaks the document here (e.g. an operation that takes none).
        with contextlib.suppress(Unsatisfiable, _Enough):
            one()

    def call(self, case) -> None:
        label, caller = _label(self.op), self.caller
        self.report.cases[label, caller.name] += 1
        try:
            response = case.call(
                base_url=self.target.base_url, session=self.session, timeout=REQUEST_TIMEOUT
            )
        except requests.RequestException as exc:
            self.report.add(Finding(label, caller.name, None, type(exc).__name__, self.curl(case)))
            return
        found = problems(self.op, caller, case, response, self.tokens)
        if found:
            problem = "; ".join(dict.fromkeys(found))
            self.report.add(
                Finding(label, caller.name, response.status_code, problem, self.curl(case))
            )

    def curl(self, case) -> str:
        """The request as a curl command; a token's value is left to a shell variable."""
        command = case.as_curl_command(base_url=self.target.base_url)
        given = (case.headers or {}).get("Authorization")
        if self.caller.token:
            given = f"Bearer $TOKEN_{self.caller.name.upper()}"
        sent = "-H " + shlex.quote(f"Authorization: {given}") if given is not None else ""
        command = command.replace("-H 'Authorization: [Filtered]'", sent)
        for caller in self.target.callers:
            if caller.token:
                command = command.replace(caller.token, f"$TOKEN_{caller.name.upper()}")
        return command


def _known_ids(session, target: Target, operations) -> dict[str, list]:
    """Ids the collections list (``GET .../<things>`` with no required query parameter), by
    ``<things>``; a collection under a path id is read with an id found before it."""
    known: dict[str, list] = {}
    collections = [
        op
        for op in operations
        if op.method.upper() == "GET"
        and not op.path.endswith("}")
        and not any(
            p.get("required") and p["in"] == "query"
            for p in op.definition.raw.get("parameters", [])
        )
    ]
    for op in sorted(collections, key=lambda op: (op.path.count("{"), op.path)):
        holder = next((c for c in target.callers if c.holds(op.definition.raw["x-action"])), None)
        choices = _path_choices(op, known) or [{}]
        if holder is None or ("{" in op.path and choices == [{}]):
            continue
        answer = session.get(
            target.base_url + op.path.format(**choices[0]),
            headers={"Authorization": f"Bearer {holder.token}"},
            timeout=REQUEST_TIMEOUT,
        )
        body = answer.json() if answer.status_code == 200 else []
        items = body.get("items", []) if isinstance(body, dict) else body
        found = known.setdefault(op.path.rsplit("/", 1)[-1], [])
        for item in items:
            if isinstance(item, dict) and item.get("id") not in (None, *found):
                found.append(item["id"])
        del found[KNOWN_IDS:]
    return known


def _path_choices(op, known: dict[str, list]) -> list[dict[str, Any]]:
    """Path parameter values from ``known`` (or 1): the segment before ``{x}`` names the
    collection; only values that fit the parameter's schema."""
    params = [p for p in op.definition.raw.get("parameters", []) if p.get("in") == "path"]
    if not params:
        return []
    segments = op.path.split("/")
    values = []
    for param in params:
        index = segments.index("{" + param["name"] + "}")
        check = Draft202012Validator(param["schema"])
        found = [v for v in known.get(segments[index - 1], []) if check.is_valid(v)]
        found = found or [v for v in (1, "1") if check.is_valid(v)][:1]
        if not found:
            return []
        values.append(found)
    names = [p["name"] for p in params]
    return [dict(zip(names, combo, strict=True)) for combo in islice(product(*values), 4)]
