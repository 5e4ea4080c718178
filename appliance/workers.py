"""``serve`` on every core: one parent process and N worker processes on one listening socket.

The parent binds the socket(s) once, starts the workers, runs the background jobs once and
restarts a worker that dies. Each worker is a fresh interpreter (``appliance serve-worker``) that
builds the app itself and runs waitress on the inherited socket: no SQLite connection, lock or
thread of the parent ever crosses into a worker (``docs/decisions.md``, "every core, writers
taking turns").

Workers stop on SIGTERM (from the parent) after closing their group-commit writer, so every
acknowledged submission is on disk; they ignore SIGINT, which a terminal sends to the whole
group, so that the parent alone orders the stop. A worker also stops when its parent is gone
(killed with SIGKILL): it holds the read end of a pipe whose only write end is the parent's, and
reading it returns at the parent's death. The workers' group commits kick the parent's jobs
(the fold of new responses into the report counters) through a second pipe.
"""

from __future__ import annotations

import contextlib
import logging
import os
import select
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

log = logging.getLogger(__name__)

# A worker that dies is started again after a pause that doubles while it keeps dying young.
RESTART_FIRST = 0.5
RESTART_MAX = 30.0
# A worker that lived this long died of something new: its next restart is quick again.
RESTART_RESET_AFTER = 60.0
POLL_SECONDS = 0.2
# A worker's clean stop: the requests in flight and the group commit's queue, then SIGKILL.
STOP_SECONDS = 30.0


def worker_count(values: Mapping[str, Any]) -> int:
    """The ``workers`` setting; 0 means one per CPU core."""
    return values["workers"] or os.cpu_count() or 1


class _OncePerMinute(logging.Filter):
    """Waitress warns "Task queue depth is N" for every request that waits for a thread: under
    load that is every request, a flood in the journal and a few per cent of the CPU. One line
    a minute tells an operator the same."""

    def __init__(self) -> None:
        super().__init__()
        self._last = -60.0

    def filter(self, record: logging.LogRecord) -> bool:
        now = time.monotonic()
        if now - self._last < 60.0:
            return False
        self._last = now
        return True


def quiet_queue_warnings() -> None:
    """Let waitress's queue warning through once a minute (see :class:`_OncePerMinute`)."""
    queue_log = logging.getLogger("waitress.queue")
    if not any(isinstance(f, _OncePerMinute) for f in queue_log.filters):
        queue_log.addFilter(_OncePerMinute())


def waitress_options(values: Mapping[str, Any]) -> dict[str, Any]:
    """What ``serve`` and every worker give waitress besides where to listen."""
    return {
        "threads": values["threads"],
        "ident": "appliance",
        # Waitress strips X-Forwarded-* by default; keep them only when a proxy is trusted,
        # and let ProxyFix (create_app) take exactly `trusted_proxies` hops from them.
        "clear_untrusted_proxy_headers": not values["trusted_proxies"],
        "_quiet": True,
    }


def listening_sockets(host: str, port: int) -> list[socket.socket]:
    """Bind and listen on ``host``:``port`` as waitress would (every address the name resolves
    to, IPv6 sockets IPv6 only), so the workers only accept."""
    from waitress.adjustments import Adjustments

    adj = Adjustments(host=host, port=port)
    sockets = []
    try:
        for family, socktype, proto, address in adj.listen:
            sock = socket.socket(family, socktype, proto)
            sockets.append(sock)
            if family == socket.AF_INET6:
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(address)
            sock.listen(adj.backlog)  # connections queue while the workers start
    except BaseException:
        for sock in sockets:
            sock.close()
        raise
    return sockets


