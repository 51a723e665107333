"""LangChain retriever over a workspace: one `Document` per retrieved page, with where the evidence is."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

try:
    from langchain_core.callbacks import CallbackManagerForRetrieverRun
    from langchain_core.documents import Document
    from langchain_core.retrievers import BaseRetriever
except ImportError as error:  # the adapter is optional; the rest of the assistant works without it
    raise ImportError(
        "assistant.integrations.langchain needs langchain-core: pip install langchain-core"
    ) from error
from pydantic import ConfigDict, Field, field_validator

from assistant.limits import checked_k
from assistant.retrieval import PageHit
from assistant.sdk import Assistant

log = logging.getLogger(__name__)


class AssistantRetriever(BaseRetriever):
    """Pages ranked by the assistant's fused channels, as LangChain documents.

    `page_content` is the page's best passages; `metadata` holds `document_id`, `filename`, `page`,
    `bbox` (x0, y0, x1, y1 of the best passage, in pixels of `page_image`), `page_image` (a PNG path),
    `score`, `quote` (the best passage) and `passage_ids`. A bad `k` or query raises the SDK's
    `InvalidRequest`, a `documents` entry the workspace lacks `UnknownDocumentError`.

    >>> retriever = AssistantRetriever.from_workspace("./ws", k=3)
    >>> retriever.invoke("How often do I descale the machine?")[0].metadata["page"]
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    assistant: Assistant
    k: int = 5
    documents: set[int | str] | None = Field(default=None, description="Only these document ids or filenames")
    passages_per_page: int = Field(default=3, ge=1, description="Passages joined into page_content")

    @field_validator("k")
    @classmethod
    def _bounded_k(cls, k: int) -> int:
        return checked_k(k)

    @classmethod
    def from_workspace(cls, workspace: str | Path, **kwargs: Any) -> AssistantRetriever:
        if "k" in kwargs:  # refuse before opening the workspace, not after
            checked_k(kwargs["k"])
        return cls(assistant=Assistant(workspace), **kwargs)

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        hits = self.assistant.search(query, self.k, self.documents)
        return [self._document(hit) for hit in hits]

    def _document(self, hit: PageHit) -> Document:
        evidence = hit.passages[: self.passages_per_page]
        best = evidence[0].passage if evidence else None
        return Document(
            page_content="\n\n".join(e.passage.text for e in evidence),
            metadata={
                "document_id": hit.document.id,
                "filename": hit.document.filename,
                "page": hit.page,
                "bbox": list(best.bbox) if best else None,
                "page_image": str(self.assistant.page_image(hit.document.id, hit.page)),
                "page_width": best.page_width if best else None,
                "page_height": best.page_height if best else None,
                "score": hit.score,
                "quote": best.text if best else "",
                "passage_ids": [e.passage.id for e in evidence],
            },
        )
