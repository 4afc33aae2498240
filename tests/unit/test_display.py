"""What the CLI prints of ledger data: never a terminal escape, never rich markup."""

from __future__ import annotations

from streams.display import safe


def test_a_terminal_escape_in_ledger_text_is_shown_escaped() -> None:
    assert safe("rex\x1b[2J") == "rex\\x1b[2J"


def test_markup_in_ledger_text_is_shown_as_text() -> None:
    assert safe("[/red]rex") == "\\[/red]rex"
