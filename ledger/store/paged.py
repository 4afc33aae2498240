"""Sales paged out of the writer's memory: their stored form, and the pager that brings them back from PostgreSQL."""

from __future__ import annotations

from typing import Any

import msgspec
from eventsourcing.postgres import PostgresDatastore
from psycopg import Cursor

from ledger.core.entities import Sale
from ledger.core.paging import PagedOut

_encoder = msgspec.msgpack.Encoder()
_decoder = msgspec.msgpack.Decoder(Sale)
Sql = Any


def encode(sale: Sale) -> bytes:
    """A sale as stored while paged out."""
    return _encoder.encode(sale)


def decode(body: bytes) -> Sale:
    """A sale paged back in."""
    return _decoder.decode(body)


def write(curs: Cursor[Any], sql: Sql, sales: PagedOut) -> None:
    """Keep these sales: the fresh ones by binary COPY, those paged out before replacing their copy."""
    if sales.fresh:
        with curs.copy(sql("COPY {}.paged_sales (sale_id, partner_id, program_id, at_us, body) FROM STDIN "
                           "(FORMAT BINARY)")) as copy:
            copy.set_types(["text", "text", "text", "int8", "bytea"])
            for sale in sales.fresh:
                copy.write_row((sale.sale_id, sale.partner_id, sale.program_id, sale.at_us, encode(sale)))
    again = sales.again
    if again:
        columns = [[s.sale_id for s in again], [s.partner_id for s in again], [s.program_id for s in again],
                   [s.at_us for s in again], [encode(s) for s in again]]
        curs.execute(sql("INSERT INTO {}.paged_sales AS p (sale_id, partner_id, program_id, at_us, body) SELECT * "
                         "FROM unnest(%b::text[], %b::text[], %b::text[], %b::int8[], %b::bytea[]) ON CONFLICT "
                         "(sale_id) DO UPDATE SET partner_id = EXCLUDED.partner_id, program_id = "
                         "EXCLUDED.program_id, at_us = EXCLUDED.at_us, body = EXCLUDED.body"), columns)


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
