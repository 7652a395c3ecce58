"""Backup and restore of a Telephonist node: `telephonist backup` and `telephonist restore`.

An archive (`telephonist-backup-NODE-YYYYmmddTHHMMSSZ.tar.gz`) holds a consistent
copy of the database (SQLite's online backup API, or pg_dump), then every file of
the folders the configuration names (layout.py: the configuration and conf.d,
flows, prompts, recordings, voicemail, faxes, fax documents, the state folder's
own files), then MANIFEST.json (what, sizes, sha256, the schema revision, when,
which node). The database comes first, so every call record, message or fax it
holds was finished before its files are read. `take.py` makes an archive and
hands it to its destination (destination.py: a folder, or user@host:/folder by
rsync over the system's ssh), which keeps the newest `keep`; `bring_back.py`
checks an archive against its manifest and puts it back.
"""
