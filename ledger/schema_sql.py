"""DDL of the ledger's own tables and the guard that makes its event table append-only."""

from __future__ import annotations


def ledger_ddl(schema: str, events_table: str) -> list[str]:
    """Statements creating the inbox, the dead letters and the append-only guard."""
    return [
        f"""CREATE TABLE IF NOT EXISTS "{schema}".inbox (
            event_id text PRIMARY KEY,
            type text NOT NULL,
            outcome text NOT NULL CHECK (outcome IN ('applied', 'rejected')),
            source_topic text, source_partition int, source_offset bigint,
            recorded_at timestamptz NOT NULL DEFAULT now())""",
        f"""CREATE TABLE IF NOT EXISTS "{schema}".dead_letters (
            id bigserial PRIMARY KEY,
            event_id text,
            reason text NOT NULL,
            detail text NOT NULL,
            payload bytea NOT NULL,
            source_topic text, source_partition int, source_offset bigint,
            rejected_at timestamptz NOT NULL DEFAULT now(),
            published_at timestamptz,
            UNIQUE (source_topic, source_partition, source_offset))""",
        f"""CREATE TABLE IF NOT EXISTS "{schema}".source_positions (
            topic text NOT NULL, partition int NOT NULL, "offset" bigint NOT NULL,
            updated_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (topic, partition))""",
        f"""CREATE OR REPLACE FUNCTION "{schema}".refuse_ledger_edits() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
              RAISE EXCEPTION 'the ledger is append-only: % on % is refused; record a correcting '
                'transaction instead', TG_OP, TG_TABLE_NAME;
            END $$""",
        f"""CREATE OR REPLACE TRIGGER ledger_events_append_only
            BEFORE UPDATE OR DELETE OR TRUNCATE ON "{schema}"."{events_table}"
            FOR EACH STATEMENT EXECUTE FUNCTION "{schema}".refuse_ledger_edits()""",
        f"""CREATE OR REPLACE TRIGGER inbox_append_only
            BEFORE UPDATE OR DELETE OR TRUNCATE ON "{schema}".inbox
            FOR EACH STATEMENT EXECUTE FUNCTION "{schema}".refuse_ledger_edits()""",
    ]
