"""Fixed-window counters in Django's cache (shared by every worker when CACHES is shared)."""

from __future__ import annotations

import hashlib
import time

from django.core.cache import cache


def _slot(key: str, window: int, now: float) -> str:
    return f"portail:rl:{key}:{window}:{int(now // window)}"


def hit(key: str, *, limit: int, window: int) -> int | None:
    """Count one event; returns the seconds to wait when ``limit`` is exceeded in this window."""
    now = time.time()
    cache_key = _slot(key, window, now)
    # One round trip in the common case (the window's counter exists): increment first, create after.
    try:
        count = cache.incr(cache_key)
    except ValueError:
        if cache.add(cache_key, 1, window + 1):
            count = 1
        else:  # created by another worker meanwhile
            try:
                count = cache.incr(cache_key)
            except ValueError:  # and already expired
                cache.add(cache_key, 1, window + 1)
                count = 1
    if count > limit:
        return int(window - now % window) + 1
    return None


def peek(key: str, *, limit: int, window: int) -> int | None:
    """Without counting: the seconds to wait if ``limit`` is already reached in this window."""
    now = time.time()
    if (cache.get(_slot(key, window, now)) or 0) >= limit:
        return int(window - now % window) + 1
    return None


def reset(key: str, *, window: int) -> None:
    cache.delete(_slot(key, window, time.time()))


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def parse_rate(rate: str) -> tuple[int, int]:
    """``"600/60"`` → (600 requests, 60 seconds)."""
    count, _, seconds = str(rate).partition("/")
    return int(count), int(seconds or 60)
