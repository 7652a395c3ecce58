-- Sample billing data for the demo gas utility hotline. Built into var/demo/gas.db.
CREATE TABLE accounts (
    account_no    TEXT PRIMARY KEY,
    holder        TEXT NOT NULL,
    area          TEXT NOT NULL,           -- the outage notices are by area code
    prepaid_balance NUMERIC NOT NULL,      -- yuan (IC-card meters)
    arrears       NUMERIC NOT NULL         -- unpaid bills, yuan
);
INSERT INTO accounts VALUES
 ('10012345', 'Zhou Li', '01', 126.40, 0),
 ('10067890', 'Sun Hao', '02', 0,      215.60);

CREATE TABLE bills (
    account_no    TEXT NOT NULL,
    month         TEXT NOT NULL,           -- 2026-10
    usage_m3      NUMERIC NOT NULL,
    amount        NUMERIC NOT NULL,
    paid          INTEGER NOT NULL
);
INSERT INTO bills VALUES
 ('10012345', '2026-09', 18, 54.00, 1), ('10012345', '2026-10', 23, 69.00, 1),
 ('10067890', '2026-09', 31, 93.00, 0), ('10067890', '2026-10', 40.5, 122.60, 0);

-- Self meter readings phoned in (the flow writes here).
CREATE TABLE meter_readings (
    account_no    TEXT NOT NULL,
    month         TEXT NOT NULL,
    reading       INTEGER NOT NULL,
    reported_at   TEXT NOT NULL,
    via           TEXT NOT NULL
);

CREATE TABLE outages (
    area          TEXT NOT NULL,
    starts        TEXT NOT NULL,
    ends          TEXT NOT NULL,
    reason        TEXT NOT NULL
);
INSERT INTO outages VALUES ('02', '2026-11-25 09:00', '2026-11-25 17:00', 'pipe maintenance');

-- Passwords for meter reading self-service live in Telephonist's ivr_accounts (realm "gas").
