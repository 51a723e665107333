"""The command line's answers: `ask --stream`, `chat` with follow-ups in both languages, model failures."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from assistant.cli import EXIT_CODES, GENERATOR_FAILED
from assistant.generators import GeneratorConfigError, GeneratorError

from .conftest import EN_ANSWER_WORDS, EN_QUESTION, FOLLOW_UPS, ROOT, child_env
from .model_server import closed_port_url


def cli(*args: str, stdin: str = "", **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "assistant", *args],
        input=stdin,
        cwd=ROOT,
        env=child_env(**env),
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_the_exit_code_of_a_failed_model_is_its_own() -> None:
    assert GeneratorError.exit_code == GENERATOR_FAILED
    codes = [code for code, _ in EXIT_CODES]
    assert codes.count(GENERATOR_FAILED) == 1 and GeneratorConfigError.exit_code in codes


def test_ask_stream_prints_the_answer_then_its_citations(conversation_workspace: Path) -> None:
    done = cli("ask", str(conversation_workspace), EN_QUESTION, "--stream")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert EN_ANSWER_WORDS in " ".join(lines[:-1])
    assert lines[-1].startswith("  [coffee-machine.pdf p.2 box=(")
    done = cli("ask", str(conversation_workspace), EN_QUESTION, "--stream", "--json")
    events = [json.loads(line) for line in done.stdout.splitlines()]
    assert [next(iter(event)) for event in events] == ["delta"] * (len(events) - 1) + ["answer"]
    answer = events[-1]["answer"]
    assert answer["generator"] == "extractive" and answer["found"] and answer["latency_ms"] > 0
    assert "".join(event["delta"] for event in events[:-1]) == answer["text"]


def test_chat_answers_follow_ups_in_both_languages_and_starts_over_on_new(
    conversation_workspace: Path,
) -> None:
    en, ru = FOLLOW_UPS["en"], FOLLOW_UPS["ru"]
    lines = [en[0], en[2], "/new", ru[0], ru[2], "/new", en[2]]
    done = cli("chat", str(conversation_workspace), "--json", stdin="\n".join(lines) + "\n")
    assert done.returncode == 0, done.stderr
    answers = [json.loads(line)["answer"] for line in done.stdout.splitlines() if '"answer"' in line[:12]]
    assert [a["question"] for a in answers] == [en[0], en[2], ru[0], ru[2], en[2]]
    assert en[3] in answers[1]["text"] and answers[1]["citations"][0]["document"]["filename"] == en[4]
    assert ru[3] in answers[3]["text"] and answers[3]["citations"][0]["document"]["filename"] == ru[4]
    assert answers[3]["language"] == "ru"
    # After /new the same follow-up stands alone: it is not about the router any more.
    assert en[3] not in answers[4]["text"]


def test_chat_reads_like_a_conversation_in_text_mode(conversation_workspace: Path) -> None:
    en = FOLLOW_UPS["en"]
    done = cli("chat", str(conversation_workspace), stdin=f"{en[0]}\n\n{en[2]}\n")
    assert done.returncode == 0, done.stderr
    assert en[3] in done.stdout and done.stdout.count("[router-r7.pdf p.") >= 2
    assert done.stderr == ""


def test_a_dead_model_server_fails_ask_with_its_exit_code_and_url(conversation_workspace: Path) -> None:
    url = closed_port_url()
    env = {"ASSISTANT_GENERATOR_FALLBACK": "none", "ASSISTANT_GENERATOR_RETRIES": "0"}
    done = cli(
        "ask",
        str(conversation_workspace),
        EN_QUESTION,
        "--generator",
        "openai",
        "--generator-url",
        url,
        **env,
    )
    assert done.returncode == GENERATOR_FAILED, done.stderr
    [line] = done.stderr.splitlines()
    assert line.startswith("error: the answering model at ") and url in line
    # With the fallback (the default) the reader answers, and says so.
    done = cli("ask", str(conversation_workspace), EN_QUESTION, "--json", "--generator", "openai",
               "--generator-url", url, ASSISTANT_GENERATOR_RETRIES="0")  # fmt: skip
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer["generator"].startswith("extractive (fallback: ") and EN_ANSWER_WORDS in answer["text"]


def test_chat_goes_on_past_a_failed_question(conversation_workspace: Path) -> None:
    env = {
        "ASSISTANT_GENERATOR": "openai",
        "ASSISTANT_GENERATOR_URL": closed_port_url(),
        "ASSISTANT_GENERATOR_FALLBACK": "none",
        "ASSISTANT_GENERATOR_RETRIES": "0",
    }
    done = cli("chat", str(conversation_workspace), stdin=f"{EN_QUESTION}\n{'x' * 5000}\n", **env)
    assert done.returncode == 1
    errors = done.stderr.splitlines()
    assert len(errors) == 2 and "answering model" in errors[0] and "question" in errors[1]


def test_unusable_generator_settings_name_the_variable(conversation_workspace: Path) -> None:
    done = cli("ask", str(conversation_workspace), EN_QUESTION, "--generator", "openai")
    assert done.returncode == GeneratorConfigError.exit_code
    assert "ASSISTANT_GENERATOR_URL" in done.stderr
    done = cli("chat", str(conversation_workspace), stdin=EN_QUESTION + "\n", ASSISTANT_GENERATOR="gpt")
    assert done.returncode == GeneratorConfigError.exit_code and "ASSISTANT_GENERATOR" in done.stderr
