"""The data directory of the previous release (tests/fixtures/data-v0.20.0.tar.gz, made by
v0.20.0's own code) upgrades with this version's `appliance init`, keeps every row, and serves."""

from __future__ import annotations

import tarfile
import urllib.request
from pathlib import Path

from appliance.migrations import NAMES
from tests.installer.probes import KEY_TABLES, columns_of, digest_host
from tests.serving import running_server

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "data-v0.20.0.tar.gz"


def test_the_previous_release_data_upgrades_and_serves(tmp_path):
    with tarfile.open(FIXTURE) as tar:
        tar.extractall(tmp_path, filter="data")
    db = tmp_path / "data" / "appliance.db"
    old_columns = columns_of(db)
    before = digest_host(db, old_columns)
    assert before["contacts"][0] == 200 and before["responses"][0] == 120
    with running_server(tmp_path) as server:  # `appliance init`, then `serve`
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(f"{server.base_url}/healthz", timeout=5) as response:
            assert response.status == 200
        with opener.open(f"{server.base_url}/login", timeout=5) as response:
            assert response.status == 200
        assert server.setup_code  # no admin in the fixture: setup is open
        after = digest_host(db, old_columns)
    for table in KEY_TABLES:
        assert after[table] == before[table], table
    assert after["migrations"] == list(NAMES)
