"""Hybrid logical clock: ``"{physical_ms:015d}:{counter:05d}:{node}"``, ordered as a string."""

from __future__ import annotations

from dataclasses import dataclass

MAX_COUNTER = 99_999
"""The wire form has five counter digits; past this the clock moves to the next millisecond."""


@dataclass(frozen=True, order=True)
class HLC:
    """A hybrid logical timestamp."""

    physical_ms: int
    counter: int
    node: str

    def __str__(self) -> str:
        return f"{self.physical_ms:015d}:{self.counter:05d}:{self.node}"

    @classmethod
    def parse(cls, text: str) -> HLC:
        """Parse the wire form; raises ValueError on anything else."""
        parts = text.split(":", 2)
        if len(parts) != 3 or len(parts[0]) != 15 or len(parts[1]) != 5 or not parts[2]:
            raise ValueError(f"not an HLC timestamp: {text!r}")
        return cls(int(parts[0]), int(parts[1]), parts[2])


class HybridClock:
    """One node's HLC state."""

    def __init__(self, node: str, last: HLC | None = None) -> None:
        self.node = node
        self.last = last or HLC(0, 0, node)

    def now(self, physical_ms: int) -> HLC:
        """Timestamp for a local event at wall time ``physical_ms``."""
        if physical_ms > self.last.physical_ms:
            self.last = HLC(physical_ms, 0, self.node)
        else:
            self.last = _bounded(self.last.physical_ms, self.last.counter + 1, self.node)
        return self.last

    def receive(self, remote: HLC, physical_ms: int) -> HLC:
        """Merge a remote timestamp seen at wall time ``physical_ms``."""
        top = max(physical_ms, self.last.physical_ms, remote.physical_ms)
        if top == self.last.physical_ms == remote.physical_ms:
            counter = max(self.last.counter, remote.counter) + 1
        elif top == self.last.physical_ms:
            counter = self.last.counter + 1
        elif top == remote.physical_ms:
            counter = remote.counter + 1
        else:
            counter = 0
        self.last = _bounded(top, counter, self.node)
        return self.last


def _bounded(physical_ms: int, counter: int, node: str) -> HLC:
    """Keep the counter within its five digits so the string form still orders correctly."""
    if counter > MAX_COUNTER:
        return HLC(physical_ms + 1, 0, node)
    return HLC(physical_ms, counter, node)


def clock_drift_flags(
    *, server_ms: int, limit_ms: int, device_time_ms: int, hlc: HLC, device_now_ms: int | None = None
) -> list[str]:
    """``["clock_drift"]`` when the device clock is off by more than ``limit_ms``; drift never refuses data.

    An op captured offline legitimately carries an old time, so "old" is not drift. Drift is a device time
    or HLC later than the server's receive time, or (when the push says what time the device thinks it is
    now) a difference between that and the server's clock.
    """
    ahead = max(device_time_ms, hlc.physical_ms) - server_ms
    skew = abs(device_now_ms - server_ms) if device_now_ms is not None else 0
    return ["clock_drift"] if ahead > limit_ms or skew > limit_ms else []


def drift_ms(hlc: HLC, server_ms: int) -> int:
    """How far the device's physical clock is from the server's (positive: device ahead)."""
    return hlc.physical_ms - server_ms
