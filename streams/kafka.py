"""Broker housekeeping: topics, cluster identity and a plain producer (no idempotence, no transactions)."""

from __future__ import annotations

from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaConnectionError

TOPIC_ALREADY_EXISTS = 36


class BrokerUnavailableError(RuntimeError):
    """The broker could not be reached."""


async def ensure_topics(bootstrap: str, topics: list[str], partitions: int, replication: int = 1) -> None:
    """Create the topics that do not exist yet."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=10000)
    try:
        await admin.start()
    except KafkaConnectionError as exc:
        raise BrokerUnavailableError(f"cannot reach the broker at {bootstrap}: {exc}") from exc
    try:
        existing = set(await admin.list_topics())
        missing = [NewTopic(t, partitions, replication) for t in topics if t not in existing]
        if missing:
            response = await admin.create_topics(missing)
            for topic, code, message in response.topic_errors:
                if code not in (0, TOPIC_ALREADY_EXISTS):
                    raise BrokerUnavailableError(f"could not create topic {topic}: {message}")
    finally:
        await admin.close()


async def cluster_id(bootstrap: str) -> str:
    """The broker cluster's id; offsets are only meaningful within one cluster."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=10000)
    try:
        await admin.start()
        return str((await admin.describe_cluster()).get("cluster_id") or "")
    except KafkaConnectionError as exc:
        raise BrokerUnavailableError(f"cannot reach the broker at {bootstrap}: {exc}") from exc
    finally:
        await admin.close()


def plain_producer(bootstrap: str) -> AIOKafkaProducer:
    """A producer that waits for all in-sync replicas; idempotence stays off (Tansu lacks it)."""
    return AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=False,
                            linger_ms=5, max_batch_size=256 * 1024)
