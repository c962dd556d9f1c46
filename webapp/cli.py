"""Commands: `flask --app webapp <command>`."""

import json
import logging
import sys
import threading
import time
from collections.abc import Callable

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from webapp.extensions import db
from webapp.services import (
    alert_delivery,
    alerts,
    casework,
    corrections,
    directory,
    ratelimit,
    rosters,
    senders,
    staff,
    suggestions,
)
from webapp.services.errors import DomainError

log = logging.getLogger("webapp.worker")


def init_app(app: Flask) -> None:
    app.cli.add_command(seed_demo)
    app.cli.add_command(classify)
    app.cli.add_command(analyse_pending)
    app.cli.add_command(run_bot)
    app.cli.add_command(create_staff)
    app.cli.add_command(escalate_overdue)
    app.cli.add_command(worker)
    app.cli.add_command(export_corrections)
    app.cli.add_command(duty_contact)


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
@click.option(
    "--role",
    default="staff",
    show_default=True,
    type=click.Choice(["staff", "agency_admin", "coordinator", "admin"]),
)
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
@click.option(
    "--interval",
    type=float,
    default=None,
    help="Seconds between rounds (default: WORKER_INTERVAL, 10).",
)
@click.option("--once", is_flag=True, help="Run one round and stop.")
@with_appcontext
def worker(interval, once):
    """Deliver alerts and move them down the duty rosters every round; retry analyses,
    escalate overdue items and prune old counters every WORKER_SLOW_INTERVAL seconds."""
    run_worker(current_app._get_current_object(), interval=interval, once=once)


def run_worker(
    app: Flask,
    *,
    interval: float | None = None,
    once: bool = False,
    stop: threading.Event | None = None,
    on_round: Callable[[], None] | None = None,
) -> None:
    """The worker loop, until `stop` is set (or after one round with `once`)."""
    interval = app.config["WORKER_INTERVAL"] if interval is None else interval
    stop = stop or threading.Event()
    next_slow = 0.0
    with app.app_context():
        while True:
            if time.monotonic() >= next_slow:
                next_slow = time.monotonic() + app.config["WORKER_SLOW_INTERVAL"]
                _slow_round()
            _alert_round()
            if on_round is not None:
                on_round()
            if once or stop.wait(interval):
                return


def _slow_round() -> None:
    try:
        analysed = suggestions.analyse_pending()
        escalated = casework.escalate_overdue()
        db.session.commit()
        ratelimit.prune()
        log.info("worker round: analysed %d, escalated %d", analysed, escalated)
    except Exception as exc:  # one bad round must not stop the worker
        db.session.rollback()
        log.error("worker round failed: %s", type(exc).__name__)


def _alert_round() -> None:
    """Alerts whose window ran out move on; due messages go out, each in its own transaction,
    so one failing send never holds back the others."""
    try:
        moved = alerts.advance_due()
        claimed = alert_delivery.claim_deliveries()
        db.session.commit()
    except Exception as exc:
        db.session.rollback()
        log.error("alert round failed: %s", type(exc).__name__)
        return
    for message_id in claimed:
        _deliver(message_id)
    if moved or claimed:
        log.info("alert round: %d alerts moved on, %d messages claimed", moved, len(claimed))


SENDERS = {
    "email": lambda d: senders.send_email(d.address, d.subject, d.text),
    "webhook": lambda d: senders.send_webhook(d.address, d.text),
    "telegram": lambda d: senders.send_telegram(d.address, d.text),
}


def _deliver(message_id: int) -> None:
    try:
        delivery = alert_delivery.prepare(message_id)
        db.session.commit()
        if delivery is None:
            return
        try:
            SENDERS[delivery.way](delivery)
        except senders.SendFailed as exc:
            gave_up = alert_delivery.failed(
                message_id, exc.error, permanent=exc.permanent, retry_after=exc.retry_after
            )
            log.warning(
                "alert message %s not sent (%s)%s",
                message_id,
                exc.error,
                ": given up, the alert moves on" if gave_up else "; will retry",
            )
        else:
            alert_delivery.delivered(message_id)
        db.session.commit()
    except Exception as exc:  # a bug or the database away: the lease runs out, it is retried
        db.session.rollback()
        log.error("alert message %s failed: %s", message_id, type(exc).__name__)


@click.command("export-corrections")
@click.option(
    "--since",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Only corrections made on or after this day (UTC).",
)
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


@click.command("duty-contact")
@click.option("--agency", help="Agency code; coord is the coordinator's roster.")
@click.option("--email", help="Add an e-mail address to the agency's roster.")
@click.option("--webhook", help="Add a group-robot webhook URL (企业微信, 钉钉).")
@click.option("--staff", "staff_email", help="Add a staff member (by e-mail) who linked Telegram.")
@click.option("--list", "show", is_flag=True, help="List the rosters (or one agency's).")
@click.option("--remove", type=int, help="Take the contact with this number off its roster.")
@with_appcontext
def duty_contact(agency, email, webhook, staff_email, show, remove):
    """Duty rosters: who alerts reach, in the order they were added."""
    try:
        if remove is not None:
            contact = rosters.deactivate_contact(None, remove)
            db.session.commit()
            click.echo(f"contact {contact.id} removed from the roster of {contact.agency.code}")
            return
        if email or webhook or staff_email:
            if not agency:
                raise click.UsageError("--agency is needed to add a contact")
            contact = rosters.add_contact(
                None, agency, email=email, webhook_url=webhook, staff_email=staff_email
            )
            db.session.commit()
            click.echo(
                f"contact {contact.id} added to the roster of {agency} (place {contact.position})"
            )
            return
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc.message)) from None
    for roster_agency, contacts in rosters.rosters():
        if (agency and roster_agency.code != agency) or (not agency and not contacts):
            continue
        click.echo(f"{roster_agency.code} {roster_agency.name}")
        for place, contact in enumerate(contacts, 1):
            way, where = rosters.way(contact), rosters.describe(contact)
            click.echo(f"  {place}. [{contact.id}] {way} {where}")
        if not contacts:
            click.echo("  (nobody: alerts go to the coordinator's roster only)")
