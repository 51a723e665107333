"""The REST service's conversation store: bounded in count, age, turns and characters; one per owner."""

from __future__ import annotations

import pytest

from assistant.conversation import Turn
from assistant.limits import MAX_HISTORY_TURNS
from assistant.service import KEPT_ANSWER_CHARS, Conversations, UnknownConversation


class Clock:
    """A clock the test moves by hand: expiry is checked without waiting for it."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def turns(count: int, answer: str = "an answer") -> list[Turn]:
    return [Turn(f"question {n}?", answer, (n,)) for n in range(count)]


def test_a_conversation_is_kept_and_read_back_by_its_owner_only() -> None:
    kept = Conversations()
    conversation = kept.new_id()
    kept.record("key-a", conversation, turns(2))
    assert kept.turns("key-a", conversation) == turns(2)
    with pytest.raises(UnknownConversation):
        kept.turns("key-b", conversation)
    with pytest.raises(UnknownConversation, match="ask without conversation_id"):
        kept.turns("key-a", kept.new_id())


def test_it_expires_an_idle_time_after_its_last_question() -> None:
    clock = Clock()
    kept = Conversations(idle_seconds=60, clock=clock)
    kept.record("", "a", turns(1))
    clock.now += 50
    kept.record("", "a", turns(2))  # a new question keeps it alive
    clock.now += 50
    assert len(kept.turns("", "a")) == 2
    clock.now += 61
    with pytest.raises(UnknownConversation):
        kept.turns("", "a")
    assert len(kept) == 0


def test_the_least_recently_used_goes_first_when_too_many_are_kept() -> None:
    kept = Conversations(limit=3)
    for name in "abc":
        kept.record("", name, turns(1))
    kept.turns("", "a")  # reading is not using: only a new question counts
    kept.record("", "a", turns(2))
    kept.record("", "d", turns(1))
    assert len(kept) == 3
    with pytest.raises(UnknownConversation):
        kept.turns("", "b")
    assert [len(kept.turns("", name)) for name in "acd"] == [2, 1, 1]


def test_turns_and_characters_are_bounded() -> None:
    kept = Conversations(max_chars=3 * KEPT_ANSWER_CHARS)
    kept.record("", "long", turns(MAX_HISTORY_TURNS + 5, answer="x" * (KEPT_ANSWER_CHARS * 3)))
    held = kept.turns("", "long")
    assert len(held) == MAX_HISTORY_TURNS and held[-1].question == f"question {MAX_HISTORY_TURNS + 4}?"
    assert all(len(turn.answer) == KEPT_ANSWER_CHARS for turn in held)
    # Over the character budget the oldest conversations go, never the one just recorded.
    kept.record("", "next", turns(1, answer="y" * KEPT_ANSWER_CHARS))
    with pytest.raises(UnknownConversation):
        kept.turns("", "long")
    assert kept.turns("", "next")[0].answer.startswith("y")
