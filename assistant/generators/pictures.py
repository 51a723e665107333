"""The readers that answer from a page's pixels before the text reader does, in the order they are asked."""

from __future__ import annotations

from assistant.generators.diagrams import answer_from_diagram
from assistant.generators.figures import answer_from_figure
from assistant.generators.keybars import answer_from_key_bar
from assistant.generators.optionlists import answer_from_option_list
from assistant.generators.pasted import answer_from_address, answer_from_options
from assistant.generators.plots import answer_from_plot
from assistant.generators.schedules import answer_from_schedule
from assistant.generators.screens import answer_from_controls
from assistant.generators.visual import VisualReader

VISUAL_READERS: tuple[tuple[VisualReader, str], ...] = (
    # "What is the label of the vertical axis?": the line beyond the plot's column of tick numbers.
    (answer_from_plot, "found: the line beyond a plot's tick numbers labels the axis the question names"),
    # «Какая учётная запись открыта на рисунке 13.10?»: the e-mail address the pasted window shows.
    (answer_from_address, "found: the picture shows the account or address the question asks for"),
    # "What does ^S do?", "Which key saves the file?": a text program's key bar pairs keys and commands.
    (
        answer_from_key_bar,
        "found: a key bar of the screenshot pairs the key with the command the question names",
    ),
    # "Which orientation is selected?": a screenshot's controls answer before its text lines.
    (answer_from_controls, "found: a control on the screenshot holds what the question names"),
    # "Which day is set as the first day of the week?": a text program's "general.firstdayofweek = Sunday"
    # over "(specifies the first day of week ...)": the option's value, not its description line.
    (answer_from_option_list, "found: the option the question names, by its identifier or description"),
    # "What time does the supply meeting start and end?": a day panel's "10:00 -> 11:30" over its title.
    (answer_from_schedule, "found: the appointment the question names, by its title's words or meaning"),
    # "Which screen is selected?" of "◉ Use AXIS Screen ○ Use Gmoccapy Screen": the options' own words.
    (answer_from_options, "found: the chosen one of the options the question names by their words"),
    # diagrams hook: "Which users map to user_u?", "What tolerance is violet?": a line the figure's
    # arrows or grid make names the answer beside what the question names (indexer.diagrams).
    (
        answer_from_diagram,
        "found: a line or a grid of the figure joins what the question names to its answer",
    ),
    # "Which knob sets the suction power?": a figure's label answers before the prose around it.
    (answer_from_figure, "found: a label of the figure holds what the question adds to its caption"),
)
"""Each reader with the reason a reading gives when it answers."""
