"""The `openai` backend against a real loopback server that answers, stalls, fails, misbehaves on purpose."""

from __future__ import annotations

import base64
import io
import socket
import threading
from typing import TYPE_CHECKING

import pytest
from model_scripts import (
    ModelServer,
    answers_json,
    breaks_off,
    fails,
    hangs,
    openai_generator,
    sends_garbage,
    streams,
)
from PIL import Image

from assistant.conversation import Turn
from assistant.generators import (
    NOT_FOUND_TEXT,
    Answer,
    AnswerDelta,
    GeneratorRejected,
    GeneratorUnavailable,
)
from assistant.generators.regions import select_regions

if TYPE_CHECKING:
    from conftest import Library

QUESTION = "How often should I replace the dust bag?"


def ask(
    library: Library,
    server_url: str,
    question: str = QUESTION,
    history: list[Turn] | None = None,
    **settings: object,
) -> tuple[list[str], Answer]:
    generator = openai_generator(library, server_url, **settings)
    hits = library.assistant.search(question)
    deltas: list[str] = []
    final: list[Answer] = []
    try:
        for item in generator.stream(question, hits, history or []):
            if isinstance(item, AnswerDelta):
                assert not final, "a delta came after the final answer"
                deltas.append(item.text)
            else:
                final.append(item)
    finally:
        generator.close()
    assert len(final) == 1
    return deltas, final[0]


def region_with(library: Library, question: str, words: str) -> int:
    regions = select_regions(library.assistant.search(question))
    return next(r.number for r in regions if words in r.passage.text)


def test_streamed_answer_cites_the_region_the_model_named(
    library: Library, model_server: ModelServer
) -> None:
    number = region_with(library, QUESTION, "every 4 weeks")
    model_server.script(streams("Replace the dust bag ", "every 4 weeks ", f"[{number}", "]."))
    deltas, answer = ask(library, model_server.url)
    assert answer.found and answer.generator == "openai"
    assert answer.text == "Replace the dust bag every 4 weeks."
    assert "".join(deltas).strip() == answer.text  # the marker never reaches the reader
    assert len(deltas) >= 2  # streamed, not one block at the end
    [citation] = answer.citations
    assert citation.document.filename == "vacuum_en.pdf" and citation.page == 2
    # The box is the project's own: the line that holds the words, inside the page.
    [passage] = [
        p
        for p in library.assistant.workspace.page_passages(citation.document.id, 2)
        if "every 4 weeks" in p.text
    ]
    line = next(s.bbox for s in passage.spans if "every 4 weeks" in passage.text[s.start : s.end])
    assert citation.bbox == pytest.approx(line)
    assert "every 4 weeks" in citation.quote


def test_the_request_carries_numbered_evidence_images_and_text(
    library: Library, model_server: ModelServer
) -> None:
    model_server.script(streams("NOT FOUND"))
    ask(library, model_server.url, generator_api_key="sekret", generator_max_images=2)
    [request] = model_server.chats
    assert request.headers["Authorization"] == "Bearer sekret"
    body = request.body
    assert body["stream"] is True and body["model"] == "scripted-vlm"  # asked the server's /v1/models
    system, user = body["messages"][0], body["messages"][-1]
    assert system["role"] == "system" and "square brackets" in system["content"]
    images = [p for p in user["content"] if p["type"] == "image_url"]
    [text] = [p["text"] for p in user["content"] if p["type"] == "text"]
    assert 1 <= len(images) <= 2
    assert "[1] (vacuum_en.pdf, page 2" in text and QUESTION in text
    header, payload = images[0]["image_url"]["url"].split(",", 1)
    assert header == "data:image/jpeg;base64"
    with Image.open(io.BytesIO(base64.b64decode(payload))) as image:
        assert image.width * image.height <= 1_600_000


