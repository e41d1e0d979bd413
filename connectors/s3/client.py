"""Talking to S3 through boto3: the few calls the sink makes, with each failure sorted into transient
(retrying will fix it: the store is unreachable, slow or briefly failing) or fatal (it will not: no such
bucket, bad credentials, a store that refuses the request as made)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, ConnectionError, HTTPClientError, NoCredentialsError

from connect.errors import ConnectException
from connectors.s3.config import S3SinkConfig

_TRANSIENT_CODES = frozenset(
    {"SlowDown", "RequestTimeout", "InternalError", "ServiceUnavailable", "Throttling", "ThrottlingException"}
)
_CREDENTIALS_CODES = frozenset({"InvalidAccessKeyId", "SignatureDoesNotMatch", "AccessDenied", "403", "Forbidden"})


class TransientS3Error(Exception):
    """A request that may succeed when retried."""


class FatalS3Error(ConnectException):
    """A request no retry will make succeed; the message says what to change, `key` which config key."""

    def __init__(self, message: str, key: str | None = None) -> None:
        super().__init__(message)
        self.key = key


def boto_client(config: S3SinkConfig, max_connections: int = 10) -> Any:
    """A boto3 S3 client made from the connector's keys (its own session: clients are made in any thread)."""
    session = boto3.session.Session(
        aws_access_key_id=config.access_key,
        aws_secret_access_key=config.secret_key,
        region_name=config.region,
    )
    return session.client(
        "s3",
        endpoint_url=config.endpoint,
        config=Config(
            s3={"addressing_style": "path" if config.path_style else "auto"},
            request_checksum_calculation=config.checksums,
            response_checksum_validation=config.checksums,
            retries={"max_attempts": config.part_retries + 1, "mode": "standard"},
            connect_timeout=5,
            read_timeout=60,
            max_pool_connections=max_connections,
        ),
    )


class S3Client:
    """The calls the sink makes, each raising TransientS3Error or FatalS3Error."""

    def __init__(self, config: S3SinkConfig, client: Any = None, max_connections: int = 10) -> None:
        self.config = config
        self.bucket = config.bucket
        self._s3 = client if client is not None else boto_client(config, max_connections)

    @contextmanager
    def _errors(self, what: str, bucket_call: bool = False) -> Iterator[None]:
        try:
            yield
        except ClientError as exc:
            raise classify(exc, what, self.config, bucket_call) from None
        except NoCredentialsError:
            raise FatalS3Error(
                f"{what}: no AWS credentials found; set aws.access.key.id and aws.secret.access.key "
                "or provide credentials through the environment",
                "aws.access.key.id",
            ) from None
        except (ConnectionError, HTTPClientError) as exc:
            raise TransientS3Error(f"{what}: {self.config.where} is unreachable: {exc}") from None
        except BotoCoreError as exc:
            raise FatalS3Error(f"{what}: {exc}") from None

    def check_bucket(self) -> None:
        """Raise FatalS3Error when the bucket is missing or the credentials cannot use it."""
        with self._errors(f"checking {self.config.where}", bucket_call=True):
            self._s3.head_bucket(Bucket=self.bucket)

    def put(self, key: str, body: bytes | bytearray, metadata: dict[str, str]) -> None:
        with self._errors(f"writing {key}"):
            self._s3.put_object(Bucket=self.bucket, Key=key, Body=body, Metadata=metadata)

    def create_upload(self, key: str, metadata: dict[str, str]) -> str:
        with self._errors(f"starting the upload of {key}"):
            return self._s3.create_multipart_upload(Bucket=self.bucket, Key=key, Metadata=metadata)["UploadId"]

    def upload_part(self, key: str, upload_id: str, number: int, body: bytes | bytearray) -> str:
        with self._errors(f"uploading part {number} of {key}"):
            return self._s3.upload_part(Bucket=self.bucket, Key=key, UploadId=upload_id, PartNumber=number, Body=body)[
                "ETag"
            ]

    def complete_upload(self, key: str, upload_id: str, etags: list[str]) -> None:
        parts = [{"PartNumber": n, "ETag": tag} for n, tag in enumerate(etags, 1)]
        with self._errors(f"completing the upload of {key}"):
            self._s3.complete_multipart_upload(
                Bucket=self.bucket, Key=key, UploadId=upload_id, MultipartUpload={"Parts": parts}
            )

    def abort_upload(self, key: str, upload_id: str) -> None:
        with self._errors(f"aborting the upload of {key}"):
            self._s3.abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload_id)

    def list_keys(self, prefix: str) -> Iterator[str]:
        with self._errors(f"listing {prefix}"):
            for page in self._s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix):
                for item in page.get("Contents", ()):
                    yield item["Key"]

    def list_uploads(self, prefix: str) -> list[tuple[str, str]]:
        """(key, upload id) of the multipart uploads started and neither completed nor aborted."""
        with self._errors(f"listing the unfinished uploads of {prefix}"):
            pages = self._s3.get_paginator("list_multipart_uploads").paginate(Bucket=self.bucket, Prefix=prefix)
            return [(u["Key"], u["UploadId"]) for page in pages for u in page.get("Uploads", ())]

    def metadata(self, key: str) -> dict[str, str]:
        with self._errors(f"reading the metadata of {key}"):
            return dict(self._s3.head_object(Bucket=self.bucket, Key=key).get("Metadata", {}))

    def delete(self, keys: list[str]) -> None:
        # One request per key: DeleteObjects needs a checksum header that several S3-compatible stores refuse,
        # and recovery deletes the objects of one commit only.
        for key in keys:
            with self._errors(f"deleting {key}"):
                self._s3.delete_object(Bucket=self.bucket, Key=key)

    def close(self) -> None:
        self._s3.close()


def classify(exc: ClientError, what: str, config: S3SinkConfig, bucket_call: bool = False) -> Exception:
    """TransientS3Error or FatalS3Error for an error answer of S3."""
    error = exc.response.get("Error", {})
    code = str(error.get("Code", ""))
    status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
    detail = f"{code or status}: {error.get('Message') or exc}"
    if code in _TRANSIENT_CODES or status in (408, 429) or (status >= 500 and code != "NotImplemented"):
        return TransientS3Error(f"{what}: {config.where} failed for now ({detail})")
    if code == "NoSuchBucket" or (bucket_call and status == 404):
        return FatalS3Error(f"{what}: the bucket {config.bucket!r} does not exist (s3.bucket.name)", "s3.bucket.name")
    if code in _CREDENTIALS_CODES or status == 403:
        return FatalS3Error(
            f"{what}: access denied ({detail}); check aws.access.key.id / aws.secret.access.key and the "
            f"permissions on bucket {config.bucket!r}",
            "aws.access.key.id",
        )
    if code == "NotImplemented":
        return FatalS3Error(
            f"{what}: the store does not implement this request ({detail}); if it rejects checksums, "
            "set s3.request.checksum.calculation=when_required",
            "s3.request.checksum.calculation",
        )
    return FatalS3Error(f"{what}: {config.where} refused the request ({detail})")
