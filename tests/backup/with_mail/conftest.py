"""The mailing world (real importer, real SMTP server, real sending job) for the tests of what a
key rotation does to links already mailed."""

from tests.mailing.conftest import settings_overrides, smtp, world  # noqa: F401 - fixtures
