"""The panel tests run in the mailing world: a real importer, SMTP server and sending job."""

from tests.mailing.conftest import settings_overrides, smtp, world  # noqa: F401
