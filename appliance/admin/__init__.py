"""Admin area: accounts, organisation settings, audit log."""
