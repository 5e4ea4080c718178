"""Schemathesis against the real server: every operation of the API document as every role and
without a token, in a bounded, seeded quick mode (``tests/api/fuzz_judge.py`` says what a
finding is). ``benchmarks/api_fuzz.py`` runs the same harness longer."""

from __future__ import annotations

import pytest
import requests
import schemathesis
from hypothesis import find
from schemathesis import GenerationMode
from schemathesis.core.transport import Response

from appliance.auth.roles import ROLES
from tests.api.fuzz_judge import Caller, Finding, judge
from tests.api.fuzzing import CALLERS, NO_TOKEN, Budget, demo_server, fuzz
from tests.conftest import Browser

# About 15 s of fuzzing on two cores with the operations of today; past ``seconds`` every pair
# left gets one case, so an API that grows keeps the suite bounded and still calls everything.
QUICK = Budget(positive=12, negative=6, refused=2, pair_seconds=2.0, seconds=30.0)


@pytest.fixture(scope="module")
def target(tmp_path_factory):
    with demo_server(tmp_path_factory.mktemp("fuzz")) as served:
        yield served


def test_every_operation_as_every_role_answers_as_its_document_and_role_table_say(target):
    report = fuzz(target, QUICK)
    # The figures (budget_ran_out among them: past QUICK.seconds each pair left had one case).
    print(report.figures())  # noqa: T201 - for -s and for the log of a red run
    assert {"GET /api/v1/lists", "POST /api/v1/suppressions"} <= set(report.operations)
    assert report.callers == list(CALLERS)
    assert not report.unexercised(), report.unexercised()
    assert sum(report.cases.values()) >= len(report.operations) * len(CALLERS)
    for finding in report.findings.values():
        assert not any(c.token and c.token in finding.reproduction for c in target.callers)
    found = "\n".join(str(f) for f in report.findings.values())
    assert not report.findings, f"{found}\n\nThe server's last lines:\n{target.server.log()}"


# The judge on answers made here: the findings the harness exists to catch.

STAFF, RESEARCHER = Caller("staff", "apl_staff-secret"), Caller("researcher", "apl_r-secret")
NOBODY = Caller(NO_TOKEN, None)
TOKENS = ["apl_staff-secret", "apl_r-secret"]


@pytest.fixture
def schema(app):
    return schemathesis.openapi.from_dict(Browser(app).get("/api/openapi.json").get_json())


def answer(status: int, body: bytes, media: str = "application/json") -> Response:
    request = requests.Request("GET", "http://127.0.0.1/api/v1/lists").prepare()
    return Response(status, {"Content-Type": [media]}, body, request, 0.01, True)


def test_the_judge_holds_each_caller_to_the_role_table(schema):
    lists = schema["/api/v1/lists"]["GET"]
    case = lists.Case()
    assert "contacts.manage" in ROLES["staff"] and "contacts.manage" not in ROLES["researcher"]
    assert judge(lists, STAFF, case, answer(200, b"[]"), TOKENS) == []
    assert judge(lists, RESEARCHER, case, answer(403, b'{"error": "no"}'), TOKENS) == []
    assert judge(lists, NOBODY, case, answer(401, b'{"error": "no"}'), TOKENS) == []
    assert judge(lists, RESEARCHER, case, answer(200, b"[]"), TOKENS) == [
        "the role lacks contacts.manage: expected [403]"
    ]
    assert judge(lists, NOBODY, case, answer(403, b'{"error": "no"}'), TOKENS) == [
        "the role lacks contacts.manage: expected [401]"
    ]
    assert judge(lists, STAFF, case, answer(403, b'{"error": "no"}'), TOKENS) == [
        "the role holds contacts.manage and its token has the scope"
    ]


def test_a_path_no_route_matches_may_answer_404_before_the_guard(schema):
    show = schema["/api/v1/imports/{import_id}"]["GET"]
    missing = answer(404, b'{"error": "not found"}')
    assert judge(show, RESEARCHER, show.Case(path_parameters={"import_id": -1}), missing, []) == []
    assert judge(show, RESEARCHER, show.Case(path_parameters={"import_id": 1}), missing, []) == [
        "the role lacks contacts.manage: expected [403]"
    ]


def test_the_judge_finds_tokens_and_errors_that_are_not_json(schema):
    lists = schema["/api/v1/lists"]["GET"]
    case = lists.Case()
    leaked = answer(200, b'[{"name": "apl_r-secret"}]')
    assert judge(lists, STAFF, case, leaked, TOKENS) == ["the answer contains an API token"]
    page = answer(404, b"<h1>Not found</h1>", "text/html")
    assert judge(lists, STAFF, case, page, TOKENS) == [
        'an error answer that is not JSON {"error": "..."}'
    ]
    assert judge(lists, STAFF, case, answer(409, b'{"message": "x"}'), TOKENS) == [
        'an error answer that is not JSON {"error": "..."}'
    ]


def test_input_that_matches_the_document_is_not_refused_with_400(schema):
    add = schema["/api/v1/suppressions"]["POST"]
    refused = answer(400, b'{"error": "addresses: bad"}')
    matching = find(add.as_strategy(GenerationMode.POSITIVE), lambda case: True)
    breaking = find(add.as_strategy(GenerationMode.NEGATIVE), lambda case: True)
    assert judge(add, STAFF, matching, refused, TOKENS) == [
        "input that matches the document refused with 400"
    ]
    assert judge(add, STAFF, breaking, refused, TOKENS) == []
    assert judge(add, NOBODY, matching, answer(401, b'{"error": "token"}'), TOKENS) == []


def test_a_finding_reads_as_operation_role_status_and_a_command_without_the_token():
    finding = Finding(
        "POST /api/v1/suppressions",
        "staff",
        500,
        "Server error",
        "curl -X POST -H 'Authorization: Bearer $TOKEN_STAFF' http://127.0.0.1:1/api/v1/x",
        seen=3,
    )
    assert str(finding).splitlines() == [
        "POST /api/v1/suppressions as staff -> 500: Server error (3x)",
        "    curl -X POST -H 'Authorization: Bearer $TOKEN_STAFF' http://127.0.0.1:1/api/v1/x",
    ]
