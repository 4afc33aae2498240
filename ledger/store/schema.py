"""DDL of the ledger's tables: the log (append-only), its outboxes, positions, personal data, the balances."""

from __future__ import annotations

LOG_TABLE = "entries"
BALANCES = "projections.partner_balances"


def ledger_ddl(schema: str) -> list[str]:
    """Statements creating what the writer writes beside the log (idempotent)."""
    return [
        f"""CREATE TABLE IF NOT EXISTS "{schema}".dead_letters (
            id bigserial PRIMARY KEY, event_id text, reason text NOT NULL, detail text NOT NULL,
            payload bytea NOT NULL, source_topic text, source_partition int, source_offset bigint, source_cluster text,
            rejected_at timestamptz NOT NULL DEFAULT now(), published_at timestamptz,
            UNIQUE (source_cluster, source_topic, source_partition, source_offset))""",
        f"""CREATE TABLE IF NOT EXISTS "{schema}".source_positions (
            cluster text NOT NULL, topic text NOT NULL, partition int NOT NULL, "offset" bigint NOT NULL,
            updated_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (cluster, topic, partition))""",
        f"""ALTER TABLE "{schema}".source_positions ADD COLUMN IF NOT EXISTS event_time timestamptz,
            ADD COLUMN IF NOT EXISTS backlog bigint""",
        f"""CREATE TABLE IF NOT EXISTS "{schema}".notifications (
            id bigserial PRIMARY KEY, key text NOT NULL UNIQUE, partner_id text NOT NULL, payload jsonb NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now(), published_at timestamptz)""",
        f"""CREATE TABLE IF NOT EXISTS "{schema}".event_clock (
            id int PRIMARY KEY CHECK (id = 1), watermark timestamptz NOT NULL)""",
        *personal_data_ddl(schema),
        # The writer's state at a log position; only the latest two are kept.
        f"""CREATE TABLE IF NOT EXISTS "{schema}".snapshots (
            position bigint PRIMARY KEY, taken_at timestamptz NOT NULL DEFAULT now(), body bytea NOT NULL)""",
        # Sales the writer paged out of memory, as of the latest snapshot (a working table, not the record).
        f"""CREATE TABLE IF NOT EXISTS "{schema}".paged_sales (
            sale_id text PRIMARY KEY, partner_id text NOT NULL, program_id text NOT NULL, at_us bigint NOT NULL,
            body bytea NOT NULL)""",
        f"""CREATE INDEX IF NOT EXISTS paged_sales_by_partner ON "{schema}".paged_sales (partner_id, at_us)""",
        f"""CREATE INDEX IF NOT EXISTS paged_sales_by_program ON "{schema}".paged_sales (program_id, at_us)""",
        f"""CREATE TABLE IF NOT EXISTS "{schema}".parked_messages (
            event_id text PRIMARY KEY, payload bytea NOT NULL, parked_at timestamptz NOT NULL DEFAULT now())""",
        # The fencing token of the single writer: a batch commits only under the epoch its writer took.
        f"""CREATE TABLE IF NOT EXISTS "{schema}".writer (
            id int PRIMARY KEY CHECK (id = 1), epoch bigint NOT NULL, since timestamptz NOT NULL DEFAULT now(),
            parked bigint NOT NULL DEFAULT 0, oldest_parked_at timestamptz, oldest_parked_occurred_at timestamptz)""",
        f"""CREATE OR REPLACE FUNCTION "{schema}".refuse_ledger_edits() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              RAISE EXCEPTION 'the ledger is append-only: % on % is refused; record a correcting '
                'transaction instead', TG_OP, TG_TABLE_NAME;
            END $$""",
        f"""CREATE OR REPLACE TRIGGER ledger_entries_append_only
            BEFORE UPDATE OR DELETE OR TRUNCATE ON "{schema}"."{LOG_TABLE}"
            FOR EACH STATEMENT EXECUTE FUNCTION "{schema}".refuse_ledger_edits()""",
        # The hash chain over log positions (ledger/store/chain.py): a block per batch, written with its rows.
        # Its leaves hash the rows first..last (RFC 9162, schemas/proof.py); its link, them and the link before.
        f"""CREATE TABLE IF NOT EXISTS "{schema}".chain (
            last bigint PRIMARY KEY, first bigint NOT NULL, leaves bytea NOT NULL, link bytea NOT NULL)""",
        f"""ALTER TABLE "{schema}".chain ALTER COLUMN leaves SET STORAGE EXTERNAL""",  # hashes do not compress
        f"""CREATE OR REPLACE TRIGGER ledger_chain_append_only
            BEFORE UPDATE OR DELETE OR TRUNCATE ON "{schema}".chain
            FOR EACH STATEMENT EXECUTE FUNCTION "{schema}".refuse_ledger_edits()""",
        # Sealed digests: the chain's link at a position, kept here and exported to whoever must check it.
        # With the Merkle tree's size and root over the leaves up to it, and its frontier to extend (merkle.py).
        f"""CREATE TABLE IF NOT EXISTS "{schema}".seals (
            position bigint PRIMARY KEY, link bytea NOT NULL, sealed_at timestamptz NOT NULL DEFAULT now(),
            tree_size bigint NOT NULL, root bytea NOT NULL, frontier bytea NOT NULL)""",
        f"""CREATE OR REPLACE TRIGGER ledger_seals_append_only
            BEFORE UPDATE OR DELETE OR TRUNCATE ON "{schema}".seals
            FOR EACH STATEMENT EXECUTE FUNCTION "{schema}".refuse_ledger_edits()""",
        *balances_ddl(),
    ]


def personal_data_ddl(schema: str = "ledger") -> list[str]:
    """Names and emails of customers (by contact id) and partners: kept apart from the append-only log,
    so that they can be erased without touching it (the partner-facing view reads them too)."""
    return [f'CREATE SCHEMA IF NOT EXISTS "{schema}"',
            f"""CREATE TABLE IF NOT EXISTS "{schema}".personal_data (
            kind text NOT NULL, id text NOT NULL, first_name text NOT NULL DEFAULT '',
            last_name text NOT NULL DEFAULT '', email text NOT NULL DEFAULT '',
            updated_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (kind, id))""",
            # Customers forgotten (`ledger forget-customer`): the writer stores none of their personal data again.
            f"""CREATE TABLE IF NOT EXISTS "{schema}".erased_contacts (
            contact_id text PRIMARY KEY, erased_at timestamptz NOT NULL DEFAULT now())"""]


def balances_ddl(schema: str = "projections") -> list[str]:
    """The balances read model, kept by the writer in each batch's transaction (or built by a replay)."""
    return [
        f"CREATE SCHEMA IF NOT EXISTS {schema}",
        f"""CREATE TABLE IF NOT EXISTS {schema}.tracking (
            projection text PRIMARY KEY, position bigint NOT NULL DEFAULT 0,
            updated_at timestamptz NOT NULL DEFAULT now())""",
        f"""CREATE TABLE IF NOT EXISTS {schema}.partner_balances (
            partner_id text NOT NULL, currency char(3) NOT NULL,
            pending bigint NOT NULL DEFAULT 0, available bigint NOT NULL DEFAULT 0, paid bigint NOT NULL DEFAULT 0,
            lifetime_earned bigint NOT NULL DEFAULT 0, lifetime_reversed bigint NOT NULL DEFAULT 0,
            PRIMARY KEY (partner_id, currency))""",
    ]
