-- Sample policy administration data for the demo insurance hotline (a customer's own system,
-- read by the flow's lookup nodes). Built into var/demo/insurance.db by `telephonist run --demo`.
CREATE TABLE policies (
    policy_no     TEXT PRIMARY KEY,
    holder        TEXT NOT NULL,
    product       TEXT NOT NULL,
    status        TEXT NOT NULL,           -- active, lapsed, matured
    annual_premium NUMERIC NOT NULL,
    sum_assured   NUMERIC NOT NULL,
    next_due      TEXT NOT NULL,           -- ISO date
    agent_code    TEXT NOT NULL
);
INSERT INTO policies VALUES
 ('88001234', 'Zhang Wei', 'LIFE20', 'active', 3650.00, 500000, '2027-01-15', '7001'),
 ('88005678', 'Li Na',     'HEALTH1', 'active', 1280.50, 200000, '2026-12-31', '7002'),
 ('88009999', 'Wang Fang', 'LIFE20', 'lapsed', 2400.00, 300000, '2026-03-01', '7001');

CREATE TABLE agents (
    agent_code    TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    phone         TEXT NOT NULL,
    branch        TEXT NOT NULL,
    commission_month NUMERIC NOT NULL,     -- this month's commission, yuan
    policies_ytd  INTEGER NOT NULL,        -- policies sold this year
    premium_ytd   NUMERIC NOT NULL
);
INSERT INTO agents VALUES
 ('7001', 'Chen Jie', '13800007001', 'Pudong', 8650.00, 42, 356000.00),
 ('7002', 'Zhao Min', '13800007002', 'Xuhui',  5120.80, 27, 198500.50);

-- Annual premium per 10,000 yuan of cover, by product and age band.
CREATE TABLE premium_rates (
    product_code  TEXT NOT NULL,           -- the digits a caller presses: 1 life, 2 health
    age_from      INTEGER NOT NULL,
    age_to        INTEGER NOT NULL,
    premium_per_10k NUMERIC NOT NULL
);
INSERT INTO premium_rates VALUES
 ('1', 18, 30, 52.00), ('1', 31, 40, 78.50), ('1', 41, 50, 126.00), ('1', 51, 65, 215.00),
 ('2', 18, 30, 88.00), ('2', 31, 40, 120.00), ('2', 41, 50, 168.00), ('2', 51, 65, 260.00);
