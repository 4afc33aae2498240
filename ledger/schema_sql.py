"""DDL of the ledger's own tables and the guard that makes its event table append-only."""

from __future__ import annotations


def ledger_ddl(schema: str, events_table: str) -> list[str]:
    """Statements creating the inbox, the dead letters and the append-only guard."""
    return [
        f"""CREATE TABLE IF NOT EXISTS "{schema}".inbox (
            event_id text PRIMARY KEY,
            type text NOT NULL,
            outcome text NOT NULL CHECK (outcome IN ('applied', 'rejected', 'parked')),
            source_topic text, source_partition int, source_offset bigint,
            recorded_at timestamptz NOT NULL DEFAULT now())""",
        # Added with the check of reused event ids: older rows keep NULL and count as repeats.
        f'ALTER TABLE "{schema}".inbox ADD COLUMN IF NOT EXISTS body_sha256 bytea',
        f"""CREATE TABLE IF NOT EXISTS "{schema}".dead_letters (
            id bigserial PRIMARY KEY,
            event_id text,
            reason text NOT NULL,
            detail text NOT NULL,
            payload bytea NOT NULL,
            source_topic text, source_partition int, source_offset bigint, source_cluster text,
            rejected_at timestamptz NOT NULL DEFAULT now(),
            published_at timestamptz,
            UNIQUE (source_cluster, source_topic, source_partition, source_offset))""",
        f"""CREATE TABLE IF NOT EXISTS "{schema}".source_positions (
            cluster text NOT NULL, topic text NOT NULL, partition int NOT NULL, "offset" bigint NOT NULL,
            updated_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (cluster, topic, partition))""",
        # Added after the first release: ledgers created before it gain the columns in place.
        f"""ALTER TABLE "{schema}".source_positions ADD COLUMN IF NOT EXISTS event_time timestamptz,
            ADD COLUMN IF NOT EXISTS backlog bigint""",
        f"""CREATE OR REPLACE FUNCTION "{schema}".refuse_ledger_edits() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
              RAISE EXCEPTION 'the ledger is append-only: % on % is refused; record a correcting '
                'transaction instead', TG_OP, TG_TABLE_NAME;
            END $$""",
        f"""CREATE OR REPLACE TRIGGER ledger_events_append_only
            BEFORE UPDATE OR DELETE OR TRUNCATE ON "{schema}"."{events_table}"
            FOR EACH STATEMENT EXECUTE FUNCTION "{schema}".refuse_ledger_edits()""",
        f"""CREATE TABLE IF NOT EXISTS "{schema}".parked (
            event_id text PRIMARY KEY,
            type text NOT NULL,
            waiting_for text NOT NULL,
            occurred_at timestamptz NOT NULL,
            payload bytea NOT NULL,
            reason text NOT NULL,
            detail text NOT NULL,
            source_topic text, source_partition int, source_offset bigint, source_cluster text,
            parked_at timestamptz NOT NULL DEFAULT now())""",
        f'CREATE INDEX IF NOT EXISTS parked_waiting_for ON "{schema}".parked (waiting_for)',
        f'CREATE INDEX IF NOT EXISTS parked_occurred_at ON "{schema}".parked (occurred_at)',
        f"""CREATE TABLE IF NOT EXISTS "{schema}".maturities (
            key text PRIMARY KEY, sale_id text NOT NULL, attempt int NOT NULL, revision int NOT NULL, level int NOT NULL,
            partner_id text NOT NULL, due_at timestamptz NOT NULL)""",
        f'CREATE INDEX IF NOT EXISTS maturities_due_at ON "{schema}".maturities (due_at)',
        f"""CREATE TABLE IF NOT EXISTS "{schema}".notifications (
            id bigserial PRIMARY KEY, key text NOT NULL UNIQUE, partner_id text NOT NULL, payload jsonb NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now(), published_at timestamptz)""",
        f"""CREATE TABLE IF NOT EXISTS "{schema}".sale_index (
            sale_id text PRIMARY KEY, program_id text NOT NULL, partner_id text NOT NULL,
            occurred_at timestamptz NOT NULL)""",
        f'CREATE INDEX IF NOT EXISTS sale_index_program ON "{schema}".sale_index (program_id, occurred_at)',
        f'CREATE INDEX IF NOT EXISTS sale_index_partner ON "{schema}".sale_index (partner_id, occurred_at)',
        f"""CREATE TABLE IF NOT EXISTS "{schema}".event_clock (
            id int PRIMARY KEY CHECK (id = 1),
            watermark timestamptz NOT NULL)""",
        # Two writers releasing the same parked event must not both apply it: the loser's
        # transaction fails here and its batch is decided again.
        f"""CREATE OR REPLACE FUNCTION "{schema}".expect_rows(actual bigint, expected bigint, what text)
            RETURNS void LANGUAGE plpgsql AS $$
            BEGIN
              IF actual <> expected THEN
                RAISE EXCEPTION 'concurrent change: % (% of % rows)', what, actual, expected
                  USING ERRCODE = 'unique_violation';
              END IF;
            END $$""",
    ]
