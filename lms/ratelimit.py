"""Counting events per person or address in the shared cache, so every app server sees one count.

Fixed windows: simple, cheap (one or two cache round trips) and good enough to
stop a script; a person acting normally never comes near the limits.
"""

import time

from django.core.cache import cache


def allow(scope: str, ident, *, limit: int, period: int, cost: int = 1) -> bool:
    """Count `cost` events for `ident`; False once more than `limit` fall in the current window."""
    window = int(time.time() // period)
    key = f"ratelimit:{scope}:{ident}:{window}"
    cache.add(key, 0, period + 1)
    try:
        count = cache.incr(key, cost)
    except ValueError:  # expired between the two calls
        cache.set(key, cost, period + 1)
        count = cost
    return count <= limit
