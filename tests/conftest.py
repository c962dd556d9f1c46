"""Shared fixtures: a real database (SQLite file, or PostgreSQL via TEST_DATABASE_URL)."""

import io
import os

import pytest
from helpers import PASSWORD
from PIL import Image
from sqlalchemy import delete

from config import TestConfig
from webapp import create_app
from webapp.extensions import db
from webapp.services import directory


def database_url(tmp_path_factory) -> str:
    return os.environ.get("TEST_DATABASE_URL") or (
        f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    )


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = database_url(tmp_path_factory)

    app = create_app(Config)
    with app.app_context():
        db.drop_all()
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


@pytest.fixture
def fresh_database(app):
    """An empty database with the default directory loaded."""
    with app.app_context():
        for table in reversed(db.metadata.sorted_tables):
            db.session.execute(delete(table))
        directory.load_directory(app.config["DIRECTORY_FILE"])
        db.session.commit()
        db.session.remove()


@pytest.fixture
def ctx(app, fresh_database):
    """An application context for calling services directly."""
    with app.app_context():
        yield
        db.session.rollback()
        db.session.remove()


@pytest.fixture
def client(app, fresh_database):
    return app.test_client()


@pytest.fixture
def runner(app, fresh_database):
    return app.test_cli_runner()


def make_image(fmt: str = "JPEG", size=(64, 48), exif: bytes | None = None) -> bytes:
    """A small real image, optionally with EXIF (GPS and all)."""
    image = Image.new("RGB", size, (200, 120, 40))
    out = io.BytesIO()
    kwargs = {"exif": exif} if exif else {}
    image.save(out, format=fmt, **kwargs)
    return out.getvalue()


@pytest.fixture
def image_bytes():
    return make_image


@pytest.fixture
def make_staff(app, fresh_database):
    """Create a staff account in its own transaction; returns its id."""
    from webapp.services import staff

    def make(agency: str = "urban", role: str = "staff", email: str | None = None) -> int:
        with app.app_context():
            user = staff.create_staff(
                email or f"{role}.{agency}@city.example", PASSWORD, agency, role
            )
            db.session.commit()
            return user.id

    return make
