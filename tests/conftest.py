"""Fixtures shared by every test folder: databases (SQLite always, PostgreSQL when TEST_POSTGRES_URL is set), Redis
key prefixes (when TEST_REDIS_URL is set), worker pools, blob stores."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import boto3
import pytest
from moto.server import ThreadedMotoServer

from pipeline.settings import normalise_database_url
from pipeline.workers import CpuPool
from playground.stress.cluster import drop_redis_prefix, fresh_database
from storage.albums import AlbumStore
from storage.blobs import BlobStore, LocalBlobStore, S3BlobStore, S3Config
from storage.db import Database
from tests.booths.fixture_server import FixtureServer, mp4
from tests.e2e.test_qr_flow import BOOTH_PHOTO

POSTGRES_URL_ENV = "TEST_POSTGRES_URL"
REDIS_URL_ENV = "TEST_REDIS_URL"


def postgres_admin_url() -> str | None:
    return os.environ.get(POSTGRES_URL_ENV)


@pytest.fixture(params=["sqlite", "postgres"])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A fresh, empty database: SQLite in tmp_path, or a new PostgreSQL database dropped afterwards."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'test.sqlite3'}"
        return
    admin = postgres_admin_url()
    if not admin:
        pytest.skip(f"PostgreSQL variant: set {POSTGRES_URL_ENV} (make test and CI set it when a server runs)")
    async with fresh_database(admin, prefix="cc_test_") as url:
        yield normalise_database_url(url)


@pytest.fixture
async def local_albums(database_url: str, tmp_path: Path) -> AsyncIterator[AlbumStore]:
    """The album of a fresh, migrated database (each engine), its blobs on local disk; `.db` is the database."""
    db = Database(database_url)
    await db.migrate()
    yield AlbumStore(db, LocalBlobStore(tmp_path / "blobs"))
    await db.dispose()


@pytest.fixture
async def redis_prefix() -> AsyncIterator[tuple[str, str]]:
    """(TEST_REDIS_URL, a key prefix of this test's own, whose keys are deleted afterwards)."""
    url = os.environ.get(REDIS_URL_ENV)
    if not url:
        pytest.skip(f"Redis test: set {REDIS_URL_ENV} (make test and CI set it when a server runs)")
    prefix = f"cc_test_{uuid.uuid4().hex[:12]}"
    yield url, prefix
    await drop_redis_prefix(url, prefix)


@pytest.fixture(scope="session")
def cpu_pool() -> Iterator[CpuPool]:
    """One worker pool (spawned processes, models loaded once per worker) for every test that needs one."""
    pool = CpuPool(1)
    yield pool
    pool.shutdown()


@pytest.fixture(scope="session")
def picture_pool() -> Iterator[CpuPool]:
    """The interactive pictures' pool (Services.pictures), shared like cpu_pool; its worker starts on first use."""
    pool = CpuPool(1, name="pictures")
    yield pool
    pool.shutdown()


S3_KEYS = {"aws_access_key_id": "test-key", "aws_secret_access_key": "test-secret"}


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """A real S3-compatible server (moto's) on loopback for the session. It must start: the S3 tests fail, never
    skip, without it."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    try:
        server.start()
    except Exception as exc:
        pytest.fail(f"moto's S3 server did not start on 127.0.0.1:{port} (pip install 'moto[server]'): {exc!r}")
    yield f"http://127.0.0.1:{port}"
    server.stop()


BlobStoreFactory = Callable[[str], BlobStore]
S3Stores = Callable[[str], S3BlobStore]


@pytest.fixture(params=["local", "s3"])
def blob_stores(request: pytest.FixtureRequest, tmp_path: Path) -> BlobStoreFactory:
    """Makes blob stores ("blobs", "gallery", ...) on local disk, or in a fresh bucket of the loopback S3 server."""
    if request.param == "local":
        return lambda name: LocalBlobStore(tmp_path / name)
    return s3_blob_stores(request.getfixturevalue("s3_endpoint"), tmp_path)


@pytest.fixture
def s3_stores(s3_endpoint: str, tmp_path: Path) -> S3Stores:
    """The S3 backend alone (its read cache has no local counterpart)."""
    return s3_blob_stores(s3_endpoint, tmp_path)


def s3_blob_stores(endpoint: str, tmp_path: Path) -> S3Stores:
    bucket = f"cc-test-{uuid.uuid4().hex[:12]}"
    boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", **S3_KEYS).create_bucket(Bucket=bucket)
    config = S3Config(endpoint, "us-east-1", S3_KEYS["aws_access_key_id"], S3_KEYS["aws_secret_access_key"])
    return lambda name: S3BlobStore(f"s3://{bucket}/photos/{name}", config, tmp_path / "cache" / name, 64 << 20)


@pytest.fixture
async def photoism_booth() -> AsyncIterator[FixtureServer]:
    """Photoism's shape on loopback with one strip: tests.e2e.test_qr_flow's SHORT link, its photo and a video."""
    server = FixtureServer()
    await server.start()
    server.photoism("/s/8ijZsg_", "abc123", BOOTH_PHOTO, mp4(7))
    yield server
    await server.stop()
