"""REST `/v1/ask` with an answering model and in conversations: server-sent events, follow-ups, errors.

Real processes: `python -m assistant serve` on loopback, pointed at a scripted OpenAI-compatible model
server (in this process, on loopback) or at a port where no model server listens.
"""

from __future__ import annotations

import io
import json
import re
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from tests.assistant.generators.model_scripts import ModelServer

from .conftest import EN_ANSWER_WORDS, EN_QUESTION, FOLLOW_UPS, stop_server
from .model_server import Hold, cites, closed_port_url, model_server, rambles
from .service_process import serve_rest

API_KEY = "answers-test-key"
HEX_ID = re.compile(r"[0-9a-f]{32}")


@dataclass
class Event:
    name: str
    data: dict[str, Any]


def read_events(lines: Iterator[str]) -> Iterator[Event]:
    """Server-sent events as a browser's EventSource reads them: `event:` and `data:` lines, a blank
    line ends each event."""
    name, data = "message", []
    for line in lines:
        if line.startswith("event:"):
            name = line[len("event:") :].strip()
        elif line.startswith("data:"):
            data.append(line[len("data:") :].strip())
        elif not line and data:
            yield Event(name, json.loads("\n".join(data)))
            name, data = "message", []


def stream(client: httpx.Client, body: dict[str, Any]) -> tuple[httpx.Response, list[Event]]:
    with client.stream("POST", "/v1/ask", json={**body, "stream": True}) as response:
        if response.status_code != 200:
            response.read()
            return response, []
        return response, list(read_events(response.iter_lines()))


@pytest.fixture(scope="module")
def scripted() -> Iterator[ModelServer]:
    with model_server() as server:
        yield server


def _service(workspace: Path, folder: Path, **env: str) -> Iterator[httpx.Client]:
    """`serve` over `workspace`, configured by `env` only; a client that sends the key."""
    server = serve_rest(workspace, folder / "server.log", "--api-key", API_KEY, env=env)
    try:
        with httpx.Client(base_url=server.url, headers={"X-API-Key": API_KEY}, timeout=120) as client:
            yield client
    finally:
        stop_server(server)


