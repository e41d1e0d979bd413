"""Rebalance callbacks never let an exception through librdkafka: the loop raises it after the poll."""

from streams.runtime.tasks import TaskManager


def test_a_failing_rebalance_callback_is_kept_for_the_loop_and_later_callbacks_are_skipped():
    manager = TaskManager.__new__(TaskManager)
    manager.failure = None
    calls = []

    def fails(consumer, partitions):
        calls.append(partitions)
        raise RuntimeError("restore failed")

    guarded = manager.guarded(fails)
    guarded(None, ["p0"])
    guarded(None, ["p1"])
    assert isinstance(manager.failure, RuntimeError) and calls == [["p0"]]