def test_russian_question_gets_a_russian_prompt_and_not_found_text(
    library: Library, model_server: ModelServer
) -> None:
    model_server.script(streams("НЕ НАЙДЕНО"))
    _, answer = ask(library, model_server.url, question="Как часто менять мешок пылесборника?")
    assert not answer.found and answer.text == NOT_FOUND_TEXT["ru"] and answer.language == "ru"
    system = model_server.chats[0].body["messages"][0]["content"]
    assert "Отвечай по-русски" in system


def test_a_model_that_says_it_cannot_answer_is_not_found(library: Library, model_server: ModelServer) -> None:
    model_server.script(streams("I cannot answer this from the regions [1]."))
    _, answer = ask(library, model_server.url)
    assert not answer.found and answer.citations == [] and answer.text == NOT_FOUND_TEXT["en"]


def test_unknown_region_numbers_cite_nothing(library: Library, model_server: ModelServer) -> None:
    model_server.script(streams("Blue cheese goes well with pears [42]."))
    _, answer = ask(library, model_server.url)
    assert not answer.found and answer.citations == []


def test_a_reply_without_markers_is_matched_to_the_regions(
    library: Library, model_server: ModelServer
) -> None:
    model_server.script(streams("Replace the dust bag every 4 weeks."))
    _, answer = ask(library, model_server.url)
    assert answer.found and answer.citations[0].page == 2
    assert "every 4 weeks" in answer.citations[0].quote


def test_a_json_reply_is_read_too(library: Library, model_server: ModelServer) -> None:
    number = region_with(library, QUESTION, "every 4 weeks")
    model_server.script(answers_json(f'{{"answer": "Every 4 weeks.", "regions": [{number}]}}'))
    _, answer = ask(library, model_server.url)
    assert answer.found and answer.text == "Every 4 weeks." and answer.citations[0].page == 2


def test_a_server_that_ignores_stream_still_answers(library: Library, model_server: ModelServer) -> None:
    number = region_with(library, QUESTION, "every 4 weeks")
    model_server.script(answers_json(f"Every 4 weeks [{number}]."))
    deltas, answer = ask(library, model_server.url)
    assert answer.found and "".join(deltas).strip() == answer.text == "Every 4 weeks."


def test_server_errors_are_retried(library: Library, model_server: ModelServer) -> None:
    number = region_with(library, QUESTION, "every 4 weeks")
    model_server.script(fails(500), fails(502), streams(f"Every 4 weeks [{number}]."))
    _, answer = ask(library, model_server.url, generator_retries=2)
    assert answer.found and len(model_server.chats) == 3


def test_retry_after_is_honoured(library: Library, model_server: ModelServer) -> None:
    number = region_with(library, QUESTION, "every 4 weeks")
    model_server.script(fails(429, "slow down", retry_after="1"), streams(f"Every 4 weeks [{number}]."))
    _, answer = ask(library, model_server.url)
    first, second = model_server.chats
    assert answer.found and second.at - first.at >= 0.95  # waited as told (a busy machine only waits longer)


def test_a_failing_server_gives_a_typed_error_naming_its_url(
    library: Library, model_server: ModelServer
) -> None:
    model_server.script(fails(503, "overloaded"))
    with pytest.raises(GeneratorUnavailable) as caught:
        ask(library, model_server.url, generator_retries=1)
    assert (
        model_server.url in str(caught.value)
        and "503" in str(caught.value)
        and "overloaded" in str(caught.value)
    )
    assert len(model_server.chats) == 2
    assert caught.value.http_status == 503


def test_a_dead_server_is_named_and_the_reader_can_step_in(library: Library) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{probe.getsockname()[1]}/v1"
    with pytest.raises(GeneratorUnavailable, match=r"127\.0\.0\.1"):
        ask(library, url, generator_model="m", generator_retries=0)
    _, answer = ask(library, url, generator_model="m", generator_retries=0, generator_fallback="extractive")
    assert (
        answer.found
        and "every 4 weeks" in answer.text
        and answer.generator.startswith("extractive (fallback")
    )
    assert url in answer.generator


