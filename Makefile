# Two commands set up and run everything on a fresh machine:
#   make demo   - create .venv, install, run every embedded task (table; figure and JSON
#                 into results/, git-ignored: figures/ changes only with `make figures`)
#   make test   - create .venv and .venv-tl4, install, run all tests (unit, integration,
#                 notebooks) in .venv, then the core's tests on TransformerLens 4 in .venv-tl4
#
# The main environment (.venv): TransformerLens 3.9 (the newest with HookedTransformer,
# which the auto-circuit baselines need), numpy 2, transformers 5, every extra.
PYTHON ?= python3
TORCH ?= torch==2.13.0
MAIN_PINS ?= "transformer-lens==3.9.*"
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

# The lean environment (.venv-tl4): TransformerLens 4.3 (HookedTransformer removed), no
# baselines extra. `make test` runs the core's tests there too (LEAN_TESTS: tasks,
# discover, metrics, faithfulness, HISP, models, hooks; the baselines' tests skip).
LEAN_PINS ?= "transformer-lens==4.3.*"
LEAN_VENV := .venv-tl4
LEAN_PY := $(LEAN_VENV)/bin/python
LEAN_STAMP := $(LEAN_VENV)/.installed
# The lean tests mean nothing on another TransformerLens: say which one runs, fail if not 4.x.
export LEAN_CHECK := from importlib.metadata import version; tl = version('transformer-lens'); \
	assert tl.startswith('4.'), f'.venv-tl4 has TransformerLens {tl}, not 4.x: make clean'; \
	print(f'lean environment: TransformerLens {tl}, numpy {version("numpy")}')
LEAN_TESTS ?= tests/unit tests/integration/test_pretrained_offline.py \
	tests/integration/test_embedded_tasks.py tests/integration/test_own_model.py

.PHONY: install install-lean demo test test-lean lint bench bench-model-size figures clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	# torch first: its CPU build lies on disk here; a bare "torch" would pull a CUDA build.
	$(PY) -m pip install --quiet "$(TORCH)"
	$(PY) -m pip install --quiet -e ".[dev,baselines]" $(MAIN_PINS)
	# exact GPT-2 BPE (from the openai-whisper sdist on PyPI) for tokenizer tests, into .cache/
	$(PY) -c "from sae_core.models.tokenizers import ensure_gpt2_bpe; ensure_gpt2_bpe()"
	touch $(STAMP)

install: $(STAMP)

$(LEAN_STAMP): pyproject.toml $(STAMP)
	$(PYTHON) -m venv $(LEAN_VENV)
	$(LEAN_PY) -m pip install --quiet --upgrade pip
	$(LEAN_PY) -m pip install --quiet "$(TORCH)"
	$(LEAN_PY) -m pip install --quiet -e ".[dev]" $(LEAN_PINS)
	touch $(LEAN_STAMP)

install-lean: $(LEAN_STAMP)

demo: $(STAMP)
	$(VENV)/bin/sae-core demo

# Both environments: everything in the main one, the core on TransformerLens 4.
test: $(STAMP) $(LEAN_STAMP)
	$(PY) -m pytest -q tests
	SAE_CORE_FAST=1 $(PY) -m pytest -q --nbval-lax notebooks
	$(LEAN_PY) -c "$$LEAN_CHECK"
	$(LEAN_PY) -m pytest -q $(LEAN_TESTS)

# The core on TransformerLens 4 (the lean environment).
test-lean: $(LEAN_STAMP)
	$(LEAN_PY) -c "$$LEAN_CHECK"
	$(LEAN_PY) -m pytest -q $(LEAN_TESTS)

lint: $(STAMP)
	$(VENV)/bin/ruff check sae_core tests benchmarks notebooks

# Benchmarks print tables and write JSON into results/ (~5 min on an idle 2-core CPU).
# bench_sae times 100 steps: the cost per step is constant, so ratios and GFLOP/s are those
# of the paper's 500 (python benchmarks/bench_sae.py for 500).
# The dense H=144 run of bench_kernels needs ~14 GiB free and is skipped (said why) without.
# bench_method --quick runs ACDC cut to one tau over per-head inputs (~4-5 min here).
bench: $(STAMP)
	mkdir -p results
	$(PY) benchmarks/bench_kernels.py --json results/bench_kernels.json
	$(PY) benchmarks/bench_sae.py --steps 100 --json results/bench_sae.json
	$(PY) benchmarks/bench_method.py --quick --json results/bench_method.json
	$(PY) benchmarks/bench_discretisers.py --json results/bench_discretisers.json

# Runtime by model size (random-weight GPT-2 small..xl; ~7 GiB for xl). Not in `bench`:
# ~35 min on a 2-core CPU, under a minute on one GPU.
bench-model-size: $(STAMP)
	mkdir -p results
	$(PY) benchmarks/bench_model_size.py --json results/bench_model_size.json

# Every committed figure at full settings: 2 to 2.5 hours on a 2-core CPU.
# WORKERS=N: the figures as jobs on N local Dask worker processes (cores/N threads each).
WORKERS ?= 1
figures: $(STAMP)
	$(VENV)/bin/sae-core figures --workers $(WORKERS)

clean:
	rm -rf $(VENV) $(LEAN_VENV) results .pytest_cache
