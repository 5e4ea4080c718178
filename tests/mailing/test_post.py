"""Invitations by post: who gets a letter (and which fields are read for it), the short codes,
the letters' PDF, reminder letters and opting out by code."""

from __future__ import annotations

import re
import sqlite3

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest

from appliance.auth.service import CLI
from appliance.contacts.mapping import suggest
from appliance.contacts.postal import Address
from appliance.crypto import KeyedHasher, new_key, tag_seed
from appliance.keys import load as load_keys
from appliance.mailing import build, codes, post_build, post_service, store
from appliance.mailing import service as mailing_service
from appliance.paper import letters as pdf_letters
from tests.contacts.conftest import Importer
from tests.factories import open_survey

CONTACTS = (
    "E-mailadres;Voornaam;Tussenvoegsel;Achternaam;Geslacht;Straat;Huisnummer;Postcode;Plaats;"
    "Land;Taal\n"
    "jan@example.nl;Jan;;Jansen;man;Dorpsstraat;12a;1234ab;Zwolle;NL;nl\n"
    "els@example.nl;Els;de;Vries;vrouw;Kerkweg;3-2;8011 AB;Zwolle;;nl\n"
    "sam@example.nl;Sam;;Smith;;High Street;7;SW1A 1AA;London;United Kingdom;en\n"
    "kim@example.nl;Kim;;Bakker;vrouw;;;;;;nl\n"
    ";Piet;van;Dam;man;Markt;1 bis;7411 AA;Deventer;;nl\n"
)
SETTINGS = {
    "base_url": "https://enquete.example.nl",
    "organisation_name": "Voorbeeld B.V.",
    "organisation_address": "Postbus 1\n8000 AA  ZWOLLE",
}
ADDRESS_COLUMNS = {"street", "house_number", "postcode", "town", "country"}
EMAIL_COLUMNS = {"email", "email_hash"}


@pytest.fixture
def post(conn, data_dir, tmp_path):
    imports = Importer(conn, data_dir, tmp_path)
    imports.run(CONTACTS.encode(), targets=suggest(CONTACTS.splitlines()[0].split(";")))
    return {"survey": open_survey(conn), "imports": imports, "keys": load_keys(data_dir)}


def _template(conn, name="Uitnodiging / Invitation") -> int:
    return next(r["id"] for r in store.list_templates(conn) if r["name"] == name)


def _campaign(conn, post, survey_id=None, reminders=1) -> int:
    plan = mailing_service.Plan(
        name="Per post",
        survey_id=survey_id or post["survey"],
        list_id=post["imports"].list_id(),
        template_id=_template(conn),
        reminder_template_id=_template(conn, "Herinnering / Reminder"),
        send_at=0,
        reminders=reminders,
        reminder_days=7,
        segment_filter={},
        channel="post",
    )
    return mailing_service.create(conn, CLI, plan, post["keys"])[0]


def _produce(conn, post, campaign_id, wave=0):
    return post_service.produce(
        conn,
        CLI,
        post["keys"],
        SETTINGS,
        campaign_id,
        wave,
        lambda _language: pdf_letters.LetterTexts(),
        k=1,
    )


def _columns_read(conn, run) -> set[str]:
    """The columns of ``contacts`` the statements of ``run()`` read."""
    seen: set[str] = set()

    def authorizer(action, table, column, _db, _source):
        if action == sqlite3.SQLITE_READ and table == "contacts":
            seen.add(column)
        return sqlite3.SQLITE_OK

    conn.set_authorizer(authorizer)
    try:
        run()
    finally:
        conn.set_authorizer(None)
    return seen


def _pages(pdf: bytes) -> list[list[tuple[str, tuple[float, float, float, float]]]]:
    """Per page: (text, (left, top, right, bottom) in mm from the sheet's top left)."""
    doc = pdfium.PdfDocument(pdf)
    out = []
    for page in doc:
        height = page.get_height()
        textpage = page.get_textpage()
        items = []
        for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_TEXT], textpage=textpage):
            left, bottom, right, top = obj.get_bounds()
            mm = 25.4 / 72
            box = (left * mm, (height - top) * mm, right * mm, (height - bottom) * mm)
            items.append((obj.extract().strip(), box))
        out.append(items)
    doc.close()
    return out


