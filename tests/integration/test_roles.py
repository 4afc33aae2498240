"""Least privilege: the worker, the projections and the API connect as roles that cannot edit the log."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict
from structlog.testing import capture_logs

from ledger.database import ledger_env
from ledger.store import roles
from ledger.store.postgres import PostgresStore
from ledger.writer import LedgerWriter, received
from projections.registry import all_projections
from projections.runner import ProjectionRunner
from streams.role_urls import RoleUrls, application_urls, user_of, with_credentials
from tests.builders import refund, two_tier_events
from tests.integration.harness import Harness, wait_for

pytestmark = pytest.mark.integration

EDITS = {
    "update": "UPDATE ledger.entries SET topic = 'x'",
    "delete": "DELETE FROM ledger.entries",
    "truncate": "TRUNCATE ledger.entries",
    "disable_trigger": "ALTER TABLE ledger.entries DISABLE TRIGGER ledger_entries_append_only",
    "replication_role": "SET session_replication_role = replica",
}


@pytest.fixture
def urls(database_url: str, tmp_path: Path) -> RoleUrls:
    """The database provisioned by its owner, and the URL of each application role."""
    return application_urls(database_url, tmp_path / "home", environ={})


def _writes_a_ledger(url: str) -> LedgerWriter:
    writer = LedgerWriter(PostgresStore.connect(ledger_env(url), create=False), min_wait_s=0)
    writer.apply([received(json.dumps(e).encode()) for e in (*two_tier_events(), refund("S-1", 2_500))])
    return writer


@pytest.mark.parametrize("kind", ["writer", "projector", "api"])
@pytest.mark.parametrize("edit", sorted(EDITS))
def test_an_application_role_is_refused_every_edit_of_the_log(urls: RoleUrls, kind: str, edit: str) -> None:
    with psycopg.connect(getattr(urls, kind), autocommit=True) as conn, \
            pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute(EDITS[edit])


@pytest.mark.parametrize("kind", ["writer", "projector", "api"])
def test_an_application_role_has_no_privileged_attribute_and_owns_nothing(urls: RoleUrls, database_url: str,
                                                                          kind: str) -> None:
    user = conninfo_to_dict(getattr(urls, kind))["user"]
    with psycopg.connect(database_url, autocommit=True) as conn:
        found = roles.facts(conn, str(user))
    assert (found.exists, found.privileged, found.owns) == (True, False, 0)


def test_a_ledger_written_as_the_writer_role_has_its_rows_and_balances(urls: RoleUrls,
                                                                        db: psycopg.Connection[Any]) -> None:
    _writes_a_ledger(urls.writer).store.close()
    again = LedgerWriter(PostgresStore.connect(ledger_env(urls.writer), create=False))  # restored as the writer
    balances = db.execute("SELECT partner_id, available FROM projections.partner_balances ORDER BY 1").fetchall()
    assert (db.execute("SELECT count(*) FROM ledger.entries").fetchone(), balances) == ((5,), [("rex", 1_500),
                                                                                           ("susie", 375)])
    assert db.execute("SELECT sum(last - first + 1)::int FROM ledger.chain").fetchone() == (5,)
    again.store.close()


def test_the_projector_role_brings_the_read_models_up_to_the_head(urls: RoleUrls,
                                                                  db: psycopg.Connection[Any]) -> None:
    _writes_a_ledger(urls.writer).store.close()
    runner = ProjectionRunner(urls.projector, all_projections(), create=False)
    runner.catch_up()
    assert {s.name: s.lag for s in runner.status() if s.lag} == {}
    runner.close()


@pytest.mark.parametrize("table", ["ledger.entries", "ledger.personal_data", "ledger.dead_letters"])
def test_the_api_role_reads_no_table_of_the_ledger(urls: RoleUrls, table: str) -> None:
    with psycopg.connect(urls.api, autocommit=True) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute(f"SELECT * FROM {table}")


def test_the_writer_role_may_not_rewrite_the_read_models_it_does_not_keep(urls: RoleUrls) -> None:
    with psycopg.connect(urls.writer, autocommit=True) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute("DELETE FROM projections.statement_lines")


def test_provisioning_again_keeps_the_passwords_and_the_roles_still_log_in(urls: RoleUrls, database_url: str,
                                                                          tmp_path: Path) -> None:
    again = application_urls(database_url, tmp_path / "home", environ={})
    assert again == urls
    with psycopg.connect(again.writer, autocommit=True) as conn:
        assert conn.execute("SELECT current_user").fetchone() == (roles.WRITER,)


def test_ledger_run_connects_as_the_writer_projector_and_api_roles(harness: Harness,
                                                                   db: psycopg.Connection[Any]) -> None:
    harness.start_worker(api=True)

    def users() -> set[str] | None:
        rows = db.execute("SELECT DISTINCT usename FROM pg_stat_activity WHERE datname = current_database() "
                          "AND pid <> pg_backend_pid()").fetchall()
        found = {str(r[0]) for r in rows}
        return found if found == {roles.WRITER, roles.PROJECTOR, roles.API} else None

    assert wait_for(users, "ledger run's connections to be its three roles")


def test_the_api_of_ledger_run_reports_the_ledger_through_the_api_role(harness: Harness) -> None:
    harness.start_worker(api=True)
    harness.apply(two_tier_events())

    def ready() -> dict[str, Any] | None:
        try:
            answer = httpx.get(f"http://127.0.0.1:{harness.api_port}/ready", timeout=5)
        except httpx.TransportError:
            return None
        return answer.json() if answer.status_code == 200 else None

    assert wait_for(ready, "/ready")["head"] == len(two_tier_events())


def test_roles_an_operator_made_are_used_and_granted_without_being_altered(database_url: str, tmp_path: Path,
                                                                           db: psycopg.Connection[Any]) -> None:
    db.execute("DROP ROLE IF EXISTS ops_api")
    db.execute("CREATE ROLE ops_api LOGIN PASSWORD 'chosen-by-ops'")
    given = with_credentials(database_url, "ops_api", "chosen-by-ops")
    urls = application_urls(database_url, tmp_path / "home", environ={"LEDGER_API_URL": given})
    with psycopg.connect(urls.api, autocommit=True) as conn:
        assert conn.execute("SELECT current_user, count(*) FROM projections.tracking").fetchone() == ("ops_api", 0)
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("SELECT count(*) FROM ledger.entries")
    assert urls.api == given


def test_an_owner_that_may_not_create_roles_is_used_by_every_part_with_a_warning(database_url: str, tmp_path: Path,
                                                                               db: psycopg.Connection[Any]) -> None:
    db.execute("DROP ROLE IF EXISTS plain_owner")
    db.execute("CREATE ROLE plain_owner LOGIN")
    db.execute(f'ALTER DATABASE "{db.info.dbname}" OWNER TO plain_owner')
    owner = with_credentials(database_url, "plain_owner", "")
    with capture_logs() as logs:
        urls = application_urls(owner, tmp_path / "home", environ={})
    warned = [e for e in logs if e["event"] == "application_roles_not_used"]
    assert (urls.writer, urls.projector, urls.api) == (owner, owner, owner)
    assert "LEDGER_WRITER_URL" in warned[0]["fix"]


def test_the_passwords_file_is_readable_by_its_owner_only(urls: RoleUrls, tmp_path: Path) -> None:
    assert (tmp_path / "home" / "roles.json").stat().st_mode & 0o777 == 0o600


def test_ledger_roles_shows_the_writer_may_only_read_and_append_to_the_log(urls: RoleUrls, harness: Harness) -> None:
    result = harness.ledger("roles", "--json")
    report = {row["kind"]: row for row in json.loads(result.stdout)}
    assert result.returncode == 0, result.stderr
    assert report["writer"]["privileges"]["ledger.entries"] == ["INSERT", "SELECT"]
    assert [t for t in report["api"]["privileges"] if t.startswith("ledger.")] == []
    assert {(r["privileged"], r["owns"]) for r in report.values()} == {(False, 0)}


def test_the_projector_role_may_not_move_the_balances_the_writer_keeps(urls: RoleUrls) -> None:
    with psycopg.connect(urls.projector, autocommit=True) as conn, \
            pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute("UPDATE projections.partner_balances SET available = available + 1")


def test_processes_on_two_homes_given_one_owner_password_agree_on_the_roles_passwords(database_url: str,
                                                                                     tmp_path: Path) -> None:
    owner = with_credentials(database_url, user_of(database_url), "the-owners-secret")  # trust: any password
    first, second = (application_urls(owner, tmp_path / home, environ={}) for home in ("a", "b"))
    assert first == second
    assert not (tmp_path / "a" / "roles.json").exists()


@pytest.mark.parametrize("kind", ["writer", "projector"])
def test_only_the_api_role_may_call_the_ledger_summary(urls: RoleUrls, kind: str) -> None:
    with psycopg.connect(getattr(urls, kind), autocommit=True) as conn, \
            pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute("SELECT * FROM projections.ledger_summary()")


def test_after_ledger_provision_ledger_run_works_with_only_the_role_urls(harness: Harness, database_url: str,
                                                                          tmp_path: Path,
                                                                          db: psycopg.Connection[Any]) -> None:
    provisioned = harness.ledger("provision")
    urls = application_urls(database_url, harness.settings.home, environ={})  # the same passwords, as the file keeps
    harness.extra_env = {"DATABASE_URL": "", "LEDGER_WRITER_URL": urls.writer, "LEDGER_PROJECTOR_URL": urls.projector,
                         "LEDGER_API_URL": urls.api}
    harness.start_worker()
    harness.apply(two_tier_events())
    users = {str(r[0]) for r in db.execute("SELECT DISTINCT usename FROM pg_stat_activity WHERE datname = "
                                           "current_database() AND pid <> pg_backend_pid()").fetchall()}
    assert provisioned.returncode == 0, provisioned.stderr
    assert users == {roles.WRITER, roles.PROJECTOR}
