# Tongyan: `make run` serves the app on SQLite, `make test` runs the tests.
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app webapp
PORT ?= 5000
MO := webapp/translations/zh_Hans/LC_MESSAGES/messages.mo
PO := webapp/translations/zh_Hans/LC_MESSAGES/messages.po

.PHONY: help setup run bot test bench messages lint clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $@

$(MO): $(wildcard webapp/translations/*/LC_MESSAGES/*.po) $(VENV)/.installed
	for po in webapp/translations/*/LC_MESSAGES/*.po; do \
	  $(VENV)/bin/pybabel compile -i $$po -o $${po%.po}.mo >/dev/null || exit 1; done

setup: $(VENV)/.installed $(MO)  ## create .venv and compile the message catalogue

run: setup  ## migrate, load the demo directory and serve on 127.0.0.1:$(PORT)
	$(FLASK) db upgrade
	$(FLASK) seed-demo
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

bot: setup  ## run the guardian Telegram bot (needs TELEGRAM_TOKEN)
	$(FLASK) db upgrade
	$(FLASK) bot

test: setup  ## run the test suite (TEST_DATABASE_URL=postgresql+psycopg://... for PostgreSQL)
	$(PY) -m pytest $(PYTEST_ARGS)

bench: setup  ## run the benchmarks (they print figures)
	$(PY) bench/bench_analyse.py

messages: setup  ## extract new strings into the catalogues (then translate them in the .po files)
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l -o messages.pot webapp
	$(VENV)/bin/pybabel update -D messages -i messages.pot -d webapp/translations
	$(VENV)/bin/pybabel extract -k _ -k _l -o bot.pot bot webapp/services/guardians.py
	$(VENV)/bin/pybabel update -D bot -i bot.pot -d webapp/translations
	rm messages.pot bot.pot

lint: setup  ## ruff
	$(VENV)/bin/ruff check .

clean:  ## remove the venv and local data
	rm -rf $(VENV) instance test-output
