"""Hybrid logical clock edge cases and drift flags."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sync.hlc import HLC, MAX_COUNTER, HybridClock, clock_drift_flags


def test_wire_form_round_trips_and_orders_as_a_string() -> None:
    a, b = HLC(1_767_225_600_000, 3, "dev-a"), HLC(1_767_225_600_000, 12, "dev-a")
    assert str(a) == "001767225600000:00003:dev-a"
    assert HLC.parse(str(a)) == a
    assert (str(a) < str(b)) == (a < b)


@pytest.mark.parametrize("text", ["", "1:2:x", "001767225600000:00003:", "001767225600000:3:x", "abc"])
def test_malformed_hlc_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        HLC.parse(text)


def test_wall_clock_going_backwards_never_moves_the_hlc_back() -> None:
    clock = HybridClock("d")
    first = clock.now(10_000)
    second = clock.now(5_000)
    assert second > first
    assert second.physical_ms == 10_000
    assert second.counter == 1


def test_receiving_a_time_from_the_future_moves_past_it() -> None:
    clock = HybridClock("d")
    clock.now(1_000)
    seen = clock.receive(HLC(9_000, 7, "other"), 2_000)
    assert seen == HLC(9_000, 8, "d")
    assert clock.now(3_000) > HLC(9_000, 7, "other")


def test_equal_physical_times_take_the_larger_counter() -> None:
    clock = HybridClock("d", HLC(5_000, 4, "d"))
    assert clock.receive(HLC(5_000, 9, "x"), 1_000) == HLC(5_000, 10, "d")
    assert clock.receive(HLC(4_000, 99, "x"), 1_000) == HLC(5_000, 11, "d")
    assert clock.receive(HLC(1_000, 0, "x"), 8_000) == HLC(8_000, 0, "d")


def test_counter_overflow_moves_to_the_next_millisecond_keeping_string_order() -> None:
    clock = HybridClock("d", HLC(5_000, MAX_COUNTER, "d"))
    nxt = clock.now(5_000)
    assert nxt == HLC(5_001, 0, "d")
    assert str(nxt) > str(HLC(5_000, MAX_COUNTER, "d"))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.integers(0, 10_000), st.integers(0, 10_000)), max_size=40))
def test_hlc_is_strictly_monotonic_under_any_event_sequence(events: list[tuple[bool, int, int]]) -> None:
    clock = HybridClock("d")
    last = clock.last
    for is_receive, wall, remote in events:
        ts = clock.receive(HLC(remote, wall % 7, "r"), wall) if is_receive else clock.now(wall)
        assert ts > last
        assert str(ts) > str(last)
        last = ts


def test_drift_is_flagged_for_future_times_and_reported_skew_not_for_old_offline_ops() -> None:
    server, limit = 1_000_000_000, 300_000
    old = HLC(server - 86_400_000, 0, "d")
    assert clock_drift_flags(server_ms=server, limit_ms=limit, device_time_ms=old.physical_ms, hlc=old) == []
    future = HLC(server + 3_600_000, 0, "d")
    assert clock_drift_flags(server_ms=server, limit_ms=limit, device_time_ms=server, hlc=future) == [
        "clock_drift"
    ]
    assert clock_drift_flags(
        server_ms=server, limit_ms=limit, device_time_ms=server - 10, hlc=old, device_now_ms=server - 600_000
    ) == ["clock_drift"]
