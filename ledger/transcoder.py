"""The eventsourcing library's JSON format for stored events, written and read by orjson."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import orjson
from eventsourcing.persistence import JSONTranscoder

_WALKED = frozenset({dict, list, tuple, UUID})
_NESTED = frozenset({dict, list})
_TAG = b'"_type_":'


def _untag_top_level(state: dict[str, Any], decode: Any) -> int:
    """Restore the tagged objects among `state`'s values in place; returns how many there were."""
    found = 0
    for key, value in state.items():
        if type(value) is dict and len(value) == 2 and "_type_" in value and "_data_" in value:
            state[key] = decode(value)
            found += 1
    return found


class OrjsonTranscoder(JSONTranscoder):
    """Byte-for-byte the library's `{"_type_", "_data_"}` format, so old and new rows read alike.

    The stdlib encoder with a Python `default` hook and decoder with an `object_hook` were
    the largest cost of both recording a batch and feeding the projections.
    """

    def encode(self, obj: Any) -> bytes:
        """Encode with every registered type (datetime, UUID, Decimal) as a tagged object."""
        return orjson.dumps(self._tag_uuids(obj), default=self._encode_obj, option=orjson.OPT_PASSTHROUGH_DATETIME)

    def decode(self, data: bytes) -> Any:
        """Decode, turning tagged objects back into their types."""
        state = orjson.loads(data)
        # Stored events are flat: when every tag in the bytes is a top-level value, one pass
        # over the top level restores them all; anything else takes the full walk, on a fresh
        # parse because that pass has already changed `state`.
        if type(state) is dict and _untag_top_level(state, self._decode_obj) == data.count(_TAG):
            return state
        return self._untag(orjson.loads(data))

    def _tag_uuids(self, value: Any) -> Any:
        # orjson writes a UUID as a bare string, which would come back as a str. Scalars
        # are passed over inline: a call per field cost more than the encoding.
        kind = type(value)
        if kind is dict:
            return {key: self._tag_uuids(item) if type(item) in _WALKED else item for key, item in value.items()}
        if kind is list or kind is tuple:
            return [self._tag_uuids(item) if type(item) in _WALKED else item for item in value]
        if kind is UUID:
            return self._encode_obj(value)
        return value

    def _untag(self, value: Any) -> Any:
        kind = type(value)
        if kind is dict:
            if len(value) == 2 and "_type_" in value and "_data_" in value:
                return self._decode_obj(value)
            return {key: self._untag(item) if type(item) in _NESTED else item for key, item in value.items()}
        if kind is list:
            return [self._untag(item) if type(item) in _NESTED else item for item in value]
        return value
