# lutbook: one Makefile for readers, instructors and CI.
#   make book   - virtualenv + packages + data + the HTML book (prints the file to open)
#   make test   - unit tests, executed-notebook checks, nbval, book build (-W), browser test
#   make lab    - JupyterLab on notebooks/
# See README.md. Every target works on a fresh machine with python3, make, node and npm.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := book

PYTHON  ?= python3
VENV    ?= .venv
BIN     := $(VENV)/bin
PY      := $(BIN)/python
HTML    := _build/html
VENDOR  := _build/vendor/_vendor
NB      ?=
# nbval runs every chapter notebook; xdist spreads notebooks over both cores. The unit and browser
# tests are spread the same way (each test makes its own files, servers and ports); "-n 0" runs
# them in one process, e.g. UNIT_ARGS="-n 0".
NBVAL_ARGS   ?= -n 2 --dist loadfile --no-loadscope-reorder
# Longest first (CPU seconds of one execution: 303, 214, 203, 190, 150, 117, 60, 47, 39, 9), and
# any other chapter after them: each worker takes the next chapter when it is free, so the two
# finish close together.
NBVAL_FIRST  := 04_lut_networks 07_measuring_memorization 06_closer_look 05_random_labels \
                01_memorize_or_generalize 09_is_memorization_bad 08_information \
                03_single_lut_mnist 00_first_look 02_lookup_table
