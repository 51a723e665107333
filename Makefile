# The commands a newcomer needs. Each one installs what it needs first (idempotent, quick when done).
.PHONY: setup demo test lint typecheck bench eval clean

setup:
	bash scripts/setup.sh

demo:
	EXTRAS= bash scripts/setup.sh
	.venv/bin/python scripts/demo.py

test:
	bash scripts/test.sh

lint:
	.venv/bin/ruff check . && .venv/bin/ruff format --check .

typecheck:
	.venv/bin/mypy

eval:
	.venv/bin/python -m assistant eval demo-workspace samples/questions.jsonl --docs samples

bench:
	.venv/bin/python benchmarks/core_bench.py

clean:
	rm -rf demo-workspace .pytest_cache .mypy_cache .ruff_cache
