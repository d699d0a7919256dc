"""Which of a model's servers (the openai backend's base URLs) answer, and where a request goes.

Request i goes to replica i mod k, its retries to the next ones in turn, skipping a
replica that failed (no connection, no answer within `request_timeout`, HTTP 5xx) in the
last `cooldown_s` seconds while another one still answers: a replica that died or
stalls costs one failed request, not one per request sent to it. After its cool-down a
failed replica gets requests again (the first one that answers puts it back).
Every change is one stderr line with the time: which replica failed, why, and when it
answers again; "no replica answers" when the last one fails.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable

import httpx


def failure(e: Exception) -> str:
    """Why a request to a server failed, in a few words ("connection refused", "timed out")."""
    text = str(e).lower()
    if isinstance(e, httpx.ConnectError) and ("refused" in text or "errno 111" in text):
        return "connection refused"
    if isinstance(e, httpx.TimeoutException):
        return "timed out"
    return str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__


def _say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


class Replicas:
    def __init__(self, urls: list[str], cooldown_s: float = 30.0, log: Callable[[str], None] = _say) -> None:
        self.urls, self.cooldown_s, self._log = list(urls), cooldown_s, log
        self.failed_at: dict[str, tuple[float, str]] = {}  # url -> (time.monotonic() it failed, why)
        self._lock = threading.Lock()

    def pick(self, index: int, attempt: int) -> str:
        """Where attempt `attempt` of request `index` goes: the replicas in turn from its own one,
        the first not failing; when every one is failing, the one in turn (a probe)."""
        k = len(self.urls)
        turn = [self.urls[(index + attempt + j) % k] for j in range(k)]
        now = time.monotonic()
        with self._lock:
            up = [u for u in turn if u not in self.failed_at or now - self.failed_at[u][0] >= self.cooldown_s]
        return up[0] if up else turn[0]

    def failed(self, url: str, why: str) -> None:
        with self._lock:
            new = url not in self.failed_at
            self.failed_at[url] = (time.monotonic(), why)
            left = len(self.urls) - len(self.failed_at)
        if new:
            then = "no replica answers" if not left else f"its requests go to the other {left}"
            self._log(f"[playground] {time.strftime('%H:%M:%S')} replica {url} failed ({why}): {then}")

    def answered(self, url: str) -> None:
        if url not in self.failed_at:  # the common case, without the lock
            return
        with self._lock:
            was = self.failed_at.pop(url, None)
        if was is not None:
            self._log(f"[playground] {time.strftime('%H:%M:%S')} replica {url} answers again")

    def others_up(self, url: str) -> bool:
        """Whether a replica other than `url` is not failing (a stalled request can go there)."""
        with self._lock:
            return any(u != url and u not in self.failed_at for u in self.urls)

    def all_failing(self) -> bool:
        with self._lock:
            return len(self.failed_at) == len(self.urls)

    def why(self) -> str:
        """The failing replicas and why, for the one line a lost backend stops the run with."""
        with self._lock:
            return "; ".join(f"{u}: {why}" for u, (_, why) in sorted(self.failed_at.items()))
