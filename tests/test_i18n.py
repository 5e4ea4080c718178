"""Dutch and English: every interface message has a Dutch translation and the catalogue is fresh."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
TOOL = ROOT / "tools" / "translations.py"
_spec = importlib.util.spec_from_file_location("translations_tool", TOOL)
translations = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(translations)


def test_every_message_has_a_dutch_translation_and_the_catalogue_is_compiled():
    result = subprocess.run(
        [sys.executable, str(TOOL), "check"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_setting_description_is_marked_for_translation():
    from appliance.settings import SETTINGS

    with (translations.CATALOGUES / "nl" / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        ids = {m.id for m in read_po(fh)}
    assert [s.name for s in SETTINGS if s.help not in ids] == [], "wrap each description in N_()"


def _catalogue(tmp_path, entries, compiled=None):
    """Write messages.po from (msgid, msgstr, fuzzy) and messages.mo from ``compiled`` (default:
    the same entries) under tmp_path; return the .po path."""
    po = tmp_path / "nl" / "LC_MESSAGES" / "messages.po"
    po.parent.mkdir(parents=True)
    catalogs = []
    for rows in (entries, compiled or entries):
        catalog = Catalog(locale="nl", fuzzy=False)
        for msgid, msgstr, fuzzy in rows:
            catalog.add(msgid, msgstr, flags=["fuzzy"] if fuzzy else [])
        catalogs.append(catalog)
    with po.open("wb") as fh:
        write_po(fh, catalogs[0])
    with po.with_suffix(".mo").open("wb") as fh:
        write_mo(fh, catalogs[1])
    return po


GOOD = [("Save", "Opslaan", False), ("%(n)d left", "nog %(n)d", False)]


@pytest.mark.parametrize(
    ("entries", "compiled", "extracted", "expected"),
    [
        (GOOD, None, {"Save", "%(n)d left"}, None),
        (GOOD, None, {"Save", "%(n)d left", "Cancel"}, "not in the catalogue: 'Cancel'"),
        (GOOD, None, {"Save"}, "no longer in the code: '%(n)d left'"),
        ([("Save", "", False)], None, {"Save"}, "not translated: 'Save'"),
        ([("Save", "Opslaan", True)], None, {"Save"}, "fuzzy: 'Save'"),
        ([("%(n)d left", "nog %(m)d", False)], None, {"%(n)d left"}, "'%(n)d left': unknown"),
        (GOOD, [("Save", "Bewaren", False)], {"Save", "%(n)d left"}, "messages.mo does not match"),
    ],
    ids=["complete", "missing", "leftover", "empty", "fuzzy", "placeholder", "stale-mo"],
)
def test_the_check_names_each_problem_and_the_command_that_fixes_it(
    tmp_path, entries, compiled, extracted, expected
):
    found = translations.problems(extracted, _catalogue(tmp_path, entries, compiled))
    if expected is None:
        assert found == []
    else:
        assert len(found) == 1 and expected in found[0], found
        assert found[0].endswith("run .venv/bin/python tools/translations.py update"), found


def test_pages_follow_the_organisation_default_and_the_users_choice(settings_overrides, as_role):
    from appliance import create_app

    dutch = create_app({**settings_overrides, "default_language": "nl"}).test_client()
    page = dutch.get("/login").get_data(as_text=True)
    assert 'lang="nl"' in page and "Aanmelden" in page and "Gebruikersnaam" in page
    english = as_role("staff").get("/account/").get_data(as_text=True)
    assert 'lang="en"' in english and "My account" in english
