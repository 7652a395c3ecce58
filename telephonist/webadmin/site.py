"""The telephonist configuration as the web admin's pages need it: where flows, prompts, voicemail and
fax documents live, ivrd's flow-check options, the SMTP settings, and the conf.d file the web admin owns.

Read once at start from ``WebConfig.config_path`` (telephonist.toml); without one (tests of other
areas) the defaults of the configuration model apply. The routing page reads the files afresh.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field

from flask import current_app

from telephonist.config.model import Config
from telephonist.mail import SmtpSettings
from telephonist.ivrd.flow_loader import LoadOptions

OWNED_FILE = "90-webadmin.toml"      # conf.d/ file written by the routing page (and by nothing else)
QUEUES_FILE = "91-webadmin-acd.toml" # conf.d/ file written by the queues page: [acd], [[queues]], [[agents]]


@dataclass(frozen=True)
class Site:
    config: Config = field(default_factory=Config)
    config_path: str = ""

    @property
    def flows_dir(self) -> str:
        return self.config.ivrd.flows_dir

    @property
    def prompts_dir(self) -> str:
        return self.config.system.prompts_dir

    @property
    def languages(self) -> tuple[str, ...]:
        return self.config.ivrd.languages

    @property
    def voicemail_dir(self) -> str:
        return self.config.ivrd.voicemail.dir

    @property
    def fax_spool_dir(self) -> str:
        return self.config.faxd.spool_dir

    @property
    def documents_dir(self) -> str:
        return self.config.faxd.documents_dir

    @property
    def owned_file(self) -> str:
        """conf.d/90-webadmin.toml beside telephonist.toml ("" without a configuration file)."""
        if not self.config_path:
            return ""
        return os.path.join(os.path.dirname(os.path.abspath(self.config_path)), "conf.d", OWNED_FILE)

    @property
    def queues_file(self) -> str:
        """conf.d/91-webadmin-acd.toml beside telephonist.toml: the queues page's ("" without a configuration)."""
        return os.path.join(os.path.dirname(self.owned_file), QUEUES_FILE) if self.owned_file else ""

    def load_options(self) -> LoadOptions:
        return LoadOptions(prompts_dir=self.prompts_dir, languages=self.languages,
                           lookup_sources=frozenset(s.name for s in self.config.ivrd.sources))

    def voicemail_smtp(self) -> SmtpSettings:
        vm = self.config.ivrd.voicemail
        return SmtpSettings(host=vm.smtp_host, port=vm.smtp_port, sender=vm.smtp_sender)

    def fax_smtp(self) -> SmtpSettings:
        fx = self.config.faxd
        return SmtpSettings(host=fx.smtp_host, port=fx.smtp_port, sender=fx.smtp_sender)


def load_site(config_path: str) -> Site:
    if not config_path:
        return Site()
    from telephonist.config import load_config
    return Site(load_config(config_path), os.path.abspath(config_path))


def site() -> Site:
    return current_app.extensions["telephonist_site"]
