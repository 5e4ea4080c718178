"""Dispositions per mode from a constructed set of calls and invitations, and the staff page of
response rates."""

from __future__ import annotations

import pytest

from appliance.interviews import rates_service, rates_store
from tests.conftest import audit_actions
from tests.factories import open_survey
from tests.interviews.dispositions_world import Sample


@pytest.fixture
def sample(conn, data_dir):
    survey_id = open_survey(conn)
    s = Sample(conn, data_dir, survey_id)
    email = s.campaign("email")
    for _ in range(2):
        s.invitation(email, used=True, states=["sent"])
    s.invitation(email, states=["sent"])
    s.invitation(email, states=["bounced"])
    s.invitation(email, states=["failed"])
    s.invitation(email, states=["bounced", "sent"])  # the reminder reached them after all
    s.invitation(email, states=["queued"])
    posted, waiting = s.campaign("post"), s.campaign("post")
    s.invitation(posted, used=True)
    s.invitation(posted)
    s.invitation(posted)
    s.letters_produced(posted, 3)
    s.invitation(waiting)
    phone = s.campaign("phone")
    s.calls(phone, {"complete": 2, "partial": 1, "refusal": 1, "busy": 1, "wrong_number": 1})
    s.call(phone, status="open", attempts=0)  # not called yet
    s.call(phone, status="suppressed", attempts=0)  # on the do-not-call list before a call
    s.call(phone, "no_answer", status="suppressed", attempts=2)  # went on it after two
    return s


def test_every_case_gets_the_disposition_of_its_mode(conn, sample):
    assert rates_store.dispositions(conn, sample.survey_id) == {
        "email": {"complete": 2, "nothing_returned": 2, "returned": 2, "not_sent": 1},
        "post": {"complete": 1, "nothing_returned": 2, "not_sent": 1},
        # The number suppressed before any call left the sample; the one after two attempts
        # keeps its last outcome.
        "phone": {
            "complete": 2,
            "partial": 1,
            "refusal": 1,
            "busy": 1,
            "wrong_number": 1,
            "not_attempted": 1,
            "no_answer": 1,
        },
    }


def test_the_rates_of_each_mode_and_of_all_modes(conn, sample):
    figures = rates_service.survey_rates(conn, sample.survey_id)
    by_mode = {m.mode: m for m in figures.modes}
    # Phone: I=2 P=1 R=1 NC=0 O=0 UH=busy+not_attempted+no_answer=3 NE=1 -> RR1 = 2/7,
    # e = 4/5, RR3 = 2 / (4 + 0.8 * 3) = 2 / 6.4.
    phone = by_mode["phone"].rates
    assert phone.rr1 == pytest.approx(2 / 7)
    assert phone.rr2 == pytest.approx(3 / 7)
    assert phone.e == pytest.approx(4 / 5)
    assert phone.rr3 == pytest.approx(2 / 6.4)
    # E-mail: I=2, UO=5, no NE: RR1 = 2/7 and e = 1 (nothing known to be ineligible).
    assert by_mode["email"].rates.rr1 == pytest.approx(2 / 7)
    assert by_mode["email"].rates.e == 1
    # Post: I=1 UO=3.
    assert by_mode["post"].rates.rr1 == pytest.approx(1 / 4)
    # All modes: I = 2+2+1 = 5, cases without NE = 7+7+4 = 18.
    assert figures.overall.groups["I"] == 5
    assert figures.overall.rates.rr1 == pytest.approx(5 / 18)


def test_staff_see_the_rates_page_and_choose_a_fixed_e(as_role, conn, sample):
    staff = as_role("staff")
    url = f"/interviews/rates/{sample.survey_id}"
    page = staff.get(url).get_data(as_text=True)
    assert "Wrong or non-working number" in page and "4.30" in page
    assert "28.6%" in page  # RR1 of the telephone and e-mail cases, 2/7
    r = staff.post(f"{url}/e", {"method": "fixed", "e": "0,5"})
    assert r.status_code == 302
    assert rates_store.chosen_e(conn, sample.survey_id) == 0.5
    assert audit_actions(conn)[-1] == "rates.e_chosen"
    page = staff.get(url).get_data(as_text=True)
    assert "0.50 (fixed)" in page
    # RR3 of the telephone with e = 0.5: 2 / (4 + 1.5) = 36.4%.
    assert "36.4%" in page
    staff.post(f"{url}/e", {"method": "fixed", "e": "1,5"})
    assert rates_store.chosen_e(conn, sample.survey_id) == 0.5  # refused, kept
    staff.post(f"{url}/e", {"method": "proportional"})
    assert rates_store.chosen_e(conn, sample.survey_id) is None


def test_a_survey_without_a_sample_has_no_rate(as_role, conn):
    survey_id = open_survey(conn)
    page = as_role("staff").get(f"/interviews/rates/{survey_id}").get_data(as_text=True)
    assert 'id="no-sample"' in page and 'id="mode-all"' not in page


@pytest.mark.parametrize("role", ["interviewer", "researcher", "admin"])
def test_only_staff_see_the_rates(as_role, sample, role):
    assert as_role(role).get(f"/interviews/rates/{sample.survey_id}").status_code == 403


def test_the_survey_page_links_the_rates_and_the_interviewer_figures(as_role, sample):
    page = as_role("staff").get(f"/surveys/{sample.survey_id}").get_data(as_text=True)
    assert f'href="/interviews/rates/{sample.survey_id}"' in page
    assert f'href="/interviews/interviewers/{sample.survey_id}"' in page
