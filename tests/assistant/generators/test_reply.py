"""Reading a model's reply: markers out of the text (also split across deltas), numbers, refusals."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assistant.generators.chat import MarkerFilter, clean_reply_text, read_reply


@pytest.mark.parametrize(
    ("raw", "text", "numbers", "declined"),
    [
        ("Replace the dust bag every 4 weeks [2].", "Replace the dust bag every 4 weeks.", [2], False),
        ("Press Save [1][3], then close [3].", "Press Save, then close.", [1, 3], False),
        ("Press Save [1, 3].", "Press Save.", [1, 3], False),
        ("Press Save 【2】.", "Press Save.", [2], False),
        ("Press Save (region 2).", "Press Save.", [2], False),
        ("Нажмите «Сохранить» [1].", "Нажмите «Сохранить».", [1], False),
        ("Нажмите «Сохранить» (фрагмент 4).", "Нажмите «Сохранить».", [4], False),
        ("According to region 3, press Save.", "According to region 3, press Save.", [3], False),
        ("NOT FOUND", "NOT FOUND", [], True),
        ("НЕ НАЙДЕНО", "НЕ НАЙДЕНО", [], True),
        ("I cannot answer that from the regions.", "I cannot answer that from the regions.", [], True),
        ("В документах нет информации об этом.", "В документах нет информации об этом.", [], True),
        ("The regions do not mention a price [1].", "The regions do not mention a price.", [1], True),
        ('{"answer": "Every 4 weeks.", "regions": [2, "5"]}', "Every 4 weeks.", [2, 5], False),
        ('```json\n{"answer": "Every 4 weeks [2]."}\n```', "Every 4 weeks.", [], False),
        ("See [the manual](http://x) [1].", "See [the manual](http://x).", [1], False),
        ("", "", [], True),
        ("   [1]  ", "", [1], True),
    ],
)
def test_replies_are_read(raw: str, text: str, numbers: list[int], declined: bool) -> None:
    reply = read_reply(raw)
    assert (reply.text, reply.numbers, reply.declined) == (text, numbers, declined)


def test_markers_are_removed_from_a_stream_cut_anywhere() -> None:
    raw = "Hold the Wi-Fi key [1] for five seconds [2, 3]; then (region 4) wait 【5】 [x]."
    expected = clean_reply_text(raw)
    assert expected == "Hold the Wi-Fi key for five seconds; then wait [x]."
    for cut in range(1, len(raw)):
        marker_filter = MarkerFilter()
        shown = marker_filter.feed(raw[:cut]) + marker_filter.feed(raw[cut:]) + marker_filter.close()
        assert shown.strip() == expected, cut


@given(st.lists(st.text(alphabet="ab [1]2,(region)5 .", max_size=8), max_size=12))
def test_the_stream_shows_what_the_whole_reply_shows(pieces: list[str]) -> None:
    marker_filter = MarkerFilter()
    shown = "".join(marker_filter.feed(piece) for piece in pieces) + marker_filter.close()
    assert shown.strip() == clean_reply_text("".join(pieces))


def test_text_is_held_back_only_while_it_may_be_a_marker() -> None:
    marker_filter = MarkerFilter()
    assert marker_filter.feed("Press Save ") == "Press Save"  # the trailing space waits
    assert marker_filter.feed("[") == ""
    assert marker_filter.feed("note]") == " [note]"
    assert marker_filter.feed(" now [1") == " now"
    assert marker_filter.feed("2]") == ""
    assert marker_filter.close() == ""
