"""Dutch and English: every interface message has a Dutch translation and the catalogue is fresh."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_message_has_a_dutch_translation_and_the_catalogue_is_compiled():
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "nl_translations.py"), "--check"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 0, "run scripts/nl_translations.py:\n" + result.stdout


def test_pages_follow_the_organisation_default_and_the_users_choice(settings_overrides, as_role):
    from appliance import create_app

    dutch = create_app({**settings_overrides, "default_language": "nl"}).test_client()
    page = dutch.get("/login").get_data(as_text=True)
    assert 'lang="nl"' in page and "Aanmelden" in page and "Gebruikersnaam" in page
    english = as_role("staff").get("/account/").get_data(as_text=True)
    assert 'lang="en"' in english and "My account" in english
