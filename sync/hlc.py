"""Hybrid logical clock: ``"{physical_ms:015d}:{counter:05d}:{node}"``, ordered as a string."""

from __future__ import annotations

from dataclasses import dataclass


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
            self.last = HLC(self.last.physical_ms, self.last.counter + 1, self.node)
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
        self.last = HLC(top, counter, self.node)
        return self.last


def drift_ms(hlc: HLC, server_ms: int) -> int:
    """How far the device's physical clock is from the server's (positive: device ahead)."""
    return hlc.physical_ms - server_ms
