"""Programs the installer tests run inside the sandbox (``python -c``), and their host twins."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import subprocess
from pathlib import Path

from tests.installer.sandbox import Sandbox

SEED = (Path(__file__).resolve().parents[1] / "fixtures" / "seed_data.py").read_text()
KEY_TABLES = ("users", "contact_lists", "contacts", "surveys", "responses")
# What a response holds; its bookkeeping columns (folded into the counters, released) change
# when the serving appliance's jobs run.
CONTENT = {"responses": ["id", "survey_id", "mode", "submitted_on", "language", "answers"]}

# Row counts and a digest of the key tables, over the columns given (default: all), reading
# the database read-only. argv: database, JSON {table: [columns] or null}.
DIGEST = r"""
import hashlib, json, sqlite3, sys
conn = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
out = {}
for table, columns in json.loads(sys.argv[2]).items():
    names = columns or [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]
    rows = sorted(repr(r) for r in conn.execute(f"SELECT {', '.join(names)} FROM {table}"))
    out[table] = [len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest()]
out["migrations"] = [r[0] for r in conn.execute("SELECT name FROM _sqlite_migrations")]
tables = conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
out["tables"] = sorted(r[0] for r in tables)
print(json.dumps(out))
"""

# GET /healthz; with a setup code also create the first admin through /setup (CSRF token from
# the form, cookies kept). Prints JSON.
HTTP = r"""
import http.cookiejar, json, re, sys, urllib.parse, urllib.request
base, code = sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else ""
class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *a, **k):
        return None
opener = urllib.request.build_opener(
    urllib.request.ProxyHandler({}),
    urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
    NoRedirect(),
)
out = {}
with opener.open(base + "/healthz", timeout=5) as r:
    out["healthz"] = [r.status, r.read().decode()]
if code:
    page = opener.open(base + "/setup", timeout=5).read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    form = {"csrf_token": token, "code": code, "username": "root-admin", "display_name": "B",
            "new_password": "Een-lange-beheerderszin-7", "confirm": "Een-lange-beheerderszin-7"}
    try:
        r = opener.open(base + "/setup", urllib.parse.urlencode(form).encode(), timeout=10)
        out["setup"] = [r.status, ""]
    except urllib.error.HTTPError as exc:
        out["setup"] = [exc.code, exc.headers.get("Location", "")]
print(json.dumps(out))
"""

BASE_URL = "http://127.0.0.1:8080"
DB = "/var/lib/appliance/data/appliance.db"


def digest_inside(box: Sandbox, tables=KEY_TABLES) -> dict:
    """As the service user (a root-owned -shm file would lock the service out)."""
    spec = json.dumps({t: CONTENT.get(t) for t in tables})
    done = box.as_service_user("/usr/bin/python3", "-c", DIGEST, DB, spec)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def digest_host(db: Path, columns: dict[str, list[str] | None]) -> dict:
    done = subprocess.run(
        ["/usr/bin/python3", "-c", DIGEST, str(db), json.dumps(columns)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout)


def columns_of(db: Path, tables=KEY_TABLES) -> dict[str, list[str]]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return {
            t: CONTENT.get(t) or [r[1] for r in conn.execute(f"PRAGMA table_info({t})")]
            for t in tables
        }
    finally:
        conn.close()


def http_inside(box: Sandbox, code: str = "") -> dict:
    done = box.run("/usr/bin/python3", "-c", HTTP, BASE_URL, *([code] if code else []))
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def seed_inside(box: Sandbox) -> dict:
    done = box.as_service_user(
        "/opt/appliance/venv/bin/python", "-c", SEED, "--config", "/etc/appliance/config.toml"
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()
