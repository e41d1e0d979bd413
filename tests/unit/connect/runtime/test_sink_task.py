"""The sink task's consume: records already fetched go to the task at once, not when a batch has filled."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from connect.runtime.sink_task import consume_available


class BatchConsumer:
    """librdkafka's batch consume, in simulated time: `consume(n, timeout)` takes what is queued, then waits for
    arrivals until it holds n messages; holding fewer, it returns only once the whole timeout has passed."""

    def __init__(self, queued: int, arriving: int) -> None:
        self.queued = [f"q{i}" for i in range(queued)]
        self.arriving = [f"a{i}" for i in range(arriving)]
        self.held_back = 0.0  # seconds spent waiting for a fuller batch while holding messages

    def consume(self, n: int, timeout: float) -> list[str]:
        out, self.queued = self.queued[:n], self.queued[n:]
        while len(out) < n and timeout > 0 and self.arriving:
            out.append(self.arriving.pop(0))
        if len(out) < n and timeout > 0:
            self.held_back += timeout if out else 0.0
        return out


@given(st.integers(0, 30), st.integers(0, 5), st.integers(1, 10))
def test_what_is_there_is_handed_over_without_waiting_for_a_full_batch(queued, arriving, max_records):
    consumer = BatchConsumer(queued, arriving)
    got = consume_available(consumer, max_records, 0.5)  # type: ignore[arg-type]
    if queued:
        assert got == [f"q{i}" for i in range(min(queued, max_records))]
    else:
        assert got == [f"a{i}" for i in range(min(arriving, 1))]  # waited for the first record only
    assert consumer.held_back == 0.0


def test_a_batch_call_alone_would_hold_records_back():
    consumer = BatchConsumer(3, 0)
    assert consumer.consume(500, 0.5) == ["q0", "q1", "q2"]
    assert consumer.held_back == 0.5  # what the sink did before: the model tells the difference