def test_a_hanging_server_times_out(library: Library, model_server: ModelServer) -> None:
    model_server.script(hangs(5))
    with pytest.raises(GeneratorUnavailable, match="did not answer within 1 s"):
        ask(library, model_server.url, generator_timeout=1, generator_model="m")


def test_garbage_in_the_stream_is_an_error(library: Library, model_server: ModelServer) -> None:
    model_server.script(sends_garbage("data: {not json", "data: [DONE]"))
    with pytest.raises(GeneratorUnavailable, match="not JSON"):
        ask(library, model_server.url, generator_model="m")


def test_a_stream_that_breaks_off_is_an_error_not_a_half_answer(
    library: Library, model_server: ModelServer
) -> None:
    model_server.script(breaks_off("Replace the dust bag "))
    with pytest.raises(GeneratorUnavailable, match="broke off"):
        ask(library, model_server.url, generator_model="m")


def test_a_wrong_key_is_rejected_with_a_hint(library: Library, model_server: ModelServer) -> None:
    model_server.script(fails(401, "invalid api key"))
    with pytest.raises(GeneratorRejected, match="ASSISTANT_GENERATOR_API_KEY"):
        ask(library, model_server.url, generator_model="m")
    assert len(model_server.chats) == 1  # a 401 is not retried


def test_a_text_only_server_gets_the_evidence_as_text(library: Library, model_server: ModelServer) -> None:
    number = region_with(library, QUESTION, "every 4 weeks")
    model_server.script(
        fails(400, "image input is not supported - hint: you may need to provide the mmproj"),
        streams(f"Every 4 weeks [{number}]."),
    )
    generator = openai_generator(library, model_server.url, generator_model="m")
    hits = library.assistant.search(QUESTION)
    answer = generator.answer(QUESTION, hits)
    again = generator.answer(QUESTION, hits)
    assert answer.found and again.found
    first, retried, later = (r.body["messages"][-1]["content"] for r in model_server.chats)
    assert isinstance(first, list) and any(p["type"] == "image_url" for p in first)
    assert isinstance(retried, str) and isinstance(later, str)  # remembered: no second refusal


def test_vision_off_sends_text_only(library: Library, model_server: ModelServer) -> None:
    model_server.script(streams("NOT FOUND"))
    ask(library, model_server.url, generator_model="m", generator_vision="off")
    assert isinstance(model_server.chats[0].body["messages"][-1]["content"], str)


def test_history_goes_to_the_model_as_chat_turns(library: Library, model_server: ModelServer) -> None:
    model_server.script(streams("NOT FOUND"))
    history = [Turn("What does a whistling noise mean?", "The hose is blocked.", (1,))]
    ask(library, model_server.url, question="And how do I clear it?", history=history, generator_model="m")
    roles = [
        (m["role"], m["content"] if isinstance(m["content"], str) else "")
        for m in model_server.chats[0].body["messages"]
    ]
    assert roles[1:3] == [
        ("user", "What does a whistling noise mean?"),
        ("assistant", "The hose is blocked."),
    ]
    assert roles[-1][0] == "user"


def test_no_evidence_means_no_model_call(library: Library, model_server: ModelServer) -> None:
    generator = openai_generator(library, model_server.url, generator_model="m")
    answer = generator.answer("What is the meaning of life?", [])
    assert not answer.found and model_server.chats == []


def test_one_generator_serves_many_threads(library: Library, model_server: ModelServer) -> None:
    number = region_with(library, QUESTION, "every 4 weeks")
    model_server.script(streams("Replace the dust bag ", "every 4 weeks ", f"[{number}].", pause=0.01))
    generator = openai_generator(library, model_server.url)  # the model's name is asked once, under a lock
    hits = library.assistant.search(QUESTION)
    answers: list[Answer] = []
    threads = [
        threading.Thread(target=lambda: answers.append(generator.answer(QUESTION, hits))) for _ in range(6)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    generator.close()
    assert len(answers) == 6 and all(
        a.found and a.text == "Replace the dust bag every 4 weeks." for a in answers
    )
    assert sum(r.path.endswith("/models") for r in model_server.received) == 1
