"""`appliance import-contacts` and `appliance suppress add`, as IT would run them."""

from __future__ import annotations

import os

from click.testing import CliRunner

from appliance.cli import main

CSV = "E-mailadres;Voornaam;Achternaam;Vestiging;Geloof\na@example.nl;An;Smit;Zwolle;x\n"


def run(data_dir, *args, input=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith("APPLIANCE_")}
    return CliRunner().invoke(
        main, ["--data-dir", str(data_dir), *args], input=input, env=env, catch_exceptions=False
    )


def test_it_imports_from_stdin_and_prints_counts(data_dir, conn):
    r = run(
        data_dir,
        "import-contacts",
        "-",
        "--list",
        "Klanten",
        "--basis",
        "consent",
        "--map",
        "Vestiging=segment:vestiging",
        input=CSV,
    )
    assert r.exit_code == 0, r.output
    assert "added: 1" in r.output and "dropped column: Geloof" in r.output
    row = conn.execute("SELECT segments FROM contacts").fetchone()
    assert row[0] == '{"vestiging":"Zwolle"}'
    assert not list((data_dir / "uploads").iterdir())  # the copy of the upload is gone


def test_legitimate_interest_needs_a_purpose(data_dir):
    r = run(
        data_dir, "import-contacts", "-", "--list", "K", "--basis", "legitimate-interest", input=CSV
    )
    assert r.exit_code == 2 and "legitimate interest" in r.output


def test_it_exits_non_zero_when_nothing_was_imported(data_dir):
    run(data_dir, "suppress", "add", "a@example.nl")
    r = run(data_dir, "import-contacts", "-", "--list", "K", "--basis", "consent", input=CSV)
    assert r.exit_code == 1 and "suppressed: 1" in r.output


def test_it_refuses_an_oversized_file_before_importing(data_dir, tmp_path, conn):
    (data_dir / "config.toml").write_text("max_upload_mb = 1\n")
    big = tmp_path / "big.csv"
    big.write_bytes(b"email\n" + b"x" * (1024 * 1024 + 10))
    r = run(data_dir, "import-contacts", str(big), "--list", "K", "--basis", "consent")
    assert r.exit_code == 1 and "larger than max_upload_mb" in r.output
    assert conn.execute("SELECT count(*) FROM contact_imports").fetchone()[0] == 0


def test_an_unreadable_file_is_a_clear_error(data_dir, tmp_path):
    bad = tmp_path / "x.csv"
    bad.write_bytes(b"\x00\x01\x02")
    r = run(data_dir, "import-contacts", str(bad), "--list", "K", "--basis", "consent")
    assert r.exit_code == 1 and "cannot read the file: the file is not text" in r.output
