import pytest

from config import ProductionConfig
from webapp import create_app


def test_production_without_secret_key_refuses_to_start(monkeypatch):
    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", None)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(ProductionConfig)
