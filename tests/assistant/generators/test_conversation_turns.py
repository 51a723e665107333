"""Follow-ups answered end to end: rewritten for retrieval and the reader, history for the models."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from model_scripts import ModelServer, openai_generator, streams

from assistant.conversation import Turn
from assistant.generators import Answer, AnswerDelta, stream_in_conversation

if TYPE_CHECKING:
    from conftest import Library


def turn(library: Library, question: str, history: list[Turn], generator: Any = None) -> Answer:
    generator = generator or library.assistant.generator
    items = list(stream_in_conversation(generator, library.assistant.search, question, history))
    assert all(isinstance(i, AnswerDelta) for i in items[:-1]) and isinstance(items[-1], Answer)
    return items[-1]


def test_an_english_follow_up_is_answered_by_the_reader(library: Library) -> None:
    first = turn(library, "How often should I replace the dust bag?", [])
    assert first.found and "every 4 weeks" in first.text
    history = [Turn.from_answer(first)]
    follow_up = turn(library, "What about the exhaust filter?", history)
    assert follow_up.found and "once a month" in follow_up.text
    assert follow_up.question == "What about the exhaust filter?"
    assert follow_up.citations[0].document.filename == "vacuum_en.pdf"


def test_a_russian_follow_up_is_answered_by_the_reader(library: Library) -> None:
    first = turn(library, "Как часто менять мешок пылесборника?", [])
    assert first.found and "каждые 4 недели" in first.text
    follow_up = turn(library, "А как насчёт выходного фильтра?", [Turn.from_answer(first)])
    assert follow_up.found and "раз в месяц" in follow_up.text and follow_up.language == "ru"


def test_a_pronoun_follow_up_stays_in_the_previous_documents(library: Library) -> None:
    first = turn(library, "What does a whistling noise mean?", [])
    assert first.found and "hose is blocked" in first.text
    follow_up = turn(library, "And how do I remove it?", [Turn.from_answer(first)])
    assert follow_up.found and "long stick" in follow_up.text
    assert {c.document.filename for c in follow_up.citations} == {"vacuum_en.pdf"}


def test_a_model_gets_the_question_as_asked_and_the_history(
    library: Library, model_server: ModelServer
) -> None:
    model_server.script(streams("NOT FOUND"))
    generator = openai_generator(library, model_server.url, generator_model="m")
    history = [Turn("What does a whistling noise mean?", "The hose is blocked.", (1,))]
    answer = turn(library, "And how do I remove it?", history, generator)
    generator.close()
    messages = model_server.chats[0].body["messages"]
    assert [m["content"] for m in messages[1:3]] == [
        "What does a whistling noise mean?",
        "The hose is blocked.",
    ]
    user = messages[-1]["content"]
    text = user if isinstance(user, str) else next(p["text"] for p in user if p["type"] == "text")
    assert "Question: And how do I remove it?" in text
    assert "long stick" in text  # retrieval saw the rewritten question and found the right passage
    assert answer.question == "And how do I remove it?" and not answer.found
