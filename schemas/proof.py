"""Checking a partner's statement without the ledger: Merkle inclusion proofs (RFC 9162) against a sealed digest.

Standalone on purpose: the standard library and msgspec (to decode the stored msgpack record) only, so
a partner or their auditor can copy this one file and run it against what they were given.

    import json
    from schemas.proof import check_statement

    findings = check_statement(json.load(open("statement.json")), json.load(open("digest.json")))
    for finding in findings:  # [] when every line is proven
        print(finding.line, finding.position, finding.what)

The digest is the file `ledger seal --export` wrote ({"algorithm", "position", "link", "root",
"tree_size", "sealed_at"}); keep it apart from the ledger. For each statement line (format:
commission-ledger/statement@1) the check is that

- the stored row in its proof hashes to a leaf, and the leaf's RFC 9162 inclusion path leads to the
  digest's root with the digest's tree_size: the row is in the sealed log, at that index;
- the posting at `line` in the row's decoded record has the line's source, destination, amount,
  currency and occurred_at, and the row's position is the line's: the line says what was recorded.

A line without a proof is reported as unproven. A proof shows that a line was recorded, not that the
statement holds every line of the period.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from hashlib import sha256
from typing import Any
from uuid import UUID

import msgspec

STATEMENT_FORMAT = "commission-ledger/statement@1"
# A block's link = SHA-256(link before || first || last (8 bytes each) || its leaves); root: RFC 9162 over the leaves
DIGEST_ALGORITHM = "sha256-blocks-v3+rfc9162"
POSTINGS = 7  # index of the postings in the stored record (a msgpack array): ledger/store/codec.py Record
COMPARED = ("source", "destination", "amount", "currency")  # a posting's first four fields, by the line's names
AT_US = 7  # index of the posting's time (microseconds since the epoch) in a stored posting
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Finding:
    """A statement line (its index in `lines`, None for the whole document) that is not proven, and why."""

    line: int | None
    position: int | None
    what: str


def leaf(position: int, originator_id: UUID, version: int, topic: str, state: bytes) -> bytes:
    """The leaf of one stored log row: its RFC 9162 leaf hash, SHA-256(0x00 || its fields, each of fixed size
    or length-prefixed). The row's encoding is the leaf input, so a row costs one hash, not two."""
    topic_bytes = topic.encode()
    digest = sha256(b"\x00" + position.to_bytes(8, "big") + originator_id.bytes
                    + version.to_bytes(8, "big", signed=True) + len(topic_bytes).to_bytes(4, "big") + topic_bytes
                    + len(state).to_bytes(8, "big"))
    digest.update(state)
    return digest.digest()


def leaf_hash(data: bytes) -> bytes:
    """RFC 9162 hash of a leaf input: SHA-256(0x00 || data) (`leaf` is this of a row's encoding)."""
    return sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """RFC 9162 hash of an inner node: SHA-256(0x01 || left || right)."""
    return sha256(b"\x01" + left + right).digest()


def root_from_inclusion(index: int, size: int, hashed: bytes, path: Sequence[bytes]) -> bytes | None:
    """The root an inclusion path leads to from leaf hash `hashed` at `index` (RFC 9162 2.1.3.2); None if malformed."""
    if not 0 <= index < size:
        return None
    fn, sn, result = index, size - 1, hashed
    for sibling in path:
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            result = node_hash(sibling, result)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            result = node_hash(result, sibling)
        fn, sn = fn >> 1, sn >> 1
    return result if sn == 0 else None


def verify_inclusion(index: int, size: int, hashed: bytes, path: Sequence[bytes], root: bytes) -> bool:
    """True when `path` proves leaf hash `hashed` at `index` in the tree of `size` leaves with `root`."""
    return root_from_inclusion(index, size, hashed, path) == root


def row_leaf(row: Mapping[str, Any]) -> bytes:
    """The leaf (hash) of a proof's row ({"position", "originator_id", "version", "topic", "state": base64})."""
    return leaf(_integer(row["position"]), UUID(row["originator_id"]), _integer(row["version"]), str(row["topic"]),
                base64.b64decode(row["state"], validate=True))


