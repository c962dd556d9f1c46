"""Commands: `flask --app webapp <command>`."""

import json
import logging
import sys
import time

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from webapp.extensions import db
from webapp.services import casework, corrections, directory, ratelimit, staff, suggestions
from webapp.services.errors import DomainError


def init_app(app: Flask) -> None:
    app.cli.add_command(seed_demo)
    app.cli.add_command(classify)
    app.cli.add_command(analyse_pending)
    app.cli.add_command(run_bot)
    app.cli.add_command(create_staff)
    app.cli.add_command(escalate_overdue)
    app.cli.add_command(worker)
    app.cli.add_command(export_corrections)


@click.command("seed-demo")
@with_appcontext
def seed_demo():
    """Load the agency directory and demo area tree (safe to run again)."""
    counts = directory.load_directory(current_app.config["DIRECTORY_FILE"])
    db.session.commit()
    click.echo(f"directory loaded: {counts['agencies']} agencies, {counts['areas']} areas")


@click.command("classify")
@with_appcontext
def classify():
    """Read JSON lines {"id", "text"} on stdin, write one analysis line per input."""
    from moderation.cli import classify_stream

    classify_stream(sys.stdin, sys.stdout)


@click.command("analyse-pending")
@with_appcontext
@click.option("--limit", default=100, show_default=True)
def analyse_pending(limit):
    """Retry the analysis of suggestions that are stored but not yet routed."""
    done = suggestions.analyse_pending(limit)
    db.session.commit()
    click.echo(f"analysed {done}")


@click.command("bot")
@click.option("--webhook", is_flag=True, help="Receive updates by webhook (production).")
@with_appcontext
def run_bot(webhook):
    """Run the guardian Telegram bot (polling unless --webhook)."""
    from bot.main import run

    run(current_app._get_current_object(), webhook=webhook)


@click.command("create-staff")
@click.option("--email", required=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--agency", required=True, help="Agency code, e.g. urban or coord.")
@click.option("--role", default="staff", show_default=True,
              type=click.Choice(["staff", "agency_admin", "coordinator", "admin"]))
@with_appcontext
def create_staff(email, password, agency, role):
    """Create a staff account (or reset its password and role)."""
    try:
        user = staff.create_staff(email, password, agency, role)
    except DomainError as exc:
        raise click.ClickException(str(exc.message)) from None
    db.session.commit()
    click.echo(f"staff account {user.id} ready ({role}, {agency})")


@click.command("escalate-overdue")
@with_appcontext
def escalate_overdue():
    """Escalate items past their time limit to the coordinator (for a scheduler)."""
    count = casework.escalate_overdue()
    db.session.commit()
    click.echo(f"escalated {count}")


@click.command("worker")
@click.option("--interval", default=60, show_default=True, help="Seconds between rounds.")
@click.option("--once", is_flag=True, help="Run one round and stop.")
@with_appcontext
def worker(interval, once):
    """Retry analyses, escalate overdue items and prune old counters, round after round."""
    log = logging.getLogger("webapp.worker")
    while True:
        try:
            analysed = suggestions.analyse_pending()
            escalated = casework.escalate_overdue()
            db.session.commit()
            ratelimit.prune()
            log.info("worker round: analysed %d, escalated %d", analysed, escalated)
        except Exception as exc:  # one bad round must not stop the worker
            db.session.rollback()
            log.error("worker round failed: %s", type(exc).__name__)
        if once:
            return
        time.sleep(interval)


@click.command("export-corrections")
@click.option("--since", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="Only corrections made on or after this day (UTC).")
@with_appcontext
def export_corrections(since):
    """Write staff routing corrections as corpus lines (redacted text, answering agency).

    python -m moderation.train learns from them once saved in moderation/data/corpus/.
    """
    count = 0
    for line in corrections.training_lines(since):
        click.echo(json.dumps(line, ensure_ascii=False))
        count += 1
    click.echo(f"exported {count} corrections", err=True)
