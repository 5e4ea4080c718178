"""Password policy: length and a list of common passwords, no composition rules."""

from appliance.auth import passwords


def test_it_accepts_a_long_passphrase_without_symbols():
    assert passwords.problems("correct horse battery staple") == []


def test_it_refuses_short_common_and_padded_common_passwords():
    assert "Use at least 12 characters." in passwords.problems("Tr0ub4dor&3")
    for weak in ("password1234", "qwertyuiop12", "Welkom123456!", "dragon!!!!!!!!", "aaaaaaaaaaaa"):
        assert passwords.problems(weak), weak


def test_it_refuses_a_password_containing_the_username():
    assert passwords.problems("marieke-de-vries-2026", "marieke")


def test_it_hashes_with_argon2id_and_verifies():
    stored = passwords.hash_password("correct horse battery staple")
    assert stored.startswith("$argon2id$")
    assert passwords.verify(stored, "correct horse battery staple")
    assert not passwords.verify(stored, "correct horse battery stapler")
    assert not passwords.verify(None, "anything at all here")
