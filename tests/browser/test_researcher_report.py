"""End to end in a real browser: the external researcher signs in (password, then a TOTP code),
opens the report of the survey granted to them, filters it by a region that is large enough,
is refused a region that is too small (and sees the unfiltered figures instead), exports the
PDF and is refused a page of single responses. An admin then signs in and finds each of those
actions on the "Researcher activity" page.

The cast of ``tests/conftest.py`` and the study survey of ``tests/reports/conftest.py`` (79
responses over five regions) are written into the data directory of the running server. Runs
``appliance serve`` and Debian's chromium like ``test_first_admin.py``; no page logs a console
error or breaks the Content Security Policy.
"""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import BrowserContext, Page, expect

from appliance import db
from tests.browser.test_first_admin import _require_chromium, chromium_context
from tests.browser.watch import watch
from tests.conftest import PASSWORD, Member, _cast, totp_now
from tests.reports import study
from tests.serving import Server, running_server

# As the `survey` fixture of tests/reports/conftest.py.
REGIONS = {"noord": 40, "zuid": 25, "oost": 9, "texel": 2, "west": 3}
RESPONDENTS = sum(REGIONS.values())  # 79


def test_researcher_filters_is_refused_exports_and_the_admin_sees_it(tmp_path):
    _require_chromium()  # before anything else: a missing browser is a failure, not a skip
    with running_server(tmp_path) as server, chromium_context() as context:
        cast = _seed(server.data_dir)
        _report_flow(server, context, cast)


def _seed(data_dir: Path) -> dict[str, Member]:
    """The test cast, then the study survey granted to the researcher (as the `survey`
    fixture), written into the running server's data directory."""
    cast = _cast(data_dir)
    conn = db.connect(db.db_path(data_dir))
    try:
        survey_id = study.create(conn)
        study.seed(conn, data_dir, survey_id, REGIONS)
        conn.execute(
            "INSERT INTO researcher_grants (user_id, survey_id) VALUES (?, ?)",
            (cast["researcher"].id, survey_id),
        )
    finally:
        conn.close()
    return cast


def _sign_in(page: Page, base: str, member: Member) -> None:
    """Through the login form: password, then a code from the member's authenticator."""
    assert member.totp_secret
    page.goto(f"{base}/login")
    page.get_by_label("Username", exact=True).fill(member.name)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{base}/login/code")
    expect(page.get_by_role("heading", name="Two-factor login")).to_be_visible()
    page.get_by_label("Code from your authenticator app, or a recovery code").fill(
        totp_now(member.totp_secret)
    )
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def _report_flow(server: Server, context: BrowserContext, cast: dict[str, Member]) -> None:
    base = server.base_url
    problems = watch(context)
    page = context.new_page()
    nav = page.get_by_role("navigation", name="Main")
    respondents = page.locator("#respondents .figure")
    refused = page.locator("#refused")

    # 1. The researcher signs in with password and TOTP code.
    _sign_in(page, base, cast["researcher"])
    expect(page.locator("header .who")).to_have_text("Rita · External researcher")

    # 2. Reports, then the survey: the dashboard with its charts.
    nav.get_by_role("link", name="Reports").click()
    expect(page).to_have_url(f"{base}/reports/")
    expect(page.get_by_role("heading", name="Reports", level=1)).to_be_visible()
    page.get_by_role("link", name="Study", exact=True).click()
    expect(page).to_have_url(re.compile(rf"^{re.escape(base)}/reports/\d+$"))
    report_url = page.url
    expect(page.get_by_role("heading", name="Study", level=1)).to_be_visible()
    expect(page.locator("#respondents h2")).to_contain_text("Respondents")
    expect(respondents).to_have_text(str(RESPONDENTS))
    assert page.locator("svg[role=img]").count() > 0
    expect(page.locator("svg[role=img]").first).to_be_visible()
    expect(refused).to_have_count(0)

    # 3. An allowed filter, broken down by mode.
    form = page.locator("#report-view")
    form.locator("#filter").select_option("regio=noord")
    form.locator("#breakdown").select_option("mode")
    form.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"[?&]filter=regio%3Dnoord(&|$)"))
    expect(page.get_by_text("Showing only regio = noord.")).to_be_visible()
    expect(respondents).to_have_text(str(REGIONS["noord"]))
    expect(refused).to_have_count(0)
    expect(form.locator("#filter")).to_have_value("regio=noord")
    expect(form.locator("#breakdown")).to_have_value("mode")

    # 4. A region too small to filter on: refused, and the report below is unfiltered.
    form.locator("#filter").select_option("regio=texel")
    form.locator("#breakdown").select_option("")
    form.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"[?&]filter=regio%3Dtexel(&|$)"))
    expect(refused).to_be_visible()
    expect(refused).to_contain_text("is refused")
    expect(refused).to_contain_text("regio = texel")
    expect(respondents).to_have_text(str(RESPONDENTS))
    expect(page.get_by_text(re.compile(r"^Showing only"))).to_have_count(0)
    assert page.url.startswith(report_url)

    # 5. The PDF export.
    with page.expect_download() as download_info:
        page.locator("#export-pdf").click()
    download = download_info.value
    assert download.failure() is None, download.failure()
    assert download.suggested_filename.endswith(".pdf"), download.suggested_filename
    body = Path(download.path()).read_bytes()
    assert body.startswith(b"%PDF"), body[:20]
    assert len(body) > 1000, len(body)

    # 6. A row-level page is refused (a plain request with the same session, so the 403 leaves
    # no console error).
    survey_id = int(report_url.rsplit("/", 1)[1])
    forbidden = page.request.get(f"{base}/surveys/{survey_id}/responses")
    assert forbidden.status == 403, forbidden.status

    # 7. Sign out; the admin signs in and checks what the researcher saw and tried.
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(f"{base}/login")
    expect(page.locator(".flash.info")).to_have_text("You are signed out.")
    _sign_in(page, base, cast["admin"])
    nav.get_by_role("link", name="Researcher activity").click()
    expect(page).to_have_url(f"{base}/researchers/activity")
    expect(page.get_by_role("heading", name="What the researchers saw", level=1)).to_be_visible()
    researcher = cast["researcher"].name
    expect(
        page.locator("#researchers tbody tr").filter(has_text=f"({researcher})")
    ).to_contain_text("Study")
    rows = page.locator("#activity tbody tr").filter(has_text=researcher)
    noord = rows.filter(has_text="filter=regio=noord")
    expect(noord).to_have_count(1)
    expect(noord).to_contain_text("viewed")
    expect(noord).to_contain_text("breakdown=mode")
    expect(noord).not_to_contain_text("filter refused")
    texel = rows.filter(has_text="filter=regio=texel").filter(has_not_text="pdf")
    expect(texel).to_have_count(1)
    expect(texel).to_contain_text("filter refused")
    pdf = rows.filter(has=page.locator(".badge", has_text=re.compile(r"^pdf$")))
    expect(pdf).to_have_count(1)
    expect(pdf).to_contain_text("exported")
    expect(pdf).to_contain_text("Study")
    # The refusal is there, and nothing else of the visit was taken for one.
    refusals = rows.filter(has=page.locator(".badge", has_text=re.compile(r"^refused$")))
    expect(refusals).to_have_count(1)
    expect(refusals).to_contain_text(f"GET /surveys/{survey_id}/responses")
    expect(refusals).to_contain_text("403")
    expect(refusals).to_contain_text("role does not allow")

    problems.assert_none()
