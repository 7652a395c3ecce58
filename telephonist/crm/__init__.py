"""The customer file: customers, their phones and addresses, custom fields, and one timeline per customer
(schema.py tables, store.py reads and writes, merge.py duplicates, transfer.py import/export)."""
