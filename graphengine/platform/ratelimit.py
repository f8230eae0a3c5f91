"""Per-API-key rate limits: a token bucket per key, refilled at the key's rate per minute.

A key may burst up to a minute's worth of requests, then gets ``429`` with ``Retry-After`` (whole
seconds until one request is allowed again). Buckets live in the process: with several workers
each worker enforces the limit on its own share of the requests.
"""

from __future__ import annotations

import math
import threading
import time

__all__ = ["RateLimiter"]


class RateLimiter:
    """Token buckets keyed by API-key id."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._buckets: dict[int, tuple[float, float]] = {}  # key id -> (tokens, last refill)

    def take(self, key_id: int, per_minute: int) -> int:
        """Spend one request of ``key_id``; return 0 when allowed, else seconds to wait."""
        rate = per_minute / 60.0
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.get(key_id, (float(per_minute), now))
            tokens = min(float(per_minute), tokens + (now - last) * rate)
            if tokens >= 1.0:
                self._buckets[key_id] = (tokens - 1.0, now)
                return 0
            self._buckets[key_id] = (tokens, now)
            return max(1, math.ceil((1.0 - tokens) / rate)) if rate > 0 else 60
