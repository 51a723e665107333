"""Which cell of a table drawn as a picture answers: its row and its column named by the question.

The cell lines are those `indexer.diagrams` writes for a status page pasted into a manual
(tests/indexer/test_figure_tables.py reads them from an invented greenhouse sensor board).
"""

from __future__ import annotations

from assistant.generators.diagrams import question_names, statement_score
from assistant.measures import asked_dimension


def score(line: str, question: str) -> float:
    asked, joined = question_names(question)
    return statement_score(line, asked, False, asked_dimension(question), joined)


def test_a_russian_question_names_a_column_by_the_quantity_its_cells_hold() -> None:
    # «температура» is no word of "Soil Temp": the unit of "18.7 °C" says it is a temperature.
    question = "Какая температура показана для North bay на снимке панели датчиков?"
    temperature = score("North bay › Soil Temp: 18.7 °C", question)
    humidity = score("North bay › Humidity: 61.5 %", question)
    assert temperature > humidity
    assert humidity == 0.0


def test_the_row_the_question_names_more_fully_wins() -> None:
    question = "What light level does the board show for the North bay?"
    assert score("North bay › Light Level: 830 lux", question) > score("Bay › Light Level: 415 lux", question)


def test_a_header_read_without_its_space_is_named_by_two_words_of_the_question() -> None:
    question = "What pump state is shown for the Seed room?"
    assert score("Seed room › PumpState: RUNNING", question) > 2.0
    # ...but a row is named only by the question's own words: "seed room" joined names no "Seedroom".
    assert score("Seedroom › Pump State: RUNNING", question) == 0.0
