"""The static export: the whole public side as a zip of files linked relatively, made by staff
(recorded, and listed on the retention page once it needs replacing) or on the console."""

from __future__ import annotations

import io
import json
import re
import zipfile

import pytest
from click.testing import CliRunner

from appliance.auth.service import CLI
from appliance.cli import main
from appliance.keys import load as load_keys
from appliance.publication import moderation_service as moderation
from appliance.publication import service
from tests.publication import public
from tests.publication.public import SLUG, publish, respond, review_ids


@pytest.fixture
def settings_overrides(data_dir):
    return public.settings(data_dir)


@pytest.fixture
def survey_id(conn) -> int:
    return public.new_survey(conn)


def _url(survey_id: int) -> str:
    return f"/surveys/{survey_id}/publication/export"


def _files(data: bytes) -> dict[str, str]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name).decode() for name in archive.namelist()}


def test_staff_download_the_whole_public_side(as_role, conn, data_dir, survey_id):
    respond(conn, data_dir, survey_id, 12, grade=8, body="Goed geholpen", name="Piet")
    respond(conn, data_dir, survey_id, 5, grade=4, body="Te traag", start=20)
    publish(conn, data_dir, survey_id)
    response = as_role("staff").post(_url(survey_id))
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert f'filename="{SLUG}-' in response.headers["Content-Disposition"]
    files = _files(response.data)
    for name in (
        "index.html",
        "page-2.html",
        "index.en.html",
        "page-2.en.html",
        "score-4.html",
        "score-8-page-2.html",
        "feed.json",
        "feed.en.json",
        "widget.html",
        "widget-reviews.html",
        "widget.en.html",
        "public.css",
    ):
        assert name in files, name
    index = files["index.html"]
    assert 'href="public.css"' in index and 'href="index.en.html"' in index
    assert 'href="page-2.html"' in index and 'href="score-4.html"' in index
    for name, text in files.items():
        if name.endswith(".html"):
            for link in re.findall(r'(?:src|href)="([^"]*)"', text):
                assert link in files, (name, link)  # every link leads to a file of the zip
    feed = json.loads(files["feed.json"])
    assert feed["version"] == "https://jsonfeed.org/version/1.1" and "feed_url" not in feed
    assert moderation.exports(conn, survey_id)  # recorded


def test_a_withheld_review_and_a_redacted_phrase_are_not_exported(
    as_role, conn, data_dir, survey_id
):
    respond(conn, data_dir, survey_id, 6, grade=8, body="Jan Jansen was snel")
    respond(conn, data_dir, survey_id, 1, grade=2, body="Koop bij mijnspam.example", start=10)
    publish(conn, data_dir, survey_id)
    cipher = load_keys(data_dir).cipher()
    for row in review_ids(conn, survey_id, rows=True):
        if "mijnspam" in row["body"]:
            moderation.withhold(conn, CLI, survey_id, row["id"], "spam", cipher)
        else:
            moderation.set_redactions(conn, CLI, survey_id, row["id"], ["Jan Jansen"])
    files = _files(as_role("staff").post(_url(survey_id)).data)
    for name, text in files.items():
        assert "mijnspam" not in text and "Jansen" not in text, name
    assert "[removed]</span> was snel" in files["index.en.html"]


def test_an_unpublished_survey_has_nothing_to_export(as_role, conn, data_dir, survey_id):
    response = as_role("staff").post(_url(survey_id))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/surveys/{survey_id}/publication")
    assert not moderation.exports(conn, survey_id)


def test_the_export_needs_the_csrf_token_and_staff(as_role, survey_id):
    assert as_role("staff").post(_url(survey_id), csrf=False).status_code == 400
    assert as_role("admin").post(_url(survey_id)).status_code == 403


def test_a_withdrawn_publication_lists_its_export_on_the_retention_page(
    as_role, conn, data_dir, survey_id
):
    respond(conn, data_dir, survey_id, 6, grade=8, body="Goed")
    publish(conn, data_dir, survey_id)
    staff = as_role("staff")
    staff.post(_url(survey_id))
    page = staff.get("/compliance/retention").get_data(as_text=True)
    assert 'id="stale-exports"' not in page
    service.withdraw(conn, CLI, survey_id)
    page = staff.get("/compliance/retention").get_data(as_text=True)
    assert 'id="stale-exports"' in page and "the publication was withdrawn" in page
    assert "Klanttevredenheid" in page


def test_the_console_writes_the_same_zip(conn, data_dir, survey_id, tmp_path, monkeypatch):
    for name in ("APPLIANCE_DATA_DIR", "APPLIANCE_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    respond(conn, data_dir, survey_id, 6, grade=8, body="Goed")
    publish(conn, data_dir, survey_id)
    target = tmp_path / "site.zip"
    runner = CliRunner()
    args = ["--data-dir", str(data_dir), "publication-export", SLUG, str(target)]
    result = runner.invoke(main, [*args, "--site-url", "https://www.example.nl/reviews/"])
    assert result.exit_code == 0, result.output
    files = _files(target.read_bytes())
    assert "index.html" in files and "Goed" in files["index.html"]
    feed = json.loads(files["feed.json"])
    assert feed["feed_url"] == "https://www.example.nl/reviews/feed.json"
    assert moderation.exports(conn, survey_id)
    missing = runner.invoke(main, ["--data-dir", str(data_dir), "publication-export", "nope", "x"])
    assert missing.exit_code != 0 and "nothing is published" in missing.output
