"""Source offsets move only for records sent before a successful flush, never past a failure."""

from connect.runtime.submitted import SubmittedRecords


def test_offsets_of_everything_sent_are_taken_once():
    submitted = SubmittedRecords()
    submitted.offsets_for_batch()[b"p"] = {"seq": 9}
    submitted.add_records(10)
    submitted.offsets_for_batch()[b"p"] = {"seq": 19}
    submitted.offsets_for_batch()[b"q"] = {"seq": 3}
    submitted.add_records(11)
    assert submitted.pending_records == 21
    assert submitted.take() == ({b"p": {"seq": 19}, b"q": {"seq": 3}}, 21)
    assert submitted.take() == ({}, 0)


def test_a_failed_delivery_blocks_every_offset():
    submitted = SubmittedRecords()
    submitted.offsets_for_batch()[b"p"] = {"seq": 1}
    submitted.add_records(1)
    submitted.on_error("broker down", None)
    assert submitted.take() == ({}, 0)
    assert "broker down" in str(submitted.error)
