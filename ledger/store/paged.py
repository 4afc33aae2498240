"""Sales paged out of the writer's memory: their stored form, and the pager that brings them back from PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec
from eventsourcing.postgres import PostgresDatastore
from psycopg import Cursor

from ledger.core.entities import Sale

_encoder = msgspec.msgpack.Encoder()
_decoder = msgspec.msgpack.Decoder(Sale)
Sql = Any


def encode(sale: Sale) -> bytes:
    """A sale as stored while paged out."""
    return _encoder.encode(sale)


def decode(body: bytes) -> Sale:
    """A sale paged back in."""
    return _decoder.decode(body)


def write(curs: Cursor[Any], sql: Sql, sales: Sequence[Sale]) -> None:
    """Keep these sales, replacing the copy of any paged out before, in one statement."""
    if not sales:
        return
    columns = [[s.sale_id for s in sales], [s.partner_id for s in sales], [s.program_id for s in sales],
               [s.at_us for s in sales], [encode(s) for s in sales]]
    curs.execute(sql("INSERT INTO {}.paged_sales AS p (sale_id, partner_id, program_id, at_us, body) SELECT * FROM "
                     "unnest(%b::text[], %b::text[], %b::text[], %b::int8[], %b::bytea[]) ON CONFLICT (sale_id) "
                     "DO UPDATE SET partner_id = EXCLUDED.partner_id, program_id = EXCLUDED.program_id, "
                     "at_us = EXCLUDED.at_us, body = EXCLUDED.body"), columns)


class PostgresPager:
    """Reads paged-out sales back, each call one round trip."""

    def __init__(self, datastore: PostgresDatastore, sql: Sql) -> None:
        self.datastore = datastore
        self.sql = sql

    def sales(self, sale_ids: list[str]) -> list[Sale]:
        """The paged-out sales among these ids."""
        return self._read("sale_id = ANY(%s)", (sale_ids,))

    def sales_since(self, kind: str, key: str, since_us: int) -> list[Sale]:
        """A program's or partner's paged-out sales from `since_us` on."""
        column = {"program": "program_id", "partner": "partner_id"}[kind]
        return self._read(f"{column} = %s AND at_us >= %s", (key, since_us))

    def all_sales(self) -> list[Sale]:
        """Every paged-out sale (for audits and tests)."""
        return self._read("true", ())

    def _read(self, where: str, params: tuple[Any, ...]) -> list[Sale]:
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(self.sql(f"SELECT body FROM {{}}.paged_sales WHERE {where}"), params)
            return [decode(bytes(row["body"])) for row in curs.fetchall()]
