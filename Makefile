# The book's commands. `make book` builds the website, `make test` checks everything CI
# checks. Both create .venv first (once; again only when requirements.txt or
# pyproject.toml change).

# The environment: requirements.in names what the book needs; requirements.txt, the
# lock, pins every package it installs (`make lock` writes it from requirements.in).
LOCK := requirements.txt
# PyTorch's CPU-only builds. PyPI's torch for Linux x86_64 is the CUDA build (several
# GB of libraries the book does not use), so there `make` takes torch, and torch alone,
# from this index. Where it is out of reach (only a package registry reachable), the
# attempt gives up within about 10 s and torch comes with the rest of the lock.
TORCH_INDEX := https://download.pytorch.org/whl/cpu
TORCH := $(shell sed -n 's/^torch==\([^ +;]*\).*/\1/p' $(LOCK))
PIP_PIN := $(shell grep -E '^pip==' $(LOCK))

PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
NBVAL  := --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg
# nbval runs chapters in parallel, one notebook per worker: plain -n splits one
# notebook's cells across workers and breaks it. Files go to the workers in the order
# tests/conftest.py gives them (long ones first), not by their number of tests.
XDIST  := -n auto --dist loadfile --no-loadscope-reorder
# what nbval validates and `make execute` runs: the chapters and the chapter template
NOTEBOOK_DIRS := chapters templates
NOTEBOOKS = $(wildcard chapters/*.ipynb templates/*.ipynb)

.PHONY: help book test test-phases pytest lint unit nbval nbval-other-cpu nbval-variants nbval-two-threads nbval-aten-default execute chapter colab-cell lab lab-instructor bench \
        coursework linkcheck lock clean distclean

help:
	@echo "make book     build the website into _build/html (strict: any warning fails)"
	@echo "make test     everything CI checks: lint, unit tests, nbval, structure, strict build"
	@echo "make unit     the fast tests only (no browser, no nbgrader run)"
	@echo "make linkcheck  fetch every external link of the book (needs the network)"
	@echo "make execute  re-run every chapter in place so its stored outputs match the code"
	@echo "make lab      open the chapters in JupyterLab (a reader's Lab: no nbgrader)"
	@echo "make lab-instructor  JupyterLab with nbgrader's tools, on the whole repository"
	@echo "make chapter NAME=NN_slug [TITLE='...']  start a chapter from templates/chapter.ipynb"
	@echo "make colab-cell  put the Colab install cell (address from _config.yml) in every chapter"
	@echo "make bench    time each chapter, the build, page weights, explorer swaps (budgets)"
	@echo "make coursework  student versions of the chapters (nbgrader) in _build/coursework"
	@echo "make lock     pin every package again after editing requirements.in (pip-compile)"
	@echo "make clean    remove _build (keeps .venv); make distclean also removes .venv"

# .venv: pip at the lock's version; on Linux x86_64, torch's CPU build first and alone
# (--no-deps: the lock brings its dependencies), with a 4 s timeout and one retry
# instead of pip's five of 180 s; then every package of the lock at its version, and
# lib (the lock's `-e .`). Packages come with their dependencies, so on macOS or
# Windows the few packages that only they need (the lock is Linux's) are added too;
# `pip check` fails if any package lacks one. Nothing is compiled to bytecode up front
# (--no-compile): pip would compile all of the lock's 13,000 Python files, one at a time,
# and `compileall -j 0` takes 73 s of CPU for them, while the book's kernels, tests and
# build import about 2,900 of them, compiled once on first import (about 12 s of CPU).
# That needs Python to keep what it compiles: where PYTHONDONTWRITEBYTECODE is set (as on
# the machines CI runs on) every kernel would compile torch again (15 s of CPU per import
# instead of 6), so make does not pass that variable on to what it runs. Bytecode goes
# to __pycache__ folders in .venv and in lib, tests and tools (ignored by git).
unexport PYTHONDONTWRITEBYTECODE

$(STAMP): $(LOCK) pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { \
	  echo "make: '$(PYTHON)' not found. The book needs Python 3.11: install it, or run"; \
	  echo "      make PYTHON=/path/to/python3.11 ..."; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' || { \
	  echo "make: '$(PYTHON)' is Python $$($(PYTHON) -c 'import sys; print(*sys.version_info[:2], sep=".")'), the book needs 3.11:"; \
	  echo "      make PYTHON=/path/to/python3.11 ..."; exit 1; }
	@test -x $(BIN)/python || { echo "creating $(VENV) with $(PYTHON)"; $(PYTHON) -m venv $(VENV); }
	$(BIN)/python -m pip install --quiet $(or $(PIP_PIN),--upgrade pip)
	@if [ "$$(uname -sm)" = "Linux x86_64" ]; then \
	  echo "torch==$(TORCH)+cpu from $(TORCH_INDEX)"; \
	  $(BIN)/python -m pip install --quiet --no-compile --no-deps --timeout 4 --retries 1 \
	    --index-url $(TORCH_INDEX) torch==$(TORCH)+cpu \
	  || echo "make: no torch==$(TORCH)+cpu found: torch==$(TORCH) comes with the lock"; \
	fi
	$(BIN)/python -m pip install --quiet --no-compile -r $(LOCK)
	$(BIN)/python -m pip check
	@if [ "$$(uname -sm)" = "Linux x86_64" ]; then $(BIN)/python -c \
	  'import importlib.metadata as m; v = m.version("torch"); v.endswith("+cpu") or print( \
	  f"make: torch {v} is not the CPU build (PyTorch\x27s CPU index was out of reach); " \
	  "once it is reachable, make distclean, then make, installs the CPU build")'; fi
	@touch $@

# requirements.txt again from requirements.in: after adding or changing a line there.
# Versions already in the lock are kept where requirements.in allows them (UPGRADE=1:
# every package at its newest version). torch's dependencies are read from its CPU
# build (from PyTorch's CPU index when reachable, else from a +cpu torch your package
# index offers): a lock read from PyPI's CUDA torch would list nvidia-* and triton,
# which `make lock` refuses. Then `-e .` made relative (pip-compile writes this
# folder's absolute path) and torch's pin written without +cpu: it matches the CPU
# build and PyPI's macOS and Windows torch alike. The lock is resolved for Linux x86_64
# and Python 3.11 (Binder's and CI's platform), so `make lock` runs there only; on
# macOS or Windows `make` adds the few packages that only they need.
lock: $(STAMP)
	@[ "$$(uname -sm)" = "Linux x86_64" ] || { \
	  echo "make lock: the lock is resolved on Linux x86_64 (Binder's and CI's platform),"; \
	  echo "           not on $$(uname -sm): run it there, in a container if need be"; exit 1; }
	@if $(BIN)/python -c 'import sys, urllib.request as u; u.urlopen(sys.argv[1], timeout=5)' \
	     $(TORCH_INDEX)/torch/ 2>/dev/null; then \
	  cpu_index=--pip-args=--extra-index-url=$(TORCH_INDEX); \
	else echo "make lock: $(TORCH_INDEX) is out of reach: torch from the package index"; \
	  cpu_index=; fi; \
	CUSTOM_COMPILE_COMMAND="make lock" $(BIN)/pip-compile --quiet --allow-unsafe \
	  --strip-extras --no-emit-index-url --no-emit-find-links --no-emit-trusted-host \
	  $(if $(UPGRADE),--upgrade) $$cpu_index --output-file $(LOCK) requirements.in
	sed -i -e 's|^-e file://.*$$|-e .|' -e 's|^torch==\([^+]*\)+cpu$$|torch==\1|' $(LOCK)
	@if grep -Eq '^(nvidia-|triton==)' $(LOCK); then \
	  echo "make lock: $(LOCK) lists CUDA packages (nvidia-*, triton): torch was read from"; \
	  echo "           PyPI's CUDA build. Make $(TORCH_INDEX) reachable and run it again."; \
	  exit 1; fi

book: $(STAMP)
	$(BIN)/jupyter-book build . --builder html -W -n --keep-going
	@echo "The book is built. Open it in a browser: file://$(CURDIR)/_build/html/index.html"

# every external link of the book fetched (Sphinx's linkcheck builder, the book's config):
# needs the network, so not part of `make test`; CI runs it weekly
linkcheck: $(STAMP)
	$(BIN)/jupyter-book build . --builder linkcheck

# chapters/ruff.toml sets the chapters' line length (the website's text column); the
# rest follows pyproject.toml
lint: $(STAMP)
	$(BIN)/ruff check lib tests tools chapters templates

# the fast tests: no browser, no nbgrader run (markers in pyproject.toml); `make test`
# runs them all
unit: $(STAMP)
	$(BIN)/python -m pytest $(XDIST) -m "not slow and not browser" tests

nbval: $(STAMP)
	OMP_NUM_THREADS=1 $(BIN)/python -m pytest $(XDIST) $(NBVAL) $(NOTEBOOK_DIRS)

# make test's phases, in order; `make bench` times each one (tools/bench.py)
TEST_PHASES := lint book pytest nbval-other-cpu

test: $(STAMP)
	$(MAKE) --no-print-directory $(TEST_PHASES)

test-phases:
	@echo $(TEST_PHASES)

# pytest over tests/ and nbval over every notebook, one notebook per worker
pytest: $(STAMP)
	OMP_NUM_THREADS=1 $(BIN)/python -m pytest $(XDIST) $(NBVAL) tests $(NOTEBOOK_DIRS)

# The stored outputs must not depend on the thread count or on the CPU's vector kernels,
# as another reader's machine would differ in both. `make test` runs nbval once more with
# both changed at once: two threads per kernel and ATen's plain (not vectorised) kernels.
# Either change alone alters the arithmetic (the order of a threaded sum, the rounding of
# exp and tanh), and with both at once each still acts, so an output that depends on
# either one fails this pass; a third pass for the second change alone would cost
# another full run of every chapter. When this pass fails, `make nbval-variants` runs
# the two changes one at a time and tells which one the output depends on.
# Two threads per kernel, two kernels at a time on a 2-core machine: OMP_WAIT_POLICY=PASSIVE
# lets an idle OpenMP thread sleep instead of spinning for the core its partner needs
# (chapter 7 alone with two threads, on a busy machine: 196 s of CPU spinning against 43 s
# passive and 38 s with one thread). The policy changes how threads wait, not what they
# compute.
OTHER_CPU := OMP_NUM_THREADS=2 OMP_WAIT_POLICY=PASSIVE ATEN_CPU_CAPABILITY=default

nbval-other-cpu: $(STAMP)
	$(OTHER_CPU) $(BIN)/python -m pytest $(XDIST) $(NBVAL) $(NOTEBOOK_DIRS)

nbval-variants: nbval-two-threads nbval-aten-default

nbval-two-threads: $(STAMP)
	OMP_NUM_THREADS=2 OMP_WAIT_POLICY=PASSIVE $(BIN)/python -m pytest $(XDIST) $(NBVAL) \
	  $(NOTEBOOK_DIRS)

nbval-aten-default: $(STAMP)
	OMP_NUM_THREADS=1 ATEN_CPU_CAPABILITY=default $(BIN)/python -m pytest $(XDIST) $(NBVAL) $(NOTEBOOK_DIRS)

execute: $(STAMP)
	for nb in $(NOTEBOOKS); do \
	  echo "executing $$nb"; \
	  ( cd "$$(dirname "$$nb")" && OMP_NUM_THREADS=1 $(CURDIR)/$(BIN)/jupyter nbconvert \
	    --to notebook --execute --inplace \
	    --ExecutePreprocessor.timeout=600 --ExecutePreprocessor.record_timing=False \
	    --ExecutePreprocessor.store_widget_state=False \
	    --ExecutePreprocessor.kernel_name=python3 "$$(basename "$$nb")" ) || exit 1; \
	done
	$(BIN)/python -m tools.store_outputs $(NOTEBOOKS)

# every chapter's first code cell installs lib in Colab, from _config.yml's repository:
# run after changing repository.url or adding a chapter, then `make execute`
colab-cell: $(STAMP)
	$(BIN)/python -m tools.colab_cell

# a new chapter from templates/chapter.ipynb, listed in _toc.yml; never overwrites
chapter: $(STAMP)
	$(BIN)/python -m tools.new_chapter "$(NAME)" $(if $(TITLE),--title "$(TITLE)")

# A reader's JupyterLab: nbgrader's menu, Validate button, assignment panels and server
# extensions are off. Their settings are in tools/jupyter-reader, put first on Jupyter's
# config search path for this command only (your own Jupyter config is not changed).
READER_CONFIG := JUPYTER_CONFIG_PATH="$(CURDIR)/tools/jupyter-reader$${JUPYTER_CONFIG_PATH:+:$$JUPYTER_CONFIG_PATH}"

lab: $(STAMP)
	$(READER_CONFIG) $(BIN)/jupyter lab --notebook-dir=chapters

# The instructor's JupyterLab, with nbgrader (instructors.md): on the repository's root,
# so that nbgrader finds nbgrader_config.py and the course in _build/coursework
lab-instructor: $(STAMP)
	$(BIN)/jupyter lab --notebook-dir=.

# CONTRIBUTING.md's performance budgets, measured: prints a table, never fails on speed
bench: $(STAMP)
	$(MAKE) --no-print-directory book
	$(BIN)/python -m tools.bench

# The chapters as nbgrader assignments (instructors.md): student versions in
# _build/coursework/release, the instructor's copy in _build/coursework/solution. An
# existing release is kept unless FORCE=1; CHAPTERS="04_relu ..." limits it to some.
coursework: $(STAMP)
	$(BIN)/python -m tools.coursework $(if $(FORCE),--force) $(CHAPTERS)

# _build/coursework may hold students' submissions and grades: kept unless FORCE=1
COURSE_WORK := submitted autograded feedback gradebook.db
clean:
	@if [ -d _build/coursework ] && [ -z "$(FORCE)" ] && \
	  ls -d $(addprefix _build/coursework/,$(COURSE_WORK)) 2>/dev/null | grep -q .; then \
	  echo "make clean: keeping _build/coursework (it holds submissions or grades);"; \
	  echo "            make clean FORCE=1 deletes it too"; \
	  find _build -mindepth 1 -maxdepth 1 ! -name coursework -exec rm -rf {} +; \
	else rm -rf _build; fi

distclean: clean
	rm -rf $(VENV)
