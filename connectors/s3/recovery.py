"""What a Kafka partition's objects say about where writing must resume.

Each object carries, in its metadata, the offset its commit started at. Commits become visible in order
(commits.py), so only the newest can be partly in S3: every record before its start is in a complete
object, and its own objects (those starting at or after it) may be a fraction of it. The writer resumes
at that start (rewriting the newest commit, deleting its objects first so a commit cut elsewhere on the
replay leaves no duplicate) unless the consumer group is already past it, which it only is once that
commit was complete.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from connect.spi import TopicPartition
from connectors.s3.client import S3Client
from connectors.s3.naming import ObjectNames

log = logging.getLogger(__name__)
COMMIT_START = "sluice-commit-start"  # user metadata (x-amz-meta-...) of every object written


@dataclass(frozen=True, slots=True)
class Recovered:
    commit_start: int | None  # where the newest commit in S3 started; None when there is none (or unknown)
    newest: tuple[str, ...]  # the keys of that commit's objects


NOTHING = Recovered(None, ())


def recover(client: S3Client, names: ObjectNames, tp: TopicPartition) -> Recovered:
    """List the partition's objects and read the newest one's commit start (one listing, one HEAD)."""
    prefix = names.prefix(tp)
    found = [(start, key) for key in client.list_keys(prefix) if (start := names.start_offset(key, tp)) is not None]
    _abort_unfinished(client, names, tp, prefix)
    if not found:
        return NOTHING
    start, key = max(found)
    raw = client.metadata(key).get(COMMIT_START)
    if raw is None or not raw.isdigit():
        log.info("%s: newest object %s has no commit metadata; resuming from the group's offset", tp, key)
        return NOTHING
    commit_start = int(raw)
    return Recovered(commit_start, tuple(k for s, k in found if s >= commit_start))


def _abort_unfinished(client: S3Client, names: ObjectNames, tp: TopicPartition, prefix: str) -> None:
    """Multipart uploads a crash left open cost storage until aborted; nothing will complete them now."""
    for key, upload_id in client.list_uploads(prefix):
        if names.start_offset(key, tp) is not None:
            try:
                client.abort_upload(key, upload_id)
            except Exception as exc:  # best effort: the next assignment tries again
                log.info("%s: could not abort the unfinished upload of %s: %s", tp, key, exc)
