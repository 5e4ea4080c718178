"""One data directory, connection and app for every test of a module whose tests only read.

A module opts in with::

    from tests.read_only import read_only_app, read_only_conn, read_only_data_dir  # noqa: F401

after which its ``data_dir``, ``conn`` and ``app`` (and so ``as_role`` and ``browser``) are
made once for the module instead of once per test. Data the module needs is then built once by
a module-scoped fixture of its own. Only for modules where no test writes anything another test
could see: what one test wrote, the next would find.
"""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module", name="data_dir")
def read_only_data_dir(shared_data_dir):
    """``data_dir`` for the whole module: the shared copy of the template."""
    return shared_data_dir


@pytest.fixture(scope="module", name="conn")
def read_only_conn(shared_conn):
    """``conn`` for the whole module: one connection to the shared data directory."""
    return shared_conn


@pytest.fixture(scope="module", name="app")
def read_only_app(shared_app):
    """``app`` for the whole module: one app on the shared data directory."""
    return shared_app
