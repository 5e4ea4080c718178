"""Accounts, roles, sessions and the deny-by-default guard."""
