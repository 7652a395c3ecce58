-- Sample core-banking data for the demo bank hotline. Built into var/demo/bank.db.
CREATE TABLE accounts (
    account_no    TEXT PRIMARY KEY,        -- what the caller enters (the card number's last 8 digits in the demo)
    holder        TEXT NOT NULL,
    balance       NUMERIC NOT NULL,
    available     NUMERIC NOT NULL
);
INSERT INTO accounts VALUES
 ('62220001', 'Zhang Wei', 15230.75, 15230.75),
 ('62220002', 'Zhang Wei', 800.00,   800.00),
 ('62220003', 'Li Na',     52.10,    52.10);

CREATE TABLE transfers (
    from_account  TEXT NOT NULL,
    to_account    TEXT NOT NULL,
    amount        NUMERIC NOT NULL,
    at            TEXT NOT NULL,
    channel       TEXT NOT NULL
);

-- The core system books a transfer when it is inserted (the IVR only records the order).
CREATE TRIGGER book_transfer AFTER INSERT ON transfers
BEGIN
    UPDATE accounts SET balance = balance - NEW.amount, available = available - NEW.amount
     WHERE account_no = NEW.from_account;
    UPDATE accounts SET balance = balance + NEW.amount, available = available + NEW.amount
     WHERE account_no = NEW.to_account;
END;
