"""docker-compose.yml keeps Kafka's data, checks readiness and leaves a local PostgreSQL's 5432 alone.

Read as text: no YAML parser is a dependency of the ledger, and the facts checked are line-shaped.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _services() -> dict[str, str]:
    """Each service's block of docker-compose.yml, by name (the lines indented under `  name:`)."""
    text = (ROOT / "docker-compose.yml").read_text()
    body = text.split("\nservices:\n", 1)[1].split("\nvolumes:\n", 1)[0]
    blocks = re.split(r"^  ([a-z][\w-]*):\n", body, flags=re.MULTILINE)
    return dict(zip(blocks[1::2], blocks[2::2], strict=True))


def _top_level_volumes() -> list[str]:
    text = (ROOT / "docker-compose.yml").read_text()
    return re.findall(r"^  ([\w-]+):", text.split("\nvolumes:\n", 1)[1], flags=re.MULTILINE)


def test_kafka_keeps_its_log_in_a_named_volume() -> None:
    kafka = _services()["kafka"]
    assert "KAFKA_LOG_DIRS: /var/lib/kafka/data" in kafka
    assert "kafkadata:/var/lib/kafka/data" in kafka
    assert "kafkadata" in _top_level_volumes()


def test_the_worker_and_the_api_are_healthy_only_when_ready() -> None:
    services = _services()
    assert "/ready'" in services["worker"] and ":8081/ready" in services["worker"]
    assert "*worker-ready" in services["standby"]
    assert ":8080/ready" in services["api"]
    assert re.search(r"worker: \{condition: service_healthy\}", services["api"])


def test_no_service_publishes_port_5432_on_the_host() -> None:
    published = re.findall(r'"([\d.:]+):(\d+)"', "".join(re.findall(r"ports: \[(.*)\]", "\n".join(_services().values()))))
    host_ports = [host.rsplit(":", 1)[-1] for host, _ in published]
    assert host_ports and "5432" not in host_ports


def test_the_image_installs_the_ledger_without_its_embedded_extra() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "pip install --no-cache-dir . " in dockerfile
    assert "[embedded]" not in dockerfile and "[test]" not in dockerfile
