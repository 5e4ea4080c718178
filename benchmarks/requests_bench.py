"""Request latency of the guarded, session-checked pages against a floor measured in the same run.

Starts `appliance serve` on 127.0.0.1 (a free port, a temporary data directory), signs in a staff
user over HTTP, then times sequential requests:

- floor: GET /healthz (public, one SELECT 1): server, WSGI and connection cost only;
- page: GET /reports/ signed in (session lookup, guard, gate, template, security headers);
- denied: GET /admin/users/ as staff (guard refusal);
- login: POST /login (one argon2id verification: deliberately slow).

Targets (ratios of median latency to the floor): page <= 4x, denied <= 3x; login is reported, not
targeted (its cost is the password hash). Prints one JSON object as its last line.

    .venv/bin/python benchmarks/requests_bench.py [--quick]
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

PASSWORD = "Benchmark-wachtwoord-2026"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def timed(opener, url, n, data=None) -> list[float]:
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        try:
            with opener.open(url, data=data, timeout=30) as r:
                r.read()
        except urllib.error.HTTPError as exc:  # 302/403 are expected outcomes here
            exc.read()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="fewer requests (well under 2 min)")
    args = parser.parse_args()
    n = 200 if args.quick else 2000
    n_login = 10 if args.quick else 50
    env = {k: v for k, v in os.environ.items() if not k.startswith("APPLIANCE_")}
    env["APPLIANCE_SECURE_COOKIES"] = "false"
    env["APPLIANCE_DEFAULT_LANGUAGE"] = "en"
    # Every timed failed login must reach the argon2 check, not the (fast) throttle refusal.
    env["APPLIANCE_LOGIN_MAX_FAILURES_ACCOUNT"] = "100"
    env["APPLIANCE_LOGIN_MAX_FAILURES_ADDRESS"] = "1000"
    with tempfile.TemporaryDirectory() as tmp:
        data = os.path.join(tmp, "data")
        cli = [sys.executable, "-m", "appliance", "--data-dir", data]
        subprocess.run([*cli, "init"], check=True, env=env, capture_output=True)
        subprocess.run(
            [*cli, "user", "add", "meter", "--role", "staff", "--password-stdin"],
            input=PASSWORD + "\n",
            text=True,
            check=True,
            env=env,
            capture_output=True,
        )
        port = free_port()
        server = subprocess.Popen(
            [*cli, "serve", "--port", str(port), "--threads", "4"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(100):
                try:
                    urllib.request.urlopen(base + "/healthz", timeout=1).read()
                    break
                except OSError:
                    time.sleep(0.1)
            jar = http.cookiejar.CookieJar()
            opener = urllib.request.build_opener(
                urllib.request.HTTPCookieProcessor(jar), NoRedirect
            )
            page = opener.open(base + "/login").read().decode()
            token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
            form = urllib.parse.urlencode(
                {"csrf_token": token, "username": "meter", "password": PASSWORD}
            ).encode()
            timed(opener, base + "/login", 1, form)
            assert b"Reports" in opener.open(base + "/reports/").read()
            timed(opener, base + "/healthz", 20)  # warm up
            results = {
                "floor_healthz_ms": timed(opener, base + "/healthz", n),
                "page_reports_ms": timed(opener, base + "/reports/", n),
                "denied_admin_ms": timed(opener, base + "/admin/users/", n),
            }
            guest = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(), NoRedirect)
            login_page = guest.open(base + "/login").read().decode()
            guest_token = re.search(
                r'name="csrf_token" type="hidden" value="([^"]+)"', login_page
            ).group(1)
            wrong = urllib.parse.urlencode(
                {"csrf_token": guest_token, "username": "meter", "password": "wrong-password-123"}
            ).encode()
            results["login_failed_ms"] = timed(guest, base + "/login", n_login, wrong)
        finally:
            server.terminate()
            server.wait(timeout=10)
    floor = statistics.median(results["floor_healthz_ms"])
    figures = {"requests_per_kind": n, "floor_median_ms": round(floor, 3)}
    for name, samples in results.items():
        median = statistics.median(samples)
        figures[name.replace("_ms", "_median_ms")] = round(median, 3)
        figures[name.replace("_ms", "_p95_ms")] = round(statistics.quantiles(samples, n=20)[18], 3)
        figures[name.replace("_ms", "_ratio")] = round(median / floor, 2)
    figures["targets_met"] = (
        figures["page_reports_ratio"] <= 4 and figures["denied_admin_ratio"] <= 3
    )
    for key, value in figures.items():
        print(f"{key:28} {value}", file=sys.stderr)
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
