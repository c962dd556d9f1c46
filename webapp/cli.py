"""Commands: `flask --app webapp <command>`."""

import sys

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from webapp.extensions import db
from webapp.services import directory, suggestions


def init_app(app: Flask) -> None:
    app.cli.add_command(seed_demo)
    app.cli.add_command(classify)
    app.cli.add_command(analyse_pending)
    app.cli.add_command(run_bot)


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
