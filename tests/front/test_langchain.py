"""The LangChain retriever: pages as `Document`s with where the evidence is, inside a small chain."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from .conftest import EN_QUESTION, RU_QUESTION

pytest.importorskip("langchain_core")

from langchain_core.documents import Document
from langchain_core.runnables import RunnableLambda

from assistant.integrations.langchain import AssistantRetriever
from indexer.errors import InvalidRequest, UnknownDocument


@pytest.fixture(scope="module")
def retriever(indexed_workspace: Path) -> AssistantRetriever:
    return AssistantRetriever.from_workspace(indexed_workspace, k=2)


def test_documents_carry_page_box_and_image(retriever: AssistantRetriever) -> None:
    documents = retriever.invoke(EN_QUESTION)
    assert 1 <= len(documents) <= 2
    top = documents[0]
    assert isinstance(top, Document)
    meta = top.metadata
    assert (meta["filename"], meta["page"]) == ("coffee-machine.pdf", 2)
    assert "three months" in top.page_content
    x0, y0, x1, y1 = meta["bbox"]
    with Image.open(meta["page_image"]) as image:
        assert 0 <= x0 < x1 <= image.width and 0 <= y0 < y1 <= image.height
    assert meta["score"] > 0 and meta["document_id"] > 0 and meta["passage_ids"]


def test_russian_query_and_document_filter(retriever: AssistantRetriever) -> None:
    assert retriever.invoke(RU_QUESTION)[0].metadata["filename"] == "пылесос.pdf"
    coffee = next(d.id for d in retriever.assistant.documents() if d.filename == "coffee-machine.pdf")
    only_coffee = retriever.model_copy(update={"documents": {coffee}})
    assert {d.metadata["filename"] for d in only_coffee.invoke(RU_QUESTION)} <= {"coffee-machine.pdf"}


def test_example_chain_from_the_docs(retriever: AssistantRetriever) -> None:
    """The chain in docs/FRONT_DOORS.md, with the LLM step replaced by a formatter."""

    def cite(documents: list[Document]) -> str:
        return "\n".join(
            f"[{d.metadata['filename']} p.{d.metadata['page']}] {d.page_content}" for d in documents
        )

    chain = retriever | RunnableLambda(cite)
    assert "[coffee-machine.pdf p.2]" in chain.invoke(EN_QUESTION)


def test_bad_k_questions_and_document_names_are_typed_errors(
    indexed_workspace: Path, retriever: AssistantRetriever
) -> None:
    with pytest.raises(InvalidRequest, match="k: must be between 1 and 50"):
        AssistantRetriever.from_workspace(indexed_workspace, k=10**8)
    with pytest.raises(InvalidRequest, match="k: must be between 1 and 50"):
        AssistantRetriever(assistant=retriever.assistant, k=0)
    with pytest.raises(InvalidRequest, match="question: is empty"):
        retriever.invoke("   ")
    by_name = retriever.model_copy(update={"documents": {"coffee-machine.pdf"}})
    assert {d.metadata["filename"] for d in by_name.invoke(RU_QUESTION)} == {"coffee-machine.pdf"}
    with pytest.raises(UnknownDocument, match=r"manual\.docx"):
        retriever.model_copy(update={"documents": {"manual.docx"}}).invoke(EN_QUESTION)
