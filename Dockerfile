# One image for every front door: REST service (default), Streamlit UI and batch jobs.
#   docker build -t document-assistant .
#   docker run -p 8000:8000 -e ASSISTANT_API_KEY=... -v "$PWD/ws:/data/workspace" document-assistant
# The same image with CUDA torch runs the OmniFusion model server (`python -m omnifusion serve`) on a GPU:
#   docker build --build-arg TORCH_INDEX=https://download.pytorch.org/whl/cu126 -t document-assistant-cuda .
FROM python:3.11-slim-bookworm

# Where torch comes from: the CPU build by default (a bare `torch` would pull the multi-GB CUDA build).
ARG TORCH_INDEX=https://download.pytorch.org/whl/cpu

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    ASSISTANT_WORKSPACE=/data/workspace

# OCR for screenshots and scans (English and Russian); DejaVu for Cyrillic rendering.
RUN apt-get update \
    && apt-get install -y --no-install-recommends tesseract-ocr tesseract-ocr-eng tesseract-ocr-rus fonts-dejavu-core mueller7-dict \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
RUN pip install --index-url "$TORCH_INDEX" "torch>=2.6"
COPY pyproject.toml README.md ./
COPY assistant ./assistant
COPY indexer ./indexer
COPY omnifusion ./omnifusion
COPY ui ./ui
RUN pip install ".[postgres,ray]"

# /data/shared is where the postgres backend's replicas mount their shared store: a named volume starts
# with the image's ownership of its mount point, so it must exist here, owned by the user that writes.
RUN useradd --create-home --uid 1000 assistant && mkdir -p /data/workspace /data/shared \
    && chown assistant /data/workspace /data/shared
USER assistant
VOLUME ["/data/workspace"]
EXPOSE 8000 8501

HEALTHCHECK --interval=30s --timeout=5s --start-period=60s \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/v1/health')" || exit 1

# Listening on 0.0.0.0, the service refuses to start unless ASSISTANT_API_KEY is set (or, knowingly,
# ASSISTANT_INSECURE=1): a published port with no key would let anyone read and delete documents.
CMD ["python", "-m", "assistant", "serve", "/data/workspace", "--host", "0.0.0.0", "--port", "8000"]
