"""The S3 sink: topics landed in S3 (or any S3-compatible store) as files, each offset exactly once."""