NBVAL_FILES  := $(NBVAL_FIRST:%=notebooks/%.ipynb) \
                $(filter-out $(NBVAL_FIRST:%=notebooks/%.ipynb),$(sort $(wildcard notebooks/*.ipynb)))
UNIT_ARGS    ?= -n 2
BROWSER_ARGS ?= -n 2 --dist load

export PYTHONDONTWRITEBYTECODE := 1
# In tests, progress bars are off (tqdm reads TQDM_* variables), so they cannot break nbval;
# tests/nbval_sanitize.cfg also masks any that slip through.
TEST_ENV := TQDM_DISABLE=1

.PHONY: venv vendor data book test unit executed nbval browser lab student instructor execute check-headless clean benchmark help

help:
	@sed -n '1,6p' Makefile

# ---- environment --------------------------------------------------------------------
venv: $(BIN)/.installed
$(BIN)/.installed: pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $@

# JavaScript for offline reading (MathJax, require.js, widgets manager), pinned in
# package-lock.json, copied into the book by html_extra_path (see _config.yml).
vendor: $(VENDOR)/.stamp
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund
$(VENDOR)/.stamp: node_modules/.package-lock.json scripts/vendor_assets.py _ext/widgets-config.js
	$(PYTHON) scripts/vendor_assets.py
	touch $@

data: venv
	$(BIN)/lutlib data fetch --dataset all

# ---- the book -----------------------------------------------------------------------
# Always a full, clean build with warnings as errors. Notebooks are not executed
# (execute_notebooks: off): they are committed executed and checked by nbval.
book: venv vendor data
	rm -rf $(HTML) _build/jupyter_execute _build/.doctrees
	$(BIN)/jupyter-book build . --all -W --keep-going --builder html
	@echo
	@echo "The book is built. Open file://$(CURDIR)/$(HTML)/index.html"

# Slides: one reveal.js deck per chapter of _toc.yml in _build/slides/ (index.html lists them),
# with reveal.js, MathJax and the widgets manager in _build/slides/_vendor/: they open offline,
# from file://. Slide breaks: see scripts/make_slides.py (a slides-* cell tag overrides them).
.PHONY: slides
slides: venv vendor
	$(PY) scripts/make_slides.py --out _build/slides
	@echo "Open file://$(CURDIR)/_build/slides/index.html"

# The whole book as one PDF, _build/lutbook.pdf (scripts/make_pdf.py): the one-page HTML build
# (-W, in _build/pdf-src; _build/html is not touched) printed by Chromium (/usr/bin/chromium)
# with an outline of the chapters; no LaTeX. Checked by tests/test_pdf.py.
.PHONY: pdf
pdf: venv vendor
	$(PY) scripts/make_pdf.py --out _build/lutbook.pdf --work _build/pdf-src

# ---- tests --------------------------------------------------------------------------
test: book unit nbval browser kit
	@echo "make test: all passed"

# Unit tests (lutlib, make_student, notebook conventions); the browser tests are separate.
unit: venv
	$(TEST_ENV) $(BIN)/pytest tests/ lutlib --doctest-modules --ignore=tests/browser --ignore=tests/kit -p no:cacheprovider $(UNIT_ARGS)

# The committed outputs of every chapter are what its code produces (strict comparison).
nbval: venv data
	$(TEST_ENV) $(BIN)/pytest --nbval $(NBVAL_FILES) --nbval-sanitize-with tests/nbval_sanitize.cfg \
	    -p no:cacheprovider $(NBVAL_ARGS)

# The built book and the slides in headless Chromium, offline; screenshots in _build/screenshots/.
browser: venv slides
	@test -f $(HTML)/index.html || { echo "no $(HTML); run make book first"; exit 1; }
	rm -rf _build/screenshots
	LUTBOOK_REQUIRE_BOOK=1 $(BIN)/pytest tests/browser -p no:cacheprovider $(BROWSER_ARGS)

# The offline kit installed into a fresh virtualenv with the package index off (no network),
# and a chapter run from it with the kit's data (tests/kit; fails if the kit is missing).
kit: offline-kit
	LUTBOOK_REQUIRE_KIT=1 LUTBOOK_KIT=$(KIT) $(TEST_ENV) $(BIN)/pytest tests/kit -p no:cacheprovider -rP

# ---- the classroom kit with no internet ------------------------------------------------
# Wheels of lutlib[lab] (pinned by constraints.txt, this machine's Python and platform), MNIST and
# Fashion-MNIST (checksums verified), the book, the student notebooks and install.sh, in
# _build/offline-kit/ and _build/offline-kit.zip. Building needs the package registry; installing
# from the kit does not. For another platform (binary wheels only):
#   make offline-kit KIT=_build/offline-kit-win KIT_ARGS="--platform win_amd64 --python-version 3.11.9"
KIT      ?= _build/offline-kit
KIT_ARGS ?=
.PHONY: offline-kit kit
offline-kit: venv data slides $(if $(wildcard $(HTML)/index.html),,book)
	$(PY) scripts/make_offline_kit.py --out $(KIT) --zip $(KIT).zip --book $(HTML) --slides _build/slides $(KIT_ARGS)

# ---- working on chapters ------------------------------------------------------------
# On a JupyterHub (JUPYTERHUB_SERVICE_PREFIX / JUPYTERHUB_API_TOKEN set) a second JupyterLab is not
# reachable: scripts/lab.py registers .venv as the kernel "Python (lutbook)" instead (and serves the
# project's lab through jupyter-server-proxy when the hub has it). Elsewhere: jupyter lab, as always.
lab: venv data
	$(PY) scripts/lab.py --notebook-dir notebooks --venv-bin $(BIN)

# Re-execute chapters in place: outputs, widget state, and the prose's {eval} values saved in
# each markdown cell's metadata (scripts/execute.py; NB may name several notebooks):
#   make execute NB=notebooks/00_first_look.ipynb
execute: venv data
	@test -n "$(NB)" || { echo "usage: make execute NB=notebooks/NN_name.ipynb"; exit 1; }
	$(PY) scripts/execute.py $(NB)

# Every chapter executed headless 10 times in a row; fails on a hang (long: ~1 hour).
check-headless: venv data
	nice -n 10 $(PY) scripts/check_headless.py notebooks/*.ipynb --runs 10

# Student notebooks (solutions removed) in _build/student/ and _build/student.zip.
student: venv
	$(PY) scripts/make_student.py --src notebooks --out _build/student --zip _build/student.zip

# Instructor notebooks (solutions open, instructor notes kept, outputs kept) in _build/instructor/
# and _build/instructor.zip; same never-overwrite rules as make student.
instructor: venv
	$(PY) scripts/make_instructor.py --src notebooks --out _build/instructor --zip _build/instructor.zip

benchmark: venv data
	@for f in benchmarks/bench_*.py; do echo "== $$f"; $(PY) "$$f"; done

# Removes what builds and tests made: _build/ (except student and instructor notebooks and an offline
# kit changed since `make student` / `make instructor` / `make offline-kit` wrote them: --clean says
# which it keeps), node_modules/, .pytest_cache/,
# .hypothesis/ and *.pyc files. Keeps .venv/, the data and numba's compiled kernels (*.nbi, *.nbc).
clean:
	if [ -d _build ]; then find _build -mindepth 1 -maxdepth 1 ! -name student ! -name student.zip ! -name instructor ! -name instructor.zip ! -name offline-kit ! -name offline-kit.zip -exec rm -rf {} +; fi
	$(if $(wildcard $(PY)),$(PY),$(PYTHON)) scripts/make_student.py --clean --out _build/student --zip _build/student.zip
	$(if $(wildcard $(PY)),$(PY),$(PYTHON)) scripts/make_instructor.py --clean --out _build/instructor --zip _build/instructor.zip
	$(if $(wildcard $(PY)),$(PY),$(PYTHON)) scripts/make_offline_kit.py --clean --out $(KIT) --zip $(KIT).zip
	rmdir _build 2>/dev/null || true
	rm -rf node_modules .pytest_cache .hypothesis
	find . -path './$(VENV)' -prune -o -name '*.pyc' -type f -exec rm -f {} +
	find . -path './$(VENV)' -prune -o -name __pycache__ -type d -empty -exec rmdir {} +
