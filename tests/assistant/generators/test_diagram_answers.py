"""When the reader answers from a figure's relation and cell lines (`assistant.generators.diagrams`).

The end-to-end cases (generated manuals with a block diagram and a colour chart, asked in Russian) are
in tests/indexer/test_diagrams.py.
"""

from __future__ import annotations

from assistant.generators.diagrams import names, statement_score
from indexer.language import search_tokens


def asked(question: str) -> set[str]:
    return set(search_tokens(question, drop_stopwords=True))


def test_a_node_is_named_by_most_of_its_words_or_its_first_one() -> None:
    assert names("Mixer", asked("What feeds the mixer?")) == 1.0
    assert names("Pump model 40", asked("Where does the pump send water?")) >= 0.5
    assert names("Pump model 40", asked("Which model is shown?")) == 0.0
    # A lone digit or letter said by chance names nothing.
    assert names("7 x", asked("What is 7 times x?")) == 0.0


def test_the_line_about_the_named_node_beats_a_line_that_only_ends_at_it() -> None:
    question = asked("Which amplifier is the mixer connected to?")
    about = statement_score("Mixer → Amplifier A2", question, relation_asked=True)
    ending = statement_score("Tuner → Mixer", question, relation_asked=True)
    assert about > ending > 0


def test_a_relation_answers_only_a_question_about_a_figure_or_what_joins_what() -> None:
    question = asked("What does the mixer do?")
    assert statement_score("Mixer → Amplifier", question, relation_asked=False) == 0.0


def test_a_cell_needs_its_row_and_its_column_named() -> None:
    both = asked("Which signal is on the DCD pin of the connector?")
    assert statement_score("DCD › Signal: carrier detect", both, relation_asked=False) > 2.0
    assert statement_score("DCD › Direction: in", asked("What is DCD?"), relation_asked=False) == 0.0


def test_lines_that_are_neither_score_nothing() -> None:
    assert statement_score("Press the button to start", asked("How to start?"), relation_asked=True) == 0.0


def test_a_question_for_a_label_beside_a_node_is_no_question_about_its_links() -> None:
    from assistant.generators.diagrams import RELATION_QUESTION

    assert not RELATION_QUESTION.search("In Figure 2.1, which IP address does the gateway have?")
    assert RELATION_QUESTION.search("Which users are mapped to user_u in figure 14.1?")
    assert RELATION_QUESTION.search("Куда насос подаёт воду на рисунке 3?")


def test_what_stands_between_two_labels_is_left_to_the_figure_reader() -> None:
    from assistant.generators.diagrams import RELATION_QUESTION

    assert not RELATION_QUESTION.search("What stands between the loader and initramfs in figure 9.1?")
    assert not RELATION_QUESTION.search("Что на схеме стоит между загрузчиком и initramfs?")


def test_a_count_is_answered_only_by_a_line_that_writes_a_number() -> None:
    from assistant.generators.diagrams import states_a_count

    assert not states_a_count("Stylus Pro › Ink type: Photo Black")
    assert states_a_count("Stylus Pro › Cartridges: 8")