def check_statement(document: Mapping[str, Any], digest: Mapping[str, Any]) -> list[Finding]:
    """Every finding about the statement's lines against the digest; [] when each line is proven.

    Raises ValueError when `digest` is not one `ledger seal --export` writes (with a root and tree_size).
    """
    try:
        root, size, _ = bytes.fromhex(digest["root"]), _integer(digest["tree_size"]), _integer(digest["position"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"not a digest with a Merkle root and tree_size, as `ledger seal --export` writes: "
                         f"{exc!r}") from exc
    if digest.get("algorithm", DIGEST_ALGORITHM) != DIGEST_ALGORITHM:
        raise ValueError(f"the digest is of algorithm {digest['algorithm']!r}, which this verifier does not know "
                         f"({DIGEST_ALGORITHM})")
    findings = _check_seal(document, digest)
    for number, line in enumerate(document.get("lines") or []):
        position = line.get("position") if isinstance(line, Mapping) else None
        try:
            what = _check_line(line, root, size)
        except (KeyError, IndexError, TypeError, ValueError, msgspec.DecodeError) as exc:
            what = f"its proof is malformed ({exc!r})"
        if what:
            findings.append(Finding(number, position if isinstance(position, int) else None, what))
    return findings


def _check_seal(document: Mapping[str, Any], digest: Mapping[str, Any]) -> list[Finding]:
    if document.get("format") != STATEMENT_FORMAT:
        return [Finding(None, None, f"the document is not a statement ({STATEMENT_FORMAT}): "
                                    f"format is {document.get('format')!r}")]
    seal = document.get("seal")
    if not isinstance(seal, Mapping):
        return []  # the lines are then reported unproven, or checked against the digest regardless
    for name in ("position", "tree_size", "root", "link"):
        if name in seal and seal[name] != digest.get(name):
            return [Finding(None, None, f"the statement was proven against another seal than this digest: its "
                                        f"{name} is {seal[name]!r}, the digest's {digest.get(name)!r}")]
    return []


def _check_line(line: Mapping[str, Any], root: bytes, size: int) -> str | None:
    """Why the line is not proven, or None."""
    proof = line.get("proof")
    if not proof:
        return "unproven: the line carries no proof"
    row = proof["row"]
    if _integer(row["position"]) != _integer(line["position"]):
        return f"its proof is of position {row['position']}, not the line's {line['position']}"
    if _integer(proof["tree_size"]) != size:
        return f"its proof is for a tree of {proof['tree_size']} leaves, the digest's has {size}"
    path = [bytes.fromhex(node) for node in proof["path"]]
    if not verify_inclusion(_integer(proof["leaf_index"]), size, row_leaf(row), path, root):
        return "its row and path do not lead to the digest's root (the row, index or path was changed)"
    return _check_posting(line, base64.b64decode(row["state"]))


def _check_posting(line: Mapping[str, Any], state: bytes) -> str | None:
    record = msgspec.msgpack.decode(state)
    postings = record[POSTINGS] if isinstance(record, list) and len(record) > POSTINGS else []
    index = _integer(line["line"])
    if not 0 <= index < len(postings):
        return f"the recorded entry has no posting {index} ({len(postings)} postings)"
    posting = postings[index]
    for field, recorded in zip(COMPARED, posting, strict=False):
        if type(line[field]) is not type(recorded) or line[field] != recorded:
            return f"its {field} is {line[field]!r}, the recorded posting's {recorded!r}"
    occurred = datetime.fromisoformat(line["occurred_at"])
    if occurred.tzinfo is None or (occurred - _EPOCH) // timedelta(microseconds=1) != posting[AT_US]:
        return f"its occurred_at is {line['occurred_at']!r}, the recorded posting's {_iso(posting[AT_US])!r}"
    return None


def _integer(value: Any) -> int:
    if type(value) is not int:
        raise TypeError(f"expected an integer, got {value!r}")
    return value


def _iso(at_us: int) -> str:
    return (_EPOCH + timedelta(microseconds=at_us)).isoformat()
