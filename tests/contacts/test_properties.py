"""Property-based checks: any bytes import or are refused with a reason, never a traceback and
never a partial batch; the fast e-mail path never accepts what email-validator refuses."""

from __future__ import annotations

import string

import pytest
from email_validator import EmailNotValidError, validate_email
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from appliance.contacts import fields, reader, store
from appliance.contacts.mapping import Mapping

CSV_ALPHABET = st.sampled_from(list('abc@.,;|\t"\r\n é€=-+ 0123456789xyz') + ["\x00", "\xff"])


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=st.binary(max_size=400) | st.text(CSV_ALPHABET, max_size=400).map(str.encode))
@example(body=b'"",')  # sniffed as comma-separated: one column against a mapping of two
def test_any_bytes_import_or_are_refused_cleanly(imports, conn, body):
    before = conn.execute("SELECT count(*) FROM contacts").fetchone()[0]
    try:
        table = reader.open_table(imports.file(b"email;naam\n" + body))
    except reader.FileError as exc:
        assert exc.reason
        return
    with table:
        try:
            counts, import_id = imports.run(
                b"email;naam\n" + body, targets=["field:email", "field:last_name"]
            )
        except (reader.FileError, ValueError) as exc:
            # A file read with another separator than the header's has other columns than the
            # mapping: refused with that reason, nothing written.
            assert getattr(exc, "reason", None) or str(exc)
            assert conn.execute("SELECT count(*) FROM contacts").fetchone()[0] == before
            assert (
                conn.execute(
                    "SELECT count(*) FROM contact_imports WHERE status = 'running'"
                ).fetchone()[0]
                == 0
            )
            return
    batch = store.get_import(conn, import_id)
    assert batch["status"] == "done"
    after = conn.execute("SELECT count(*) FROM contacts").fetchone()[0]
    assert after - before <= counts.added + counts.updated


LOCAL = st.text(string.ascii_letters + string.digits + "._%+-", min_size=1, max_size=70)
LABEL = st.text(string.ascii_letters + string.digits + "-", min_size=1, max_size=70)


@settings(max_examples=2000, deadline=None)
@given(
    local=LOCAL,
    labels=st.lists(LABEL, min_size=1, max_size=4),
    tld=st.text(string.ascii_letters + string.digits, min_size=1, max_size=8),
)
def test_the_fast_email_path_agrees_with_email_validator(local, labels, tld):
    address = f"{local}@{'.'.join([*labels, tld])}"
    try:
        expected = validate_email(address, check_deliverability=False).normalized
    except EmailNotValidError:
        expected = None
    try:
        got = fields.email(address)
    except fields.Invalid:
        got = None
    assert got == expected, address


def test_the_mapping_refuses_special_categories():
    headers = ["email", "Religie", "Gezondheid", "BSN", "Regio"]
    with pytest.raises(ValueError, match="special-category"):
        Mapping.build(headers, ["field:email", "segment:religie", "drop", "drop", "drop"])
    assert Mapping.build(headers, ["field:email", "drop", "drop", "drop", "segment:regio"])
