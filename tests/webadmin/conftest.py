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


@pytest.fixture
def smtp():
    """A real SMTP server on a free port: (its inbox, the port)."""
    from aiosmtpd.controller import Controller
    from tests.webadmin.site_support import MailInbox, free_port
    inbox, port = MailInbox(), free_port()
    ctl = Controller(inbox, hostname="127.0.0.1", port=port, ready_timeout=5)
    ctl.start()
    yield inbox, port
    ctl.stop()


@pytest.fixture
def site(tmp_path, smtp):
    """The root folder of a site with telephonist.toml (flows, prompts, voicemail, fax documents)."""
    from tests.webadmin.site_support import make_site
    make_site(tmp_path / "site", smtp[1])
    return tmp_path / "site"


@pytest.fixture
def site_app(site):
    from tests.webadmin.site_support import site_web_config
    app = create_app(site_web_config(site / "telephonist.toml"))
    make_users(app)
    yield app
    app.extensions["chand_feed"].stop()
    db.engine(app).dispose()


@pytest.fixture
def site_client(site_app):
    return site_app.test_client()
