"""Work orders (业务单) and complaints: orders that flow from an agent, the IVR, the REST API or the
console to the department, branch or field crew that acts on them, and back.

config.py    order types, departments/branches/crews, the sweep's and the SMS modem's settings
             (etc/telephonist/workorders.toml, checked with file:line, reread when it changes)
schema.py    the tables (migration wo01): orders, their history, attachments, the SMS outbox
workflow.py  the states and the ONE table of moves (who may make each)
store.py     create, read, search, move, comment, attach: plain functions of a Connection
sweep.py     overdue orders: a reminder to the assignee, then to the department head (督办)
sms.py       the customer's SMS when an order of a type that says so is closed
reports.py   volume by type, department and branch; overdue; time per state
docs/workorders.md describes it as a whole.
"""
