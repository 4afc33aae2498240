"""A DATABASE_URL that is not one: one line saying the form it takes, exit 2, never its password."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration  # runs `ledger` in a subprocess; needs no database


@pytest.mark.parametrize("url", ["notaurl", "postgresql://ledger:s3cret@db:port/ledger", "mysql://ledger:s3cret@db/x"])
def test_a_database_url_that_is_not_one_is_refused_in_one_line_without_its_password(tmp_path: Path, url: str) -> None:
    env = os.environ | {"DATABASE_URL": url, "LEDGER_HOME": str(tmp_path)}
    result = subprocess.run([sys.executable, "-m", "streams.cli", "balance", "rex"], env=env, capture_output=True,
                            text=True, timeout=120, check=False)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "postgresql://user:password@host:5432/dbname" in result.stderr
    assert "s3cret" not in result.stderr + result.stdout


def test_a_role_url_that_is_not_one_is_refused_naming_its_variable(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"} | {
        "LEDGER_WRITER_URL": "postgresql://ledger_writer:s3cret@db:port/ledger", "LEDGER_HOME": str(tmp_path)}
    result = subprocess.run([sys.executable, "-m", "streams.cli", "balance", "rex"], env=env, capture_output=True,
                            text=True, timeout=120, check=False)
    assert result.returncode == 2 and "LEDGER_WRITER_URL is not a valid PostgreSQL URL" in result.stderr
    assert "s3cret" not in result.stderr + result.stdout
