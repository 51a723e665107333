"""JSON shapes of answers, citations, hits and documents, shared by the REST service, batch jobs and UI."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import asdict
from typing import Any

from assistant.answering import Answer, Citation
from assistant.retrieval import PageHit
from indexer.errors import InvalidRequest, UnknownDocument
from indexer.records import DocumentRecord


class UnknownDocumentError(UnknownDocument):
    """A document id or filename (filter, delete, page image) the workspace does not hold (REST: 404)."""


def document_payload(document: DocumentRecord) -> dict[str, Any]:
    return asdict(document)


def citation_payload(citation: Citation) -> dict[str, Any]:
    return {
        "document_id": citation.document.id,
        "filename": citation.document.filename,
        "page": citation.page,
        "bbox": [round(value, 1) for value in citation.bbox],
        "quote": citation.quote,
        "score": citation.score,
        "page_width": citation.page_width,
        "page_height": citation.page_height,
    }


def answer_payload(answer: Answer) -> dict[str, Any]:
    return {
        "question": answer.question,
        "text": answer.text,
        "found": answer.found,
        "language": answer.language,
        "citations": [citation_payload(citation) for citation in answer.citations],
        "generator": answer.generator,
    }


def hit_payload(hit: PageHit) -> dict[str, Any]:
    return {
        "document": document_payload(hit.document),
        "page": hit.page,
        "score": round(hit.score, 6),
        "passages": [
            {
                "id": evidence.passage.id,
                "text": evidence.passage.text,
                "kind": evidence.passage.kind,
                "section": evidence.passage.section,
                "bbox": [round(value, 1) for value in evidence.passage.bbox],
                "score": round(evidence.score, 6),
            }
            for evidence in hit.passages
        ],
    }


def resolve_documents(
    wanted: Collection[int | str] | None, documents: Iterable[DocumentRecord]
) -> set[int] | None:
    """Document ids (or filenames) to a set of ids; `UnknownDocumentError` names any that are not there.

    A digit string is an id unless a document has exactly that filename; a filename held by several
    documents (different contents under one name) stands for all of them.
    """
    if wanted is None:
        return None
    wanted = list(wanted)
    for item in wanted:
        if isinstance(item, bool) or not isinstance(item, int | str):
            raise InvalidRequest("documents", f"must be document ids or filenames, not {item!r}")
        if isinstance(item, str) and not item.strip():
            raise InvalidRequest("documents", "holds an empty name; give a document id or filename")
    by_id: dict[int, DocumentRecord] = {}
    by_name: dict[str, set[int]] = {}
    for document in documents:
        by_id[document.id] = document
        by_name.setdefault(document.filename, set()).add(document.id)
    ids: set[int] = set()
    missing: list[int | str] = []
    for item in wanted:
        if isinstance(item, int) or (
            isinstance(item, str) and item.strip().isdecimal() and item not in by_name
        ):
            number = int(item)
            if number in by_id:
                ids.add(number)
            else:
                missing.append(number)
        elif item in by_name:
            ids |= by_name[item]
        else:
            missing.append(item)
    if missing:
        raise UnknownDocumentError(missing)
    return ids
