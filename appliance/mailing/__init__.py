"""Mailing: invitations and reminders through the company's own relay (or to files)."""
