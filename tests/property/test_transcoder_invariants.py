"""The orjson transcoder writes exactly what the library's JSON transcoder writes, and reads it back."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from eventsourcing.persistence import JSONTranscoder
from hypothesis import given
from hypothesis import strategies as st

from ledger.application import LedgerApp

_APP = LedgerApp(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
FAST = _APP.mapper.transcoder
LIBRARY = JSONTranscoder()
_APP.register_transcodings(LIBRARY)

scalars = (st.none() | st.booleans() | st.integers(min_value=-(2**63), max_value=2**63 - 1)
           | st.text(max_size=20) | st.uuids() | st.datetimes(timezones=st.just(UTC))
           | st.decimals(allow_nan=False, allow_infinity=False, places=4))
states = st.dictionaries(st.text(max_size=8), st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=12), max_size=8)


@given(states)
def test_fast_encoding_is_byte_for_byte_the_library_encoding(state: dict[str, Any]) -> None:
    assert FAST.encode(state) == LIBRARY.encode(state)


@given(states)
def test_what_either_transcoder_wrote_decodes_to_the_same_state(state: dict[str, Any]) -> None:
    assert FAST.decode(LIBRARY.encode(state)) == LIBRARY.decode(FAST.encode(state)) == LIBRARY.decode(
        LIBRARY.encode(state))


# A dict with a "_type_" key that is not a tag (it has a third key) stays a dict in both.
@given(st.fixed_dictionaries({"_type_": st.text(max_size=8), "_data_": st.text(max_size=8), "x": st.integers()}), states)
def test_states_that_look_like_tags_decode_as_the_library_decodes_them(odd: dict[str, Any],
                                                                       state: dict[str, Any]) -> None:
    nested = {**state, "inner": [odd, {"deeper": odd}], "odd": odd}
    assert FAST.decode(LIBRARY.encode(nested)) == LIBRARY.decode(LIBRARY.encode(nested))
