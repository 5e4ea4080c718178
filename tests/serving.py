"""Start the real appliance (`init`, `serve`) on a free port for end-to-end tests."""

from __future__ import annotations

import os
import queue
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

SETUP_PROMPT = "enter this one-time setup code:"
SETUP_CODE = re.compile(r"^[A-Z0-9]{5}(?:-[A-Z0-9]{5}){4}-[A-Z0-9]+$")
START_TIMEOUT = 30


def _server_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("APPLIANCE_")}
    env.update(
        APPLIANCE_SECURE_COOKIES="false", APPLIANCE_DEFAULT_LANGUAGE="en", PYTHONUNBUFFERED="1"
    )
    return env


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _healthy(url: str) -> bool:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never via a proxy
    try:
        with opener.open(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


@dataclass
class Server:
    base_url: str
    data_dir: Path
    setup_code: str
    output: list[str] = field(default_factory=list)
    process: subprocess.Popen | None = None

    def log(self) -> str:
        return "".join(self.output[-60:])


@contextmanager
def running_server(tmp_path: Path, **settings: str) -> Iterator[Server]:
    """`appliance init`, then `appliance serve` on a free port; always terminated on exit."""
    data_dir = tmp_path / "data"
    env = _server_env()
    env.update({f"APPLIANCE_{name.upper()}": value for name, value in settings.items()})
    command = [sys.executable, "-m", "appliance", "--data-dir", str(data_dir)]
    init = subprocess.run(
        [*command, "init"], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert init.returncode == 0, f"appliance init failed:\n{init.stdout}\n{init.stderr}"

    port = _free_port()
    proc = subprocess.Popen(
        [*command, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        bufsize=1,
    )
    lines: queue.Queue[str] = queue.Queue()
    output: list[str] = []

    def drain() -> None:  # keeps reading so the server never blocks on a full pipe
        for line in proc.stdout:
            output.append(line)
            lines.put(line)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        code, serving, after_prompt = None, False, False
        deadline = time.monotonic() + START_TIMEOUT
        while code is None or not serving:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or (proc.poll() is not None and lines.empty()):
                pytest.fail(
                    "`appliance serve` printed no setup code and 'serving on' line:\n"
                    + "".join(output)
                )
            try:
                line = lines.get(timeout=min(remaining, 0.5))
            except queue.Empty:
                continue
            text = line.strip()
            if after_prompt:
                assert SETUP_CODE.match(text), f"unexpected setup code line: {line!r}"
                code, after_prompt = text, False
            elif SETUP_PROMPT in text:
                after_prompt = True
            elif text.startswith("serving on"):
                serving = True
        base_url = f"http://127.0.0.1:{port}"
        while not _healthy(f"{base_url}/healthz"):
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail("/healthz never answered 200:\n" + "".join(output))
            time.sleep(0.1)
        yield Server(base_url, data_dir, code, output, proc)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        reader.join(timeout=5)
        proc.stdout.close()
