"""Tokens and calls for the API tests: a token is made as the account page makes one."""

from __future__ import annotations

from datetime import timedelta

from appliance.auth import tokens
from appliance.auth.store import get_user
from appliance.db import transaction, utcnow


def token_for(conn, member, scopes=None, days: int = 30, name: str = "nightly CRM job") -> str:
    """A live token of ``member`` (a cast member) for ``scopes`` (default: all its role may
    give a token)."""
    user = get_user(conn, member.id)
    given = frozenset(scopes) if scopes is not None else tokens.grantable(user.role)
    with transaction(conn):
        return tokens.create_api_token(conn, user, name, given, utcnow() + timedelta(days=days))[1]


def call(app, method, url, token=None, **kw):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    headers.update(kw.pop("headers", {}))
    return getattr(app.test_client(), method)(url, headers=headers, **kw)
