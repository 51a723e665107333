#!/usr/bin/env bash
# The GPU check of `omnifusion serve`, in two halves (the GPU host has torch, transformers, numpy,
# pillow, safetensors and httpx, and reaches no package index):
#
#   bash benchmarks/omnifusion_serve_gpu.sh fetch   # here: download the wheels into build/wheels
#   bash benchmarks/omnifusion_serve_gpu.sh run     # on the GPU host (carry build/wheels there):
#                                                   # CUDA tests, then the full-size serve benchmark
#   bash benchmarks/omnifusion_serve_gpu.sh tests   # the CUDA tests alone
#
# `run` writes benchmarks/results/omnifusion_serve.{json,md} (and a copy under $OUT when set); then
# `python benchmarks/report.py` puts the table into docs/BENCHMARKS.md.
set -uo pipefail
cd "$(dirname "$0")/.."
WHEELS=(starlette==1.10.0 uvicorn==0.54.0 click==8.5.1 pytest==9.2.0 pluggy==1.7.0 iniconfig==2.3.1
        pytest-timeout==2.4.0 pygments==2.21.0 packaging==26.4 fpdf2==2.8.9 defusedxml==0.7.1 fonttools==4.68.0
        faiss-cpu==1.15.1)
MODE="${1:-run}"
case "$MODE" in
  fetch)
    .venv/bin/pip download --no-deps --only-binary=:all: --python-version 3.12 -d build/wheels "${WHEELS[@]}"
    ;;
  run|tests)
    mkdir -p /tmp/omnifusion-extra
    for wheel in build/wheels/*.whl; do
      python - "$wheel" <<'PY'
import importlib.util
import sys
import zipfile

name = sys.argv[1].rsplit("/", 1)[-1].split("-")[0].replace("_", "-").lower()
module = {"pytest-timeout": "pytest_timeout", "fpdf2": "fpdf", "fonttools": "fontTools", "faiss-cpu": "faiss"}.get(name, name.replace("-", "_"))
missing = importlib.util.find_spec(module) is None
if name == "packaging" and not missing:
    import packaging
    missing = int(packaging.__version__.split(".")[0]) < 24  # pytest 9 needs packaging >= 24
if missing:  # only what the host lacks: its own torch stack stays as it is
    zipfile.ZipFile(sys.argv[1]).extractall("/tmp/omnifusion-extra")
    print("unpacked", name)
PY
    done
    export PYTHONPATH="$PWD:/tmp/omnifusion-extra" OMP_NUM_THREADS=4
    python -c "import torch, transformers; print('torch', torch.__version__, 'transformers', transformers.__version__, torch.cuda.get_device_name(0))"
    # the model package's CUDA tests: these modules need no assistant packages (the host has none)
    echo "== CUDA tests (pytest -m gpu tests/omnifusion/test_cli.py tests/omnifusion/test_server.py)"
    timeout 240 python -m pytest -q -p no:cacheprovider -m gpu -rs \
      tests/omnifusion/test_cli.py tests/omnifusion/test_server.py 2>&1 | tail -25
    if [ "$MODE" = tests ]; then exit 0; fi
    echo "== serve benchmark (full-size OmniFusion 1.1 shapes, random bf16 weights)"
    timeout 330 python benchmarks/omnifusion_serve_bench.py --out benchmarks/results/omnifusion_serve.json 2>&1 \
      | grep -v -i warn | tail -20
    if [ -n "${OUT:-}" ]; then cp benchmarks/results/omnifusion_serve.* "$OUT"/ 2>/dev/null; fi
    ;;
  *) echo "usage: $0 fetch|run|tests" >&2; exit 2 ;;
esac
