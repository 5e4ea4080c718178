"""A per-survey rate limit for open links: counts submissions, never who sent them."""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque


class RateLimit:
    """At most ``per_minute`` submissions per key in any sliding minute (this process)."""

    def __init__(self, per_minute: int):
        self.per_minute = per_minute
        self._hits: dict[object, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def allow(self, key: object, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        with self._lock:
            hits = self._hits[key]
            while hits and now - hits[0] > 60:
                hits.popleft()
            if len(hits) >= self.per_minute:
                return False
            hits.append(now)
            return True
