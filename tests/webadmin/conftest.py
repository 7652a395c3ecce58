from __future__ import annotations

import pytest

from telephonist.webadmin import create_app, db
from telephonist.webadmin.config import WebConfig
from tests.webadmin.support import FAST_HASH, make_users


@pytest.fixture
def web_config(tmp_path) -> WebConfig:
    (tmp_path / "recordings").mkdir()
    return WebConfig(database_url=f"sqlite:///{tmp_path / 'telephonist.db'}", control_socket=str(tmp_path / "none.sock"),
                     recordings_dir=str(tmp_path / "recordings"), live_feed=False, testing=True,
                     password_method=FAST_HASH)


@pytest.fixture
def app(web_config):
    app = create_app(web_config)
    yield app
    app.extensions["chand_feed"].stop()
    db.engine(app).dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def user_ids(app) -> dict[str, int]:
    return make_users(app)
