"""Time for the collector: the real clock, or a simulated one (benchmarks, tests of long waits).

Every wait the collector does goes through ``Clock.sleep``, which a stop request interrupts.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime


class Clock:
    """Wall-clock time in epoch seconds; ``sleep`` returns early (False) when ``stop`` is set."""

    def __init__(self, stop: threading.Event | None = None) -> None:
        self.stop = stop or threading.Event()

    def now(self) -> float:
        return time.time()

    def sleep(self, seconds: float) -> bool:
        if seconds <= 0:
            return not self.stop.is_set()
        return not self.stop.wait(seconds)

    def utcnow(self) -> datetime:
        return datetime.fromtimestamp(self.now(), UTC).replace(tzinfo=None)


class SimulatedClock(Clock):
    """A clock that jumps forward instead of sleeping; thread-safe so a local server can share it."""

    def __init__(self, start: float = 1_767_225_600.0, stop: threading.Event | None = None) -> None:
        super().__init__(stop)
        self._now = start
        self._lock = threading.Lock()
        self.slept = 0.0

    def now(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += max(0.0, seconds)

    def sleep(self, seconds: float) -> bool:
        if self.stop.is_set():
            return False
        self.advance(seconds)
        self.slept += max(0.0, seconds)
        return True
