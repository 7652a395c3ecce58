"""What a role may do: page rights (which pages and actions) and data rights (which calls).

A right is a plain string; a role holds a set of them (table wa_role_rights).
The built-in roles are written into the database by ``accounts.ensure_builtin_roles``;
an administrator may make custom roles with any subset.
"""
from __future__ import annotations

# right -> (area, English label); the label goes through the message catalogue.
RIGHTS: dict[str, tuple[str, str]] = {
    "calls.view": ("page", "Open the call log"),
    "calls.all": ("data", "See every call (without it: only the user's own calls)"),
    "calls.export": ("page", "Export call records (CSV, XLSX)"),
    "recordings.listen": ("page", "Listen to recordings"),
    "recordings.download": ("page", "Download recordings"),
    "live.view": ("page", "Watch the live board"),
    "calls.originate": ("page", "Place calls"),
    "desk.use": ("page", "Use the agent desktop (as the user's own agent ID only)"),
    "supervise.use": ("page", "Use the supervisor page: listen, coach, barge in, force agents' states"),
    "conference.manage": ("page", "Manage conference rooms: see who is in them, mute, remove, lock, invite"),
    "wallboard.view": ("page", "Watch the wallboard (the queues' figures, no controls)"),
    "reports.view": ("page", "Open reports"),
    "config.view": ("page", "See the configuration pages"),
    "config.routing": ("page", "Change trunk groups and routing (applied to chand)"),
    "config.flows": ("page", "Change call flows, schedules and prompts"),
    "config.queues": ("page", "Change queues and agents (applied to the ACD)"),
    "config.lists": ("page", "Change the blacklist, VIP list and holidays"),
    "config.voicemail": ("page", "Manage voicemail boxes (PINs, notifications)"),
    "config.fax": ("page", "Manage the documents of fax on demand"),
    "inbox.view": ("page", "Open the voicemail and fax inbox (classify, mark handled)"),
    "inbox.all": ("data", "See every mailbox and fax (without it: only the voicemail box numbered as the user's agent ID)"),
    "inbox.listen": ("page", "Listen to and download voicemail, view and download faxes, forward them by e-mail"),
    "quality.view": ("page", "See the quality reviews of one's own calls and appeal them"),
    "quality.review": ("page", "Listen to and score recorded calls of agents up to one's reviewing level"),
    "quality.manage": ("page", "Manage quality forms, sampling rules and reviewers; decide appeals; staff assessment"),
    "admin.users": ("page", "Manage users, roles and API tokens"),
    "admin.audit": ("page", "Read the audit log"),
    "customers.view": ("page", "Open the customer file"),
    "customers.edit": ("page", "Open, edit, close, merge and import customers"),
    "customers.export": ("page", "Export the customer file (CSV, XLSX)"),
    "kb.view": ("page", "Read and search the knowledge base"),
    "kb.edit": ("page", "Write knowledge-base articles (versions, attachments, categories)"),
    "notices.send": ("page", "Send notices to agents and wallboards and see who read them"),
    "shifts.edit": ("page", "Edit shift patterns and rosters, see attendance"),
    "workorders.view": ("page", "Open work orders (the user's units', assigned and created ones) and the crew page"),
    "workorders.all": ("data", "See every work order (without it: the user's units', assigned and created ones)"),
    "workorders.create": ("page", "Create work orders (console, agent desktop, API)"),
    "workorders.dispatch": ("page", "Dispatch, reject, close and reopen work orders"),
    "campaigns.view": ("page", "See outbound campaigns, their results and the do-not-call list"),
    "campaigns.manage": ("page", "Create and run campaigns, import lists, edit the do-not-call list"),
    "campaigns.export": ("page", "Export campaign records"),
}

# A right added to a built-in role here reaches databases made before it at the console's next start
# (accounts.ensure_builtin_roles, wa_builtin_offers).
BUILTIN_ROLES: dict[str, frozenset[str]] = {
    "administrator": frozenset(RIGHTS),
    "supervisor": frozenset({"calls.view", "calls.all", "calls.export", "recordings.listen",
                             "recordings.download", "live.view", "calls.originate", "reports.view",
                             "desk.use", "supervise.use", "conference.manage", "wallboard.view", "config.view", "config.lists",
                             "config.voicemail", "inbox.view", "inbox.all", "inbox.listen",
                             "quality.view", "quality.review", "quality.manage",
                             "customers.view", "customers.edit", "customers.export",
                             "kb.view", "kb.edit", "notices.send", "shifts.edit",
                             "workorders.view", "workorders.all", "workorders.create", "workorders.dispatch",
                             "campaigns.view", "campaigns.manage", "campaigns.export"}),
    "agent": frozenset({"calls.view", "recordings.listen", "live.view", "calls.originate", "inbox.view",
                        "inbox.listen", "desk.use",
                        "quality.view",
                        "customers.view", "customers.edit",
                        "kb.view",
                        "workorders.view", "workorders.create"}),
    "auditor": frozenset({"calls.view", "calls.all", "calls.export", "recordings.listen", "reports.view",
                          "admin.audit"}),
}


def check_rights(names: set[str] | frozenset[str]) -> None:
    unknown = set(names) - set(RIGHTS)
    if unknown:
        raise ValueError(f"unknown right(s): {', '.join(sorted(unknown))}")
