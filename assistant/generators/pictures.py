"""The readers that answer from a page's pixels before the text reader does, in the order they are asked."""

from __future__ import annotations

from assistant.generators.figures import answer_from_figure
from assistant.generators.screens import answer_from_controls
from assistant.generators.visual import VisualReader

VISUAL_READERS: tuple[tuple[VisualReader, str], ...] = (
    # "Which orientation is selected?": a screenshot's controls answer before its text lines.
    (answer_from_controls, "found: a control on the screenshot holds what the question names"),
    # "Which knob sets the suction power?": a figure's label answers before the prose around it.
    (answer_from_figure, "found: a label of the figure holds what the question adds to its caption"),
)
"""Each reader with the reason a reading gives when it answers."""