class Pool:
    """The worker processes of one ``serve``; :meth:`run` supervises them until interrupted."""

    def __init__(self, count: int, command: list[str], sockets: list[socket.socket]):
        self.count, self.command, self.sockets = count, command, sockets
        self.lifeline, self._lifeline_w = os.pipe()
        self._kicks, self.kick = os.pipe()
        os.set_blocking(self.kick, False)  # a full pipe already says "kicked"
        self.procs: list[subprocess.Popen | None] = [None] * count
        self.started = [0.0] * count
        self.pause = [RESTART_FIRST] * count
        self.due = [0.0] * count

    def _start(self, slot: int) -> None:
        fds = [sock.fileno() for sock in self.sockets]
        self.procs[slot] = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            [
                *self.command,
                "--fds",
                ",".join(map(str, fds)),
                "--lifeline",
                str(self.lifeline),
                "--kick",
                str(self.kick),
            ],
            pass_fds=(*fds, self.lifeline, self.kick),
        )
        self.started[slot] = time.monotonic()

    def run(self, kick: Callable[[], None] | None = None) -> None:
        """Start the workers and keep them running, calling ``kick`` when a worker's group
        commit asks to; returns only by an exception (the stop signal's SystemExit, or
        KeyboardInterrupt)."""
        for slot in range(self.count):
            self._start(slot)
        while True:
            readable, _, _ = select.select([self._kicks], [], [], POLL_SECONDS)
            if readable:
                os.read(self._kicks, 4096)
                if kick is not None:
                    kick()
            now = time.monotonic()
            for slot, proc in enumerate(self.procs):
                if proc is None:
                    if now >= self.due[slot]:
                        self._start(slot)
                    continue
                code = proc.poll()
                if code is None:
                    continue
                if now - self.started[slot] >= RESTART_RESET_AFTER:
                    self.pause[slot] = RESTART_FIRST
                log.warning(
                    "worker %d (pid %d) ended with %s; starting a new one in %.1f s",
                    slot,
                    proc.pid,
                    _describe(code),
                    self.pause[slot],
                )
                self.procs[slot] = None
                self.due[slot] = now + self.pause[slot]
                self.pause[slot] = min(self.pause[slot] * 2, RESTART_MAX)

    def stop(self, timeout: float = STOP_SECONDS) -> None:
        """Stop every worker cleanly (SIGTERM), killing one that outlasts ``timeout``."""
        live = [proc for proc in self.procs if proc is not None and proc.poll() is None]
        for proc in live:
            proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for proc in live:
            try:
                proc.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log.warning("worker pid %d did not stop in %.0f s; killed", proc.pid, timeout)
                proc.kill()
                proc.wait()
        for fd in (self._lifeline_w, self.lifeline, self._kicks, self.kick):
            os.close(fd)
        for sock in self.sockets:
            sock.close()


def _describe(code: int) -> str:
    if code < 0:
        try:
            return f"signal {signal.Signals(-code).name}"
        except ValueError:
            return f"signal {-code}"
    return f"exit code {code}"


def inherited_sockets(fds: str) -> list[socket.socket]:
    """The listening sockets a worker got from its parent (``--fds 3,4``)."""
    return [socket.socket(fileno=int(fd)) for fd in fds.split(",")]


def kicker(fd: int) -> Callable[[], None]:
    """A worker's group commit tells the parent's jobs that responses came in."""

    def kick() -> None:
        # Full (the parent is already told) or gone (it is stopping): nothing to add.
        with contextlib.suppress(OSError):
            os.write(fd, b"k")

    return kick


def worker_signals() -> None:
    """First thing in a worker: the parent alone orders the stop (SIGTERM)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _stop)


def run_worker(serve: Callable[[], None], close: Callable[[], None], lifeline: int) -> None:
    """A worker's life: ``serve`` until SIGTERM or the parent's death, then ``close``."""

    def watch_parent() -> None:
        while os.read(lifeline, 1):
            pass
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch_parent, name="parent-watch", daemon=True).start()
    try:
        serve()
    finally:
        close()
        sys.stdout.flush()


def _stop(signum, frame) -> None:
    # A second SIGTERM must not cut the clean stop short.
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise SystemExit(0)
