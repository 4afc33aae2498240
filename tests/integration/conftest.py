"""Real PostgreSQL and a real Kafka-protocol broker, both started by the project itself."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from streams.embedded import EmbeddedBroker, start_postgres
from streams.settings import Settings
from tests.integration.harness import Harness, database_on

pytestmark = pytest.mark.integration


@pytest.fixture(scope="session")
def postgres_admin_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The server's admin URL: DATABASE_URL if set, else an embedded PostgreSQL."""
    if os.environ.get("DATABASE_URL"):
        yield os.environ["DATABASE_URL"]
        return
    server, url = start_postgres(tmp_path_factory.mktemp("pg"))
    yield url
    server.cleanup()


@pytest.fixture(scope="session")
def bootstrap(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """KAFKA_BOOTSTRAP_SERVERS if set, else the embedded Tansu broker."""
    if os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
        yield os.environ["KAFKA_BOOTSTRAP_SERVERS"]
        return
    broker = EmbeddedBroker(tmp_path_factory.mktemp("broker"))
    yield broker.start()
    broker.stop()


@pytest.fixture
def database_url(postgres_admin_url: str) -> Iterator[str]:
    """A fresh, empty database for one test."""
    with database_on(postgres_admin_url) as url:
        yield url


@pytest.fixture
def settings(database_url: str, bootstrap: str, tmp_path: Path) -> Settings:
    """Settings isolating one test: its own database, topics and consumer group."""
    tag = uuid.uuid4().hex[:10]
    return Settings(home=tmp_path / "home", database_url=database_url, bootstrap_servers=bootstrap,
                    topic_prefix=f"t{tag}-", partitions=2, batch_size=200, batch_ms=50,
                    maturation_interval_s=1)


@pytest.fixture
def harness(settings: Settings, tmp_path: Path) -> Iterator[Harness]:
    """Starts workers, publishes events and reads results; stops every worker afterwards."""
    with Harness(settings, tmp_path) as running:
        yield running


@pytest.fixture
def db(database_url: str) -> Iterator[psycopg.Connection[tuple[object, ...]]]:
    """An autocommit connection to the test's database."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        yield conn


@pytest.fixture(scope="module")
def module_harness(postgres_admin_url: str, bootstrap: str,
                   tmp_path_factory: pytest.TempPathFactory) -> Iterator[Harness]:
    """One ledger (database, topics, workers) shared by a module's tests of one scenario."""
    tag = uuid.uuid4().hex[:10]
    workdir = tmp_path_factory.mktemp("scenario")
    with database_on(postgres_admin_url) as url:
        settings = Settings(home=workdir / "home", database_url=url, bootstrap_servers=bootstrap,
                            topic_prefix=f"m{tag}-", partitions=2, batch_size=100, batch_ms=50,
                            maturation_interval_s=1)
        with Harness(settings, workdir) as harness:
            yield harness
