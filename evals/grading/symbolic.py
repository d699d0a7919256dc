"""Symbolic equivalence of two LaTeX answers (math-verify over sympy) under a time limit
that works anywhere: in the main thread a real-time interval timer interrupts the
check; in any other thread (signals only reach the main thread) the check runs in a
small worker process (`python -m evals.grading.symbolic`) that is killed by its PID when it
overruns. `symbolic_equal` returns None when the limit is hit, never hangs.

A timer cannot interrupt sympy inside one big-integer operation (10^{10^{10}} would
run for minutes and take gigabytes), so `too_costly` answers are not checked at all."""

from __future__ import annotations

import atexit
import json
import logging
import os
import re
import select
import signal
import subprocess
import sys
import threading
import time

logging.getLogger("math_verify").setLevel(logging.ERROR)  # its "timeout disabled" notice: we time it ourselves
DEFAULT_TIMEOUT_S = 5.0
_STARTUP_TIMEOUT_S = 60.0
MAX_LEN = 500
_COSTLY = re.compile(
    r"\^\s*\{[^{}]*[\^!]"      # a power or factorial inside an exponent: 10^{10^{10}}, 2^{10!}
    r"|\^\s*\(?\d+\)?\s*\^"     # 10^10^10
    r"|\^\s*\{?\s*-?\d{5,}"     # an exponent of 5+ digits
    r"|\d{4,}\s*!|\([\d\s^{}+*-]+\)\s*!|!\s*!"  # factorials of 4+ digits, of (10^6), of a factorial
)


class _Timeout(BaseException):
    """Raised by the timer inside the check; a BaseException so no `except Exception` eats it."""


def _verify(pred: str, target: str) -> bool:
    from math_verify import parse, verify

    gold = parse(f"${target}$", parsing_timeout=None)
    answer = parse(f"${pred}$", parsing_timeout=None)
    if not gold or not answer:
        return False
    return bool(verify(gold, answer, timeout_seconds=None))


_TRIVIAL_POWER = re.compile(r"(?<![\w.}])(?:[01]|\(\s*-\s*1\s*\)|\{\s*-\s*1\s*\})\s*\^\s*(?:\{\s*-?\d+\s*\}|-?\d+)")
"""0, 1 or (-1) to an integer power ("1^{235423523}"): sympy's value at once, whatever the exponent."""


def too_costly(latex: str) -> bool:
    """Whether checking `latex` could block in sympy beyond any timer: longer than
    MAX_LEN, power towers, exponents of 5+ digits (but not of 0, 1 or -1), big or nested factorials."""
    return len(latex) > MAX_LEN or _COSTLY.search(_TRIVIAL_POWER.sub("1", latex)) is not None


def symbolic_equal(pred: str, target: str, timeout_s: float = DEFAULT_TIMEOUT_S) -> bool | None:
    """math-verify's equivalence of `pred` and `target` (LaTeX without `$`); None on timeout."""
    if threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer"):
        return _with_timer(pred, target, timeout_s)
    return _WORKER.check(pred, target, timeout_s)


def _with_timer(pred: str, target: str, timeout_s: float) -> bool | None:
    def on_alarm(signum, frame):
        raise _Timeout

    import math_verify  # noqa: F401 - never let the timer interrupt an import

    old_handler = signal.signal(signal.SIGALRM, on_alarm)
    old_delay, old_interval = signal.setitimer(signal.ITIMER_REAL, timeout_s)
    started = time.monotonic()
    try:
        return _verify(pred, target)
    except _Timeout:
        return None
    except Exception:  # noqa: BLE001 - an unparsable answer is simply not equal
        return False
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old_handler)
        if old_delay > 0:  # give back an outer timer (pytest-timeout, a caller's alarm)
            left = old_delay - (time.monotonic() - started)
            signal.setitimer(signal.ITIMER_REAL, max(left, 0.001), old_interval)


class _WorkerProcess:
    """One checker process shared by all threads (a lock serializes the checks)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._proc: subprocess.Popen | None = None

    def _start(self) -> subprocess.Popen:
        root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p))
        proc = subprocess.Popen([sys.executable, "-m", "evals.grading.symbolic"], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, text=True, bufsize=1)
        if self._read(proc, _STARTUP_TIMEOUT_S) != {"ready": True}:
            self._kill(proc)
            raise RuntimeError("symbolic checker process did not start")
        return proc

    @staticmethod
    def _read(proc: subprocess.Popen, timeout_s: float) -> dict | None:
        ready, _, _ = select.select([proc.stdout], [], [], timeout_s)
        if not ready:
            return None
        line = proc.stdout.readline()
        return json.loads(line) if line else None

    @staticmethod
    def _kill(proc: subprocess.Popen) -> None:
        try:
            os.kill(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()

    def check(self, pred: str, target: str, timeout_s: float) -> bool | None:
        with self._lock:
            if self._proc is None or self._proc.poll() is not None:
                try:
                    self._proc = self._start()
                except (OSError, RuntimeError, ValueError):
                    return None  # graded like a timeout: incorrect, never a crash
            proc = self._proc
            try:
                proc.stdin.write(json.dumps({"pred": pred, "target": target}) + "\n")
                proc.stdin.flush()
                reply = self._read(proc, timeout_s)
            except (BrokenPipeError, ValueError):
                reply = None
            if reply is None or "equal" not in reply:
                self._kill(proc)
                self._proc = None
                return None
            return bool(reply["equal"])

    def close(self) -> None:
        with self._lock:
            if self._proc is not None:
                self._kill(self._proc)
                self._proc = None


_WORKER = _WorkerProcess()
atexit.register(_WORKER.close)


def _serve() -> None:
    """Worker loop: one JSON request per line in, one JSON reply per line out."""
    import math_verify  # noqa: F401 - import before saying ready

    replies, sys.stdout = sys.stdout, sys.stderr  # stray prints must not corrupt the protocol
    replies.write(json.dumps({"ready": True}) + "\n")
    replies.flush()
    for line in sys.stdin:
        request = json.loads(line)
        try:
            equal = _verify(request["pred"], request["target"])
        except Exception:  # noqa: BLE001 - unparsable means not equal
            equal = False
        replies.write(json.dumps({"equal": equal}) + "\n")
        replies.flush()


if __name__ == "__main__":
    _serve()
