"""Validate the dev, heldout, fresh, blind, novel, unseen, hidden, untold, veiled, cloaked, shrouded and masked evaluation sets: fields, kinds, documents, pages and gold answers against the text.

Usage: python benchmarks/eval/check_sets.py [SET_DIR ...]   (default: every set next to this file)
Exit status 1 when any question is invalid, or when two sets (or a set and shared/corpus, when it is
next to the checkout) share a document: every problem is printed with the question's id or the file names.
A PDF without any text layer (a scan) is checked like an image: its words exist only as pixels, so its gold
answers cannot be compared with text (blind/, novel/, unseen/, hidden/, untold/, veiled/, cloaked/, shrouded/ and masked/ have one).
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections import Counter
from pathlib import Path

import pypdfium2 as pdfium

KINDS = {
    "manual",
    "code-block",
    "definition",
    "screenshot-value",
    "screenshot",
    "annotated",
    "crosslingual",
    "mixed-script",
    "figure",
    "near-miss",
    "unanswerable",
}
FIELDS = ("id", "lang", "kind", "question", "doc", "pages", "answers")
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg"}


def _squash(text: str) -> str:
    # pdfium breaks lines (and hyphenates long option names) where the layout wraps; compare without whitespace.
    return "".join(text.lower().replace("\ufffe", "").replace("\u00ad", "").split())


class PdfPages:
    """Page count and page text of each PDF, read once."""

    def __init__(self) -> None:
        self._texts: dict[Path, list[str]] = {}

    def texts(self, path: Path) -> list[str]:
        if path not in self._texts:
            document = pdfium.PdfDocument(str(path))
            self._texts[path] = [page.get_textpage().get_text_range() for page in document]
            document.close()
        return self._texts[path]


def check_question(item: dict, docs: Path, pdfs: PdfPages) -> list[str]:
    problems = [f"missing field {name!r}" for name in FIELDS if name not in item]
    if problems:
        return problems
    if item["lang"] not in ("en", "ru"):
        problems.append(f"lang {item['lang']!r} is not en/ru")
    if item["kind"] not in KINDS:
        problems.append(f"unknown kind {item['kind']!r}")
    if not str(item["question"]).strip():
        problems.append("empty question")
    if item["kind"] == "unanswerable":
        if item["doc"] != "" or item["pages"] != [] or item["answers"] != []:
            problems.append('unanswerable needs doc "", pages [], answers []')
        return problems
    if not item["answers"] or not all(isinstance(a, str) and a.strip() for a in item["answers"]):
        problems.append("answerable question needs non-empty answer strings")
    path = docs / item["doc"]
    if not path.is_file():
        return [*problems, f"document {item['doc']!r} not in {docs}"]
    pages = item["pages"]
    if not pages or not all(isinstance(p, int) for p in pages):
        return [*problems, "pages must be a non-empty list of integers"]
    if path.suffix.lower() in IMAGE_SUFFIXES:
        if pages != [1]:
            problems.append("an image has pages [1]")
        return problems
    texts = pdfs.texts(path)
    if not all(1 <= p <= len(texts) for p in pages):
        return [*problems, f"pages {pages} out of range 1..{len(texts)}"]
    if not any(text.strip() for text in texts):
        return problems
    for answer in item["answers"]:
        found = [p for p in pages if _squash(answer) in _squash(texts[p - 1])]
        if item["kind"] == "figure":
            # A figure's answer exists only as pixels: the text layer must not give it away.
            if found:
                problems.append(f"figure answer {answer!r} is in the text layer of page(s) {found}")
        elif not found:
            problems.append(f"answer {answer!r} not in the text of page(s) {pages}")
    return problems


def unpaired_marks(docs: Path) -> list[str]:
    """Marked screenshots (NAME_marked.png) whose unmarked NAME.png is missing: the window's name, not the red
    mark alone, must decide which screenshot an annotated question means, so every marked dialog is also
    there without its mark."""
    return sorted(
        path.name
        for path in docs.glob("*_marked.*")
        if not path.with_name(path.name.replace("_marked.", ".")).is_file()
    )


def check_set(directory: Path, pdfs: PdfPages) -> int:
    questions_file = directory / "questions.jsonl"
    failures = 0
    seen: set[str] = set()
    table: Counter[tuple[str, str]] = Counter()
    for number, line in enumerate(questions_file.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as error:
            print(f"{questions_file}:{number}: not JSON ({error})")
            failures += 1
            continue
        problems = check_question(item, directory / "docs", pdfs)
        if item.get("id") in seen:
            problems.append("duplicate id")
        seen.add(str(item.get("id")))
        table[(str(item.get("kind")), str(item.get("lang")))] += 1
        for problem in problems:
            print(f"{questions_file}:{number} [{item.get('id')}]: {problem}")
        failures += bool(problems)
    for marked in unpaired_marks(directory / "docs"):
        print(f"{directory / 'docs' / marked}: marked screenshot without its unmarked original")
        failures += 1
    print(f"{directory.name}: {len(seen)} questions, {failures} invalid")
    print("| kind | en | ru | total |\n|---|---|---|---|")
    for kind in sorted(KINDS):
        en, ru = table[(kind, "en")], table[(kind, "ru")]
        print(f"| {kind} | {en} | {ru} | {en + ru} |")
    en_all = sum(n for (_, lang), n in table.items() if lang == "en")
    ru_all = sum(n for (_, lang), n in table.items() if lang == "ru")
    print(f"| total | {en_all} | {ru_all} | {en_all + ru_all} |")
    return failures


def shared_documents(folders: dict[str, Path]) -> list[str]:
    """Documents (same bytes) that appear in more than one set: a set measures generalization only if its
    documents are its own."""
    owners: dict[str, list[str]] = {}
    for name, folder in folders.items():
        for path in sorted(folder.glob("*")) if folder.is_dir() else []:
            if path.is_file():
                digest = hashlib.sha256(path.read_bytes()).hexdigest()
                owners.setdefault(digest, []).append(f"{name}/{path.name}")
    return [" = ".join(files) for files in owners.values() if len({f.split("/")[0] for f in files}) > 1]


def main(argv: list[str]) -> int:
    here = Path(__file__).resolve().parent
    # Every folder next to this file with questions is a set: a new sealed set needs no list edited here.
    sets = [Path(a) for a in argv] or sorted(p for p in here.iterdir() if (p / "questions.jsonl").is_file())
    pdfs = PdfPages()
    failures = sum(check_set(directory, pdfs) for directory in sets)
    folders = {directory.name: directory / "docs" for directory in sets}
    corpus = here.parents[2] / "shared" / "corpus" / "docs"
    if not corpus.is_dir():
        corpus = here.parents[3] / "shared" / "corpus" / "docs"
    if corpus.is_dir():
        folders["corpus"] = corpus
    for files in shared_documents(folders):
        print(f"the same document is in two sets: {files}")
        failures += 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