# ---- data minimisation -------------------------------------------------------------------------


def test_an_email_campaign_reads_no_address_and_a_post_campaign_no_email(conn, post):
    keys, list_id = post["keys"], post["imports"].list_id()
    by_email = _columns_read(conn, lambda: build.select(conn, list_id, post["survey"], {}))
    assert by_email and not by_email & ADDRESS_COLUMNS
    by_post = _columns_read(
        conn,
        lambda: post_build.select(conn, keys.cipher(), keys.hasher(), list_id, post["survey"], {}),
    )
    assert by_post >= ADDRESS_COLUMNS and not by_post & EMAIL_COLUMNS
    campaign_id = _campaign(conn, post)
    producing = _columns_read(conn, lambda: _produce(conn, post, campaign_id))
    assert producing >= ADDRESS_COLUMNS and not producing & EMAIL_COLUMNS


def test_contacts_without_a_usable_address_are_skipped_with_a_reason(conn, post):
    keys = post["keys"]
    selection = post_build.select(
        conn, keys.cipher(), keys.hasher(), post["imports"].list_id(), post["survey"], {}
    )
    # Kim has no address; Piet has no e-mail address but gets a letter; Sam's is foreign.
    assert len(selection.contact_ids) == 4
    assert selection.skipped == {"no_address": 1, "suppressed": 0, "already_invited": 0}


def test_dutch_addresses_are_normalised_and_foreign_ones_pass_as_lines():
    dutch = Address("Dorpsstraat", "12 A", "1234ab", "Zwolle", "")
    assert dutch.usable() and dutch.lines() == ["Dorpsstraat 12 A", "1234 AB  ZWOLLE"]
    assert dutch.key() == Address("dorpsstraat", "12a", "1234 AB", "ZWOLLE", "NL").key()
    assert not Address("Dorpsstraat", "12", "12345", "Zwolle", "NL").usable()
    foreign = Address("High Street", "7", "SW1A 1AA", "London", "United Kingdom")
    assert foreign.usable() and foreign.lines()[-1] == "UNITED KINGDOM"


# ---- codes -------------------------------------------------------------------------------------


def test_a_code_is_16_crockford_characters_and_typing_slips_are_forgiven():
    hasher = KeyedHasher(new_key())
    code = codes.derive(hasher, b"\1" * 16)
    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{16}", code)
    assert re.fullmatch(r"([0-9A-Z]{4}-){3}[0-9A-Z]{4}", codes.shown(code))
    assert codes.normalise(codes.shown(code).lower()) == code
    assert codes.normalise(" " + " ".join(code[i : i + 4] for i in range(0, 16, 4))) == code
    assert codes.normalise("O1IL-0000-0000-0000") == "0111000000000000"
    assert codes.normalise("U000-0000-0000-0000") is None
    assert codes.normalise("0000-0000-0000") is None


def test_a_code_stays_the_same_after_a_key_rotation():
    first = KeyedHasher([new_key()])
    rotated = KeyedHasher([*first.chain, new_key()])
    seed = b"\7" * 16
    code = codes.derive(first, seed)
    assert codes.derive(rotated, tag_seed(seed, 1)) == code
    # The stored hash, wrapped once more by the rotation, is what the new keys make of it.
    assert rotated.forward(codes.code_hash(first, code), 1) == codes.code_hash(rotated, code)


