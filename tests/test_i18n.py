"""Dutch and English: every interface message has a Dutch translation and the catalogue is fresh."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "appliance" / "translations" / "nl" / "LC_MESSAGES" / "messages.po"


def test_every_message_in_the_code_has_a_dutch_translation(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-k",
            "N_",
            "-o",
            str(pot),
            ".",
        ],
        check=True,
        cwd=ROOT,
        capture_output=True,
    )
    with pot.open("rb") as fh:
        extracted = {m.id for m in read_po(fh) if m.id}
    with PO.open("rb") as fh:
        catalog = read_po(fh)
    translated = {m.id for m in catalog if m.id and m.string}
    missing = extracted - translated
    assert not missing, f"run scripts/nl_translations.py; untranslated: {sorted(missing)[:5]}"


def test_the_compiled_catalogue_matches_the_po_file():
    with PO.open("rb") as fh:
        source = {m.id: m.string for m in read_po(fh) if m.id}
    with PO.with_suffix(".mo").open("rb") as fh:
        compiled = {m.id: m.string for m in read_mo(fh) if m.id}
    assert compiled == source, "run scripts/nl_translations.py"


def test_pages_follow_the_organisation_default_and_the_users_choice(settings_overrides, as_role):
    from appliance import create_app

    dutch = create_app({**settings_overrides, "default_language": "nl"}).test_client()
    page = dutch.get("/login").get_data(as_text=True)
    assert 'lang="nl"' in page and "Aanmelden" in page and "Gebruikersnaam" in page
    english = as_role("staff").get("/account/").get_data(as_text=True)
    assert 'lang="en"' in english and "My account" in english