@pytest.fixture(scope="module")
def with_model(
    conversation_workspace: Path, scripted: ModelServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[httpx.Client]:
    """The service answering through the openai backend and the scripted model."""
    env = {"ASSISTANT_GENERATOR": "openai", "ASSISTANT_GENERATOR_URL": scripted.url}
    env.update(ASSISTANT_GENERATOR_FALLBACK="none", ASSISTANT_GENERATOR_MAX_IMAGES="1")
    yield from _service(conversation_workspace, tmp_path_factory.mktemp("rest-model"), **env)


@pytest.fixture(scope="module")
def with_reader(
    conversation_workspace: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[httpx.Client]:
    """The service answering with the extractive reader (the default)."""
    yield from _service(conversation_workspace, tmp_path_factory.mktemp("rest-reader"))


@pytest.fixture(scope="module")
def with_dead_model(
    conversation_workspace: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[httpx.Client]:
    """The service pointed at a model server that is not there, with no fallback and no retries."""
    env = {"ASSISTANT_GENERATOR": "openai", "ASSISTANT_GENERATOR_URL": closed_port_url()}
    env.update(ASSISTANT_GENERATOR_FALLBACK="none", ASSISTANT_GENERATOR_RETRIES="0")
    yield from _service(conversation_workspace, tmp_path_factory.mktemp("rest-dead"), **env)


def test_a_streamed_answer_comes_as_deltas_in_order_then_the_cited_answer(
    with_model: httpx.Client, scripted: ModelServer
) -> None:
    pieces = ("Descale the machine", " every three", " months")
    scripted.script(cites(EN_ANSWER_WORDS, *pieces))
    response, events = stream(with_model, {"question": EN_QUESTION, "k": 3})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/event-stream")
    names = [event.name for event in events]
    assert names[-1] == "answer" and set(names[:-1]) == {"delta"}, names
    deltas = [event.data["text"] for event in events[:-1]]
    # What the model wrote, in its order; the region marker is taken out of the text as it streams.
    assert "".join(deltas).startswith("".join(pieces)) and "[" not in "".join(deltas)
    answer = events[-1].data
    assert answer["text"] == "".join(deltas).strip()
    assert answer["found"] is True and answer["generator"] == "openai" and answer["language"] == "en"
    [citation] = answer["citations"]
    assert (citation["filename"], citation["page"]) == ("coffee-machine.pdf", 2)
    assert EN_ANSWER_WORDS in citation["quote"]
    assert HEX_ID.fullmatch(answer["conversation_id"])
    # The signed link of the cited box loads without the key, as an <img> in a page would.
    image = httpx.get(with_model.base_url.join(citation["image_url"]), timeout=60)
    assert image.status_code == 200 and image.headers["content-type"] == "image/png"
    width, height = Image.open(io.BytesIO(image.content)).size
    assert abs(width - citation["page_width"]) <= 1 and abs(height - citation["page_height"]) <= 1


def test_without_stream_the_same_answer_is_one_json(with_model: httpx.Client, scripted: ModelServer) -> None:
    scripted.script(cites(EN_ANSWER_WORDS, "Descale it every three months"))
    response = with_model.post("/v1/ask", json={"question": EN_QUESTION, "k": 3})
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["text"] == "Descale it every three months." and answer["generator"] == "openai"
    assert [c["filename"] for c in answer["citations"]] == ["coffee-machine.pdf"]


def test_the_model_gets_the_conversation_kept_under_its_id(
    with_model: httpx.Client, scripted: ModelServer
) -> None:
    scripted.script(cites(EN_ANSWER_WORDS, "Every three months"))
    first = with_model.post("/v1/ask", json={"question": EN_QUESTION}).json()
    scripted.script(cites("orange descaling light", "Sooner, when the orange light turns on"))
    follow_up = {"question": "And when should I do it sooner?", "conversation_id": first["conversation_id"]}
    second = with_model.post("/v1/ask", json=follow_up).json()
    assert second["conversation_id"] == first["conversation_id"]
    messages = scripted.chats[0].body["messages"]
    assert [m["content"] for m in messages[1:3]] == [EN_QUESTION, first["text"]]
    assert second["found"] and second["citations"][0]["filename"] == "coffee-machine.pdf"
    # A third turn sees both before it.
    scripted.script(cites(EN_ANSWER_WORDS, "As said"))
    with_model.post("/v1/ask", json={"question": "Thanks, and?", "conversation_id": first["conversation_id"]})
    contents = [m["content"] for m in scripted.chats[0].body["messages"][1:5]]
    assert contents == [EN_QUESTION, first["text"], follow_up["question"], second["text"]]


def test_the_health_check_answers_while_an_answer_is_streaming(
    with_model: httpx.Client, scripted: ModelServer
) -> None:
    hold = Hold()
    scripted.script(cites(EN_ANSWER_WORDS, "Descale the machine", " every three months", hold=hold))
    with with_model.stream("POST", "/v1/ask", json={"question": EN_QUESTION, "stream": True}) as response:
        events = read_events(response.iter_lines())
        first = next(events)
        assert (first.name, first.data) == ("delta", {"text": "Descale the machine"})
        assert hold.reached.is_set() and not hold.release.is_set()
        # The model is mid-answer and the service's worker waits on it: everything else still answers.
        with ThreadPoolExecutor(4) as pool:
            checks = [
                pool.submit(httpx.get, with_model.base_url.join("/v1/health"), timeout=60) for _ in range(4)
            ]
            assert [check.result().status_code for check in checks] == [200] * 4
        hold.release.set()
        rest = list(events)
    assert [event.name for event in rest][-1] == "answer"
    assert rest[-1].data["text"] == "Descale the machine every three months."


def test_a_client_that_goes_away_stops_the_models_reply(
    with_model: httpx.Client, scripted: ModelServer
) -> None:
    hold = Hold()
    scripted.script(rambles(hold))
    with with_model.stream("POST", "/v1/ask", json={"question": EN_QUESTION, "stream": True}) as response:
        assert next(read_events(response.iter_lines())).name == "delta"
    # The client has closed the connection; the model keeps writing until someone stops reading it.
    hold.release.set()
    assert hold.client_gone.wait(120), "the service kept reading the model's reply after its client left"
    assert hold.sent_after_release < 5000


def test_a_model_that_breaks_off_mid_answer_ends_the_stream_with_an_error_event(
    with_model: httpx.Client, scripted: ModelServer
) -> None:
    from tests.assistant.generators.model_scripts import breaks_off

    scripted.script(breaks_off("Descale the", " machine"))
    response, events = stream(with_model, {"question": EN_QUESTION})
    assert response.status_code == 200
    assert events[0].name == "delta" and events[-1].name == "error"
    assert events[-1].data["error"] == "GeneratorUnavailable"
    assert scripted.url in events[-1].data["detail"]
    # The service is fine afterwards.
    scripted.script(cites(EN_ANSWER_WORDS, "Every three months"))
    assert with_model.post("/v1/ask", json={"question": EN_QUESTION}).json()["found"] is True


@pytest.mark.parametrize("streamed", [False, True], ids=["json", "stream"])
def test_a_dead_model_server_is_a_503_naming_it_before_any_event(
    with_dead_model: httpx.Client, streamed: bool
) -> None:
    if streamed:
        response, events = stream(with_dead_model, {"question": EN_QUESTION})
        assert events == []
    else:
        response = with_dead_model.post("/v1/ask", json={"question": EN_QUESTION})
    assert response.status_code == 503, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["error"] == "GeneratorUnavailable" and "127.0.0.1" in body["detail"]
    # Search needs no model: it still works.
    assert with_dead_model.post("/v1/search", json={"question": EN_QUESTION}).status_code == 200


@pytest.mark.parametrize("language", ["en", "ru"])
def test_a_follow_up_in_a_conversation_is_answered_from_the_right_document(
    with_reader: httpx.Client, language: str
) -> None:
    question, words, follow_up, follow_up_words, manual = FOLLOW_UPS[language]
    first = with_reader.post("/v1/ask", json={"question": question}).json()
    assert first["found"] and words in first["text"] and follow_up_words not in first["text"]
    assert first["citations"][0]["filename"] == manual and first["generator"] == "extractive"
    response, events = stream(
        with_reader, {"question": follow_up, "conversation_id": first["conversation_id"]}
    )
    assert response.status_code == 200, response.text
    answer = events[-1].data
    assert answer["question"] == follow_up and answer["language"] == language
    assert answer["found"] and follow_up_words in answer["text"], answer["text"]
    assert {c["filename"] for c in answer["citations"]} == {manual}
    assert answer["conversation_id"] == first["conversation_id"]
    # The same follow-up with no conversation is a different question (about another manual).
    alone = with_reader.post("/v1/ask", json={"question": follow_up}).json()
    assert alone["conversation_id"] != first["conversation_id"]
    assert follow_up_words not in alone["text"]


def test_history_sent_by_the_client_works_without_a_kept_conversation(with_reader: httpx.Client) -> None:
    question, _, follow_up, follow_up_words, manual = FOLLOW_UPS["en"]
    first = with_reader.post("/v1/ask", json={"question": question}).json()
    documents = sorted({c["document_id"] for c in first["citations"]})
    history = [{"question": question, "answer": first["text"], "documents": documents}]
    answer = with_reader.post("/v1/ask", json={"question": follow_up, "history": history}).json()
    assert follow_up_words in answer["text"] and answer["citations"][0]["filename"] == manual
    # Sent history replaces what is kept under an id: an empty one makes the follow-up stand alone.
    again = {"question": follow_up, "conversation_id": first["conversation_id"], "history": []}
    assert follow_up_words not in with_reader.post("/v1/ask", json=again).json()["text"]
    # With history, an id the service no longer keeps is no matter: the conversation goes on under it.
    expired = {"question": follow_up, "conversation_id": "a" * 32, "history": history}
    response = with_reader.post("/v1/ask", json=expired)
    assert response.status_code == 200 and response.json()["conversation_id"] == "a" * 32
    assert follow_up_words in response.json()["text"]


def test_conversation_ids_and_history_are_checked(with_reader: httpx.Client) -> None:
    unknown = with_reader.post("/v1/ask", json={"question": EN_QUESTION, "conversation_id": "0" * 32})
    assert unknown.status_code == 404 and unknown.json()["error"] == "UnknownConversation"
    assert "history" in unknown.json()["detail"]
    for bad in ("../../etc", "x" * 5000, ""):
        response = with_reader.post("/v1/ask", json={"question": EN_QUESTION, "conversation_id": bad})
        assert response.status_code == 422 and response.json()["field"] == "conversation_id", bad
    cases = [
        ({"history": [{"answer": "no question"}]}, "history[0].question"),
        ({"history": [{"question": "q", "documents": [2**70]}]}, "history[0].documents"),
        ({"history": [{"question": "q", "answer": "\ud800"}]}, "history[0].answer"),
        ({"history": [{"question": "x" * 5000}]}, "history[0].question"),
        ({"history": "not a list"}, "history"),
    ]
    for extra, field in cases:
        raw = json.dumps({"question": EN_QUESTION, **extra})
        response = with_reader.post("/v1/ask", content=raw, headers={"content-type": "application/json"})
        assert response.status_code == 422, (extra, response.text)
        assert response.json()["field"] == field, response.json()


def test_the_openapi_document_describes_streaming_and_conversations(with_reader: httpx.Client) -> None:
    document = with_reader.get("/openapi.json").json()
    ask = document["paths"]["/v1/ask"]["post"]
    assert "text/event-stream" in ask["responses"]["200"]["content"]
    assert {"503", "502", "404"} <= set(ask["responses"])
    body = document["components"]["schemas"]["AskIn"]["properties"]
    assert {"history", "conversation_id", "stream"} <= set(body)
    answer = document["components"]["schemas"]["AnswerOut"]["properties"]
    assert {"generator", "conversation_id"} <= set(answer)


def test_concurrent_streams_each_get_their_own_answer(with_reader: httpx.Client) -> None:
    questions = [FOLLOW_UPS["en"][0], FOLLOW_UPS["ru"][0], EN_QUESTION]
    expected = [FOLLOW_UPS["en"][1], FOLLOW_UPS["ru"][1], EN_ANSWER_WORDS]
    barrier = threading.Barrier(len(questions))

    def ask(question: str) -> dict[str, Any]:
        barrier.wait(60)
        return stream(with_reader, {"question": question})[1][-1].data

    with ThreadPoolExecutor(len(questions)) as pool:
        answers = list(pool.map(ask, questions))
    for answer, words in zip(answers, expected, strict=True):
        assert words in answer["text"]
    assert len({answer["conversation_id"] for answer in answers}) == len(questions)
