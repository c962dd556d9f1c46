"""Moderation fixtures: the models load once per test session (the module singleton)."""

import pytest

import moderation


@pytest.fixture(scope="session")
def analyse():
    """moderation.analyse with the models already loaded."""
    moderation.warm_up()
    return moderation.analyse
