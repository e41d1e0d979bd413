"""Source offsets become committable only for a fully acknowledged prefix of batches."""

from connect.runtime.submitted import SubmittedRecords


def test_only_acknowledged_prefix_is_committable():
    submitted = SubmittedRecords()
    first, second = submitted.new_batch(), submitted.new_batch()
    first.offsets[b"p"] = {"seq": 9}
    first.pending = first.records = 2
    second.offsets[b"p"] = {"seq": 19}
    second.pending = second.records = 1
    second.on_delivery(None, None)  # the later batch is acknowledged first
    assert submitted.committable() == {}
    first.on_delivery(None, None)
    assert submitted.committable() == {}
    first.on_delivery(None, None)
    assert submitted.committable() == {b"p": {"seq": 19}}
    assert submitted.acked_records == 3


def test_failed_delivery_blocks_the_offset():
    submitted = SubmittedRecords()
    batch = submitted.new_batch()
    batch.offsets[b"p"] = {"seq": 1}
    batch.pending = 1
    batch.on_delivery("broker down", None)
    assert submitted.committable() == {}
    assert "broker down" in str(submitted.first_error())
