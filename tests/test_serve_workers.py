"""`serve` in several worker processes on one port: each answers, a dead one is replaced, and a
stop ends them all and leaves no write-ahead log behind."""

from __future__ import annotations

import http.client
import logging
import os
import signal
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from appliance import db
from appliance import workers as serve_workers
from tests.serving import running_server


def _children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid ...: comm may hold spaces, so split after its closing paren.
        state, ppid = stat.rsplit(")", 1)[1].split()[:2]
        if int(ppid) == pid and state != "Z":
            found.add(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"  # an orphan's zombie may wait for init


def _wait_for(condition, seconds: float = 20.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("timed out")


def _socket_inode(server_port: int, client_port: int) -> str | None:
    """The inode of the server side of one connection (/proc/net/tcp lists ports in hex)."""
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            local, remote = fields[1], fields[2]
            if (
                int(local.rsplit(":", 1)[1], 16) == server_port
                and int(remote.rsplit(":", 1)[1], 16) == client_port
            ):
                return fields[9]
    return None


def _owner(pids: set[int], inode: str) -> int | None:
    for pid in pids:
        try:
            fds = list(Path(f"/proc/{pid}/fd").iterdir())
        except OSError:
            continue
        for fd in fds:
            try:
                if os.readlink(fd) == f"socket:[{inode}]":
                    return pid
            except OSError:
                continue
    return None


def _answering_workers(port: int, workers: set[int], seconds: float = 30.0) -> set[int]:
    """Which workers answer (a new one once it has started): each request on a connection of
    its own, whose server side is found among the workers' open sockets."""
    answered: set[int] = set()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("GET", "/healthz")
        response = conn.getresponse()
        response.read()
        assert response.status == 200
        inode = _socket_inode(port, conn.sock.getsockname()[1])
        owner = _owner(workers, inode) if inode else None
        conn.close()
        if owner:
            answered.add(owner)
        if answered == workers:
            break
    return answered


def test_workers_share_the_port_are_replaced_and_stop_cleanly(tmp_path):
    with running_server(tmp_path, workers="2") as server:
        parent = server.process.pid
        port = urlsplit(server.base_url).port
        workers = _wait_for(lambda: (found := _children(parent)) and len(found) == 2 and found)

        assert _answering_workers(port, workers) == workers

        killed = min(workers)
        os.kill(killed, signal.SIGKILL)
        replaced = _wait_for(
            lambda: (found := _children(parent)) - {killed} == found and len(found) == 2 and found
        )
        assert len(replaced - workers) == 1
        assert _answering_workers(port, replaced) == replaced
        assert "ended with signal SIGKILL" in server.log()

        server.process.send_signal(signal.SIGTERM)
        assert server.process.wait(timeout=60) == 0, server.log()
        assert not _children(parent)
        assert not any(_alive(pid) for pid in replaced)
        wal = Path(f"{db.db_path(server.data_dir)}-wal")
        assert not wal.exists() or wal.stat().st_size == 0


def test_workers_stop_when_their_parent_is_killed(tmp_path):
    with running_server(tmp_path, workers="2") as server:
        parent = server.process.pid
        workers = _wait_for(lambda: (found := _children(parent)) and len(found) == 2 and found)
        server.process.send_signal(signal.SIGKILL)
        server.process.wait(timeout=10)
        # Orphaned, they see the parent's end of their pipe close and stop on their own.
        _wait_for(lambda: not any(_alive(pid) for pid in workers), 20)


KICKING_WORKER = """
import os, sys
args = dict(zip(sys.argv[1::2], sys.argv[2::2]))
os.write(int(args["--kick"]), b"k")
while os.read(int(args["--lifeline"]), 1):
    pass
"""


class _Kicked(Exception):
    pass


def test_a_workers_kick_reaches_the_parent_and_stop_ends_the_worker():
    def kicked() -> None:
        raise _Kicked

    sockets = serve_workers.listening_sockets("127.0.0.1", 0)
    pool = serve_workers.Pool(1, [sys.executable, "-c", KICKING_WORKER], sockets)
    try:
        with pytest.raises(_Kicked):
            pool.run(kick=kicked)
    finally:
        pool.stop(timeout=10)
    assert pool.procs[0].returncode == -signal.SIGTERM


def test_waitress_says_its_queue_is_deep_once_a_minute_not_at_every_request(caplog):
    from appliance import workers

    workers.quiet_queue_warnings()
    workers.quiet_queue_warnings()  # however often serve starts, one filter
    waitress_queue = logging.getLogger("waitress.queue")
    assert sum(isinstance(f, workers._OncePerMinute) for f in waitress_queue.filters) == 1
    # The filter itself, on a logger of the test's own.
    queue_log = logging.getLogger("tests.waitress.queue")
    queue_log.addFilter(workers._OncePerMinute())
    with caplog.at_level(logging.WARNING, logger="tests.waitress.queue"):
        for depth in range(1, 50):
            queue_log.warning("Task queue depth is %d", depth)
    assert [r.getMessage() for r in caplog.records] == ["Task queue depth is 1"]
