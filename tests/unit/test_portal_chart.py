"""The leaderboard's SVG chart: bars proportional to the values, the partner's own marked, every label escaped."""

from __future__ import annotations

import re

from projections.portal.chart import BAR_W, Bar, bar_chart, bar_length

BARS = [Bar("Partner #1", 300, "3.00 USD"), Bar("You", 150, "1.50 USD", me=True), Bar("Partner #3", 0, "0.00 USD")]


def _widths(svg: str) -> list[int]:
    return [int(width) for width in re.findall(r'<rect class="bar"[^>]* width="(\d+)"', svg)]


def test_the_largest_value_gets_the_longest_bar_and_the_others_their_share() -> None:
    assert _widths(bar_chart(BARS, "Revenue")) == [BAR_W, BAR_W // 2, 0]


def test_only_the_partners_own_bar_is_marked_me() -> None:
    groups = re.findall(r"<g([^>]*)>(?:(?!</g>).)*?>([^<]*)</text>", bar_chart(BARS, "Revenue"))
    assert [(attributes, label) for attributes, label in groups] == [
        ("", "Partner #1"), (' class="me"', "You"), ("", "Partner #3")]


def test_the_chart_is_an_image_with_a_title_for_assistive_technology() -> None:
    svg = bar_chart(BARS, "Revenue, lifetime")
    assert 'role="img"' in svg and '<title id="chart-title">Revenue, lifetime</title>' in svg


def test_each_bar_shows_its_value_as_text() -> None:
    assert "1.50 USD" in bar_chart(BARS, "Revenue")


def test_a_label_is_escaped_so_a_name_cannot_inject_markup() -> None:
    svg = bar_chart([Bar("<script>x</script>", 1, "1")], "t")
    assert "<script>" not in svg and "&lt;script&gt;" in svg


def test_a_chart_of_nothing_has_no_bars() -> None:
    assert _widths(bar_chart([], "Revenue")) == []


def test_a_negative_value_draws_no_bar() -> None:
    assert bar_length(-5, 100) == 0


def test_a_tiny_positive_value_still_draws_a_visible_bar() -> None:
    assert bar_length(1, 10**12) == 1
