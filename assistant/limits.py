"""Bounds on what one question may ask for, shared by the SDK, CLI, batch jobs, REST and UI."""

from __future__ import annotations

from indexer.errors import InvalidRequest

MAX_QUESTION_CHARS = 4000
"""Longer questions are refused: retrieval cost grows with length and no real question needs more."""
MAX_K = 50
"""Pages one question may retrieve; more only costs memory and time."""
MAX_HISTORY_TURNS = 20
"""Earlier turns of a conversation a question is asked in; older ones are dropped (a model sees fewer)."""


def checked_question(question: object, field: str = "question") -> str:
    """The question stripped, or `InvalidRequest` naming `field` (empty, too long, not text, bad Unicode)."""
    if not isinstance(question, str):
        raise InvalidRequest(field, f"must be text, not {type(question).__name__}")
    text = question.strip()
    if not text:
        raise InvalidRequest(field, "is empty; type a question")
    if len(text) > MAX_QUESTION_CHARS:
        raise InvalidRequest(field, f"is {len(text):,} characters long; the limit is {MAX_QUESTION_CHARS:,}")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        raise InvalidRequest(
            field, f"holds an invalid character at position {error.start} (a lone surrogate)"
        ) from error
    return text


def checked_k(k: object, field: str = "k") -> int:
    """`k` as an int in 1..MAX_K, or `InvalidRequest` naming `field`."""
    if isinstance(k, bool) or not isinstance(k, int):
        raise InvalidRequest(field, f"must be a whole number, not {k!r}")
    if not 1 <= k <= MAX_K:
        raise InvalidRequest(field, f"must be between 1 and {MAX_K}, not {k}")
    return k
