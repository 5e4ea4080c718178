"""Flood limits for open links, held in this process's memory only.

Contract: a survey's open link accepts at most ``per_client`` submissions a minute from one client
and at most ``per_survey`` from everybody together (sliding minutes). Nothing here is stored,
logged or put beside an answer. A client is known only by a keyed hash of its address (for IPv6,
of its /64 network, which one household or host usually holds whole) under a key made when the
limit is created and never written anywhere. A client's entry is dropped at the first submission
(of anyone) after a minute without one of its own, and at most ``max_clients`` are held: when full,
the least recently seen goes first.
"""

from __future__ import annotations

import hashlib
import ipaddress
import secrets
import threading
import time
from collections import OrderedDict, deque

WINDOW_SECONDS = 60.0
MAX_CLIENTS = 10_000


def _trim(hits: deque[float], now: float) -> None:
    while hits and now - hits[0] >= WINDOW_SECONDS:
        hits.popleft()


class OpenLinkLimit:
    """The two limits of the contract above, checked and counted together under one lock."""

    def __init__(self, per_client: int, per_survey: int, max_clients: int = MAX_CLIENTS):
        self.per_client = per_client
        self.per_survey = per_survey
        self.max_clients = max_clients
        self._key = secrets.token_bytes(32)
        # Ordered by last accepted submission, so the stale ones are at the front.
        self._clients: OrderedDict[bytes, deque[float]] = OrderedDict()
        self._surveys: dict[int, deque[float]] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        """How many clients are held now."""
        return len(self._clients)

    def _client(self, survey_id: int, address: str) -> bytes:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            identity = address.encode()
        else:
            if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
                ip = ip.ipv4_mapped
            identity = ip.packed[:8] if ip.version == 6 else ip.packed
        return hashlib.blake2b(
            survey_id.to_bytes(8, "big", signed=True) + identity, key=self._key, digest_size=16
        ).digest()

    def allow(self, survey_id: int, address: str, now: float | None = None) -> bool:
        """True, and counted against both limits, when neither is reached; else False and
        nothing is counted (a refused client does not use up the survey's allowance)."""
        now = time.monotonic() if now is None else now
        client = self._client(survey_id, address)
        with self._lock:
            self._forget(now)
            survey = self._surveys.setdefault(survey_id, deque())
            _trim(survey, now)
            hits = self._clients.get(client)
            if hits is not None:
                _trim(hits, now)
            if len(survey) >= self.per_survey or (hits and len(hits) >= self.per_client):
                return False
            if hits is None:
                if len(self._clients) >= self.max_clients:
                    self._clients.popitem(last=False)
                hits = self._clients[client] = deque()
            else:
                self._clients.move_to_end(client)
            hits.append(now)
            survey.append(now)
            return True

    def _forget(self, now: float) -> None:
        while self._clients:
            client, hits = next(iter(self._clients.items()))
            if hits and now - hits[-1] < WINDOW_SECONDS:
                break
            del self._clients[client]
        idle = [
            s for s, hits in self._surveys.items() if not hits or now - hits[-1] >= WINDOW_SECONDS
        ]
        for survey_id in idle:
            del self._surveys[survey_id]
