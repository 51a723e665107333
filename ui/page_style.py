"""The page's own CSS: plain-text notices and quotes, and Streamlit's built-in English put into our words."""

from __future__ import annotations

import html
import re

from ui.strings import Strings

NOTICE_KINDS = ("success", "info", "warning", "error")

_BASE = """
.doc-notice { margin: 0; padding: 0.75rem 1rem; border-radius: 0.5rem; border-left: 0.25rem solid;
  white-space: pre-wrap; overflow-wrap: anywhere; }
.doc-success { background: rgba(33, 195, 84, 0.12); border-color: rgb(33, 195, 84); }
.doc-info { background: rgba(28, 131, 225, 0.10); border-color: rgb(28, 131, 225); }
.doc-warning { background: rgba(255, 189, 69, 0.18); border-color: rgb(235, 160, 20); }
.doc-error { background: rgba(255, 43, 43, 0.09); border-color: rgb(230, 40, 40); }
.doc-plain, .doc-name, .doc-question { white-space: pre-wrap; overflow-wrap: anywhere; }
.doc-name { font-weight: 600; }
.doc-muted { white-space: pre-wrap; overflow-wrap: anywhere; font-size: 0.875rem; opacity: 0.7; }
.doc-quote { margin: 0; padding: 0.25rem 0 0.25rem 0.75rem; border-left: 0.2rem solid rgba(0, 120, 255, 0.55);
  white-space: pre-wrap; overflow-wrap: anywhere; }
"""


def css_string(text: str) -> str:
    """`text` as a CSS string literal: quotes and backslashes escaped, line breaks as CSS escapes."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\A ")
    return f'"{escaped}"'


def _put_words(hide: str, show: str, words: str, size: str = "0.875rem") -> str:
    """Hide the element holding Streamlit's words, and show ours after `show` (an element still shown).

    Hidden with display: none, Streamlit's words are not read out by screen readers either; ours,
    as generated content of a shown element, are.
    """
    return (
        f"{hide} {{ display: none !important; }}\n"
        f"{show}::after {{ content: {css_string(words)}; font-size: {size}; }}\n"
    )


def _paint_words(selector: str, words: str, size: str = "0.875rem") -> str:
    """Shrink the words inside `selector` to nothing and show ours in its place, for text in no label."""
    return (
        f"{selector} {{ font-size: 0 !important; }}\n"
        f"{selector}::after {{ content: {css_string(words)}; font-size: {size}; }}\n"
    )


def page_css(text: Strings, upload_limit_mb: int) -> str:
    """A <style> block for the page in the language of `text`, with the upload limit the server enforces.

    Streamlit's file picker, multiselect and upload errors have English words built in (checked against
    Streamlit 1.67's page by tests/front/test_browser.py): they are hidden and ours shown instead.
    """
    size = text.megabytes.format(count=upload_limit_mb)
    dropzone = '[data-testid="stFileUploaderDropzone"]'
    button = f'{dropzone} [data-testid="stBaseButton-secondary"]'
    instructions = '[data-testid="stFileUploaderDropzoneInstructions"] > div'
    select_all = '[role="option"][data-key="__select_all__"]'
    rules = [
        _BASE,
        _put_words(f'{button} [data-testid="stMarkdownContainer"]', f"{button} [data-has-shortcut]",
                   text.upload_button),
        _put_words(f"{instructions} > span", instructions, text.upload_limit.format(size=size)),
        # While files are dragged over it, the picker shows a line of its own in place of the button.
        _put_words(f"{dropzone} > div > span:only-child", f"{dropzone} > div:has(> span:only-child)",
                   text.upload_drop),
        _put_words(f"{select_all} > div", select_all, text.select_all, "1rem"),
        _paint_words('[data-testid="stTooltipErrorContent"]', text.upload_rejected.format(size=size)),
        _paint_words('[role="listbox"][data-empty] span', text.no_results, "1rem"),
    ]  # fmt: skip
    return "<style>\n" + "".join(rules) + "</style>"


_LINE_BREAK = re.compile(r"(?<!\n)[ \t]*\n[ \t]*(?!\n)")


def reflowed(text: str) -> str:
    """Lines of a page joined into running text; a blank line still parts paragraphs.

    Passages keep the line breaks of the page they come from, which mean nothing in a narrower column.
    """
    return _LINE_BREAK.sub(" ", text.strip())


def notice_html(kind: str, message: str) -> str:
    """A coloured box holding `message` as text: nothing in it is read as Markdown or HTML."""
    if kind not in NOTICE_KINDS:
        raise ValueError(f"notice kind {kind!r} is not one of {NOTICE_KINDS}")
    role = "alert" if kind == "error" else "status"
    return f'<div class="doc-notice doc-{kind}" role="{role}">{html.escape(message)}</div>'


def plain_html(message: str, kind: str = "plain") -> str:
    """`message` as text in one of the page's text styles (plain, name, question, muted, quote)."""
    tag = "blockquote" if kind == "quote" else "div"
    return f'<{tag} class="doc-{kind}">{html.escape(message)}</{tag}>'