def test_only_the_codes_hash_is_stored_and_the_code_finds_the_invitation(conn, post):
    campaign_id = _campaign(conn, post)
    produced = _produce(conn, post, campaign_id)
    text = " ".join(t for page in _pages(produced.pdf) for t, _box in page)
    shown = re.findall(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", text)
    assert len(shown) == produced.letters == 4
    hasher = post["keys"].hasher()
    rows = conn.execute(
        "SELECT code_hash, link_seed FROM invitations WHERE campaign_id = ?", (campaign_id,)
    ).fetchall()
    dump = b"".join(v.encode() if isinstance(v, str) else bytes(v or b"") for r in rows for v in r)
    for printed in shown:
        assert printed.encode() not in dump and printed.replace("-", "").encode() not in dump
    assert {bytes(r[0]) for r in rows} == {
        codes.code_hash(hasher, codes.normalise(c)) for c in shown
    }
    token = post_service.find_by_code(conn, post["keys"], shown[0].lower().replace("-", " "))
    assert token is not None
    assert post_service.find_by_code(conn, post["keys"], "0000-0000-0000-0000") is None


def test_the_code_page_leads_to_the_invitation_and_limits_tries(app, conn, post):
    campaign_id = _campaign(conn, post)
    pdf = _produce(conn, post, campaign_id).pdf
    text = " ".join(t for page in _pages(pdf) for t, _box in page)
    code = re.search(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", text).group(0)
    client = app.test_client()
    assert client.get("/c").status_code == 200
    found = client.post("/c", data={"code": code.lower()})
    assert found.status_code == 303 and "/i/" in found.headers["Location"]
    assert client.get(found.headers["Location"]).status_code == 200
    wrong = client.post("/c?lang=en", data={"code": "0000-0000-0000-0000"})
    assert wrong.status_code == 400 and b"could not find" in wrong.data
    assert "Set-Cookie" not in wrong.headers and "Set-Cookie" not in found.headers
    statuses = [client.post("/c", data={"code": "x"}).status_code for _ in range(10)]
    assert statuses[-1] == 429


# ---- letters -----------------------------------------------------------------------------------


def test_one_page_per_letter_in_order_with_the_address_in_the_window(conn, post):
    campaign_id = _campaign(conn, post)
    produced = _produce(conn, post, campaign_id)
    pages = _pages(produced.pdf)
    assert len(pages) == produced.letters == 4
    blocks = [
        ("Jan Jansen", "Dorpsstraat 12a", "1234 AB ZWOLLE"),
        ("Els de Vries", "Kerkweg 3-2", "8011 AB ZWOLLE"),
        ("Sam Smith", "High Street 7", "SW1A 1AA London", "UNITED KINGDOM"),
        ("Piet van Dam", "Markt 1 bis", "7411 AA DEVENTER"),
    ]
    window = pdf_letters.WINDOW
    for page, block in zip(pages, blocks, strict=True):
        texts = [" ".join(t.split()) for t, _box in page]
        start = texts.index(block[0])
        assert tuple(texts[start : start + len(block)]) == block
        for _line, (left, top, right, bottom) in page[start : start + len(block)]:
            assert window.contains(left, top) and window.contains(right, bottom), _line
    assert "Geachte heer Jansen," in dict(pages[0])
    # The template's mail footer ("--", how to unsubscribe) is left out: the letter's own
    # opt-out block says it, with the code.
    assert not any("Meld u af" in text or text == "--" for text, _box in pages[0])
    assert "Dear Sam Smith," in dict(pages[2]) and "UNITED KINGDOM" in dict(pages[2])
    run = post_service.letter_runs(conn, campaign_id)
    assert [(r["wave"], r["letters"], r["runs"]) for r in run] == [(0, 4, 1)]
    campaign = store.get_campaign(conn, campaign_id)
    assert campaign["recipients"] == 4 and campaign["status"] == "active"
    # Never picked up by the e-mail sender.
    assert campaign_id not in [c["id"] for c in store.due(conn)]
    # The list of campaigns counts its letters, not messages sent.
    listed = {c["id"]: c for c in store.list_campaigns(conn)}[campaign_id]
    assert (listed["letters"], listed["sent"]) == (4, 0)


def test_reminder_letters_go_only_to_those_who_have_not_answered(conn, post):
    campaign_id = _campaign(conn, post)
    _produce(conn, post, campaign_id)
    conn.execute(
        "UPDATE invitations SET used = 1 WHERE id = (SELECT min(id) FROM invitations"
        " WHERE campaign_id = ?)",
        (campaign_id,),
    )
    reminder = _produce(conn, post, campaign_id, wave=1)
    assert reminder.letters == 3
    assert "Jan Jansen" not in {t for page in _pages(reminder.pdf) for t, _ in page}
    with pytest.raises(mailing_service.CampaignError):
        _produce(conn, post, campaign_id, wave=2)  # one reminder planned


# ---- opting out by code ------------------------------------------------------------------------


def test_opting_out_by_code_suppresses_the_address_for_later_post_campaigns(app, conn, post):
    campaign_id = _campaign(conn, post)
    pdf = _produce(conn, post, campaign_id).pdf
    first_page = " ".join(t for t, _ in _pages(pdf)[0])
    code = re.search(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", first_page).group(0)
    client = app.test_client()
    assert client.get("/u").status_code == 200
    done = client.post("/u", data={"code": code})
    # Answered in the contact's own language (Jan's is Dutch).
    assert done.status_code == 200 and b"U bent afgemeld" in done.data
    again = client.post("/u", data={"code": code})
    assert b"al afgemeld" in again.data
    # The reminder skips Jan; a new survey's post campaign counts him as suppressed.
    assert _produce(conn, post, campaign_id, wave=1).letters == 3
    keys = post["keys"]
    later = post_build.select(
        conn, keys.cipher(), keys.hasher(), post["imports"].list_id(), open_survey(conn), {}
    )
    assert later.suppressed == 1 and len(later.contact_ids) == 3


def test_the_paper_questionnaire_follows_each_letter_with_its_code(app, conn, post):
    """Appended on request: each letter's form in the letter's language, its QR code and printed
    code the letter's own, its geometry kept for reading the scans."""
    import zxingcpp

    from appliance.paper import service as paper_service
    from appliance.paper.form_pdf import parse_qr
    from appliance.paper.texts import Facts
    from tests.paper.test_form_pdf import images

    campaign_id = _campaign(conn, post)
    survey_id = store.get_campaign(conn, campaign_id)["survey_id"]
    with app.app_context():
        extra = paper_service.letter_forms(conn, survey_id, Facts("Bakkerij", 5, 6))
        produced = post_service.produce(
            conn,
            CLI,
            post["keys"],
            SETTINGS,
            campaign_id,
            0,
            lambda _language: pdf_letters.LetterTexts(),
            k=1,
            extra=extra,
        )
    pages = _pages(produced.pdf)
    letter_codes = [
        next(t for t, _box in page if re.fullmatch(r"[0-9A-Z]{4}(-[0-9A-Z]{4}){3}", t))
        for page in pages
        if any(t == "Jan Jansen" or t.startswith(("Els", "Sam", "Piet")) for t, _b in page)
    ]
    assert len(letter_codes) == 4
    found = [r.text for image in images(produced.pdf) for r in zxingcpp.read_barcodes(image)]
    # The letters' own QR codes hold the survey link; the forms' hold their payload.
    reads = [parsed for text in found if (parsed := parse_qr(text))]
    form_codes = [code for (_survey, _digest, page, code) in reads if page == 1]
    assert form_codes == letter_codes
    digest = reads[0][1]
    assert paper_service.printed_layout(conn, survey_id, digest) is not None


def test_letters_need_the_organisations_name(conn, post):
    campaign_id = _campaign(conn, post)
    with pytest.raises(mailing_service.CampaignError) as refused:
        post_service.produce(
            conn,
            CLI,
            post["keys"],
            {**SETTINGS, "organisation_name": " "},
            campaign_id,
            0,
            lambda _language: pdf_letters.LetterTexts(),
            k=1,
        )
    assert "organisation's name" in refused.value.reasons[0]
    assert post_service.letter_runs(conn, campaign_id) == []
