"""The leaderboard as an inline SVG bar chart: a pure function of the bars, so it needs no browser to test."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH, LABEL_W, VALUE_W, ROW_H, BAR_H, PAD = 640, 180, 110, 28, 18, 6
BAR_W = WIDTH - LABEL_W - VALUE_W  # the longest bar's length


@dataclass(frozen=True)
class Bar:
    """One partner's bar: who (as the page may name them), the value it is drawn by, and that value as text."""

    label: str
    value: int
    shown: str
    me: bool = False


def bar_length(value: int, largest: int) -> int:
    """A bar's length in the chart's units, proportional to the largest value (none below zero)."""
    if largest <= 0 or value <= 0:
        return 0
    return max(1, value * BAR_W // largest)


def bar_chart(bars: Sequence[Bar], title: str) -> Markup:
    """An accessible SVG (role img, a <title>) with one labelled bar per row; the partner's own group has class `me`."""
    largest = max((bar.value for bar in bars), default=0)
    height = len(bars) * ROW_H + 2 * PAD
    rows = "".join(_row(number, bar, largest) for number, bar in enumerate(bars))
    return Markup(
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="chart-title" '
        f'viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}">'
        f'<title id="chart-title">{escape(title)}</title>{rows}</svg>')


def _row(number: int, bar: Bar, largest: int) -> str:
    top = PAD + number * ROW_H
    middle = top + ROW_H // 2 + 5  # the text's baseline, so it sits in the bar's middle
    length = bar_length(bar.value, largest)
    me = ' class="me"' if bar.me else ""
    return (f'<g{me}><text x="0" y="{middle}">{escape(bar.label)}</text>'
            f'<rect class="bar" x="{LABEL_W}" y="{top + (ROW_H - BAR_H) // 2}" width="{length}" height="{BAR_H}">'
            f'<title>{escape(bar.label)}: {escape(bar.shown)}</title></rect>'
            f'<text x="{LABEL_W + length + 6}" y="{middle}">{escape(bar.shown)}</text></g>')
