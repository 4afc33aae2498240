"""Storage adapters of the ledger: the PostgreSQL log and snapshots, and an in-memory store for tests."""
