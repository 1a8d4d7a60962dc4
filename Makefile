# One machine by default: SQLite file + in-memory channel layer. See README.md for REDIS_URL / DATABASE_URL.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# uvicorn (the default: measured faster at fanning out, README "Benchmark") or daphne (installed and supported).
SERVER ?= uvicorn
# CHAT_TRUSTED_PROXY=1: a reverse proxy in front sets X-Forwarded-For/-Proto, so the client's address (login
# lockout, throttles) and scheme come from them. Only with the server reachable by the proxy alone: daphne
# trusts the headers from any peer and takes the first X-Forwarded-For entry, so the proxy must replace the
# header, not append to it. uvicorn trusts them from FORWARDED_ALLOW_IPS only.
FORWARDED_ALLOW_IPS ?= 127.0.0.1,::1
ifneq ($(filter 1 true yes on TRUE True YES Yes ON On,$(CHAT_TRUSTED_PROXY)),)
DAPHNE_PROXY := --proxy-headers
UVICORN_PROXY := --proxy-headers --forwarded-allow-ips "$(FORWARDED_ALLOW_IPS)"
else
DAPHNE_PROXY :=
UVICORN_PROXY := --no-proxy-headers
endif

.PHONY: run test lint format bench install install-uvicorn install-dev browser clean css

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: requirements/base.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements/base.txt
	touch $@

$(VENV)/.installed-uvicorn: requirements/uvicorn.txt requirements/base.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements/uvicorn.txt
	touch $(VENV)/.installed $@

$(VENV)/.installed-dev: requirements/dev.txt requirements/uvicorn.txt requirements/base.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements/dev.txt
	touch $(VENV)/.installed $(VENV)/.installed-uvicorn $@

install: $(VENV)/.installed
install-uvicorn: $(VENV)/.installed-uvicorn
install-dev: $(VENV)/.installed-dev

## make run: set up everything and serve the chat on HOST:PORT with uvicorn (SERVER=daphne: with daphne)
run: $(if $(filter uvicorn,$(SERVER)),install-uvicorn,install)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py collectstatic --noinput -v0
ifeq ($(SERVER),uvicorn)
	$(BIN)/uvicorn --host $(HOST) --port $(PORT) --ws websockets-sansio --ws-per-message-deflate false \
		--ws-max-size 1048576 $(UVICORN_PROXY) site_config.asgi:application
else
	$(BIN)/daphne --bind $(HOST) --port $(PORT) --websocket_timeout -1 $(DAPHNE_PROXY) site_config.asgi:application
endif

## make test: the whole suite (installs dev requirements, and Debian chromium for browser tests when root)
test: install-dev browser
	$(BIN)/python -m pytest

browser:
	@bash scripts/ensure-chromium.sh

## make css: regenerate static/vendor/bootstrap/bootstrap.trimmed.css after a template uses a new Bootstrap class
## (needs node and npm; PurgeCSS comes from the npm registry into .cache/, outside the repository)
css: install-dev
	npm install --silent --no-audit --no-fund --prefix .cache/purgecss purgecss@7.0.2
	node scripts/trim-bootstrap.mjs "$$($(BIN)/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')" .cache/purgecss/node_modules/purgecss

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .
	$(BIN)/lint-imports

format: install-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## make bench: the fan-out benchmark (BENCH_ARGS="--clients 200 --seconds 5" for a quick one)
bench: install-dev
	$(BIN)/python -m benchmarks $(BENCH_ARGS)

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .mypy_cache .ruff_cache
