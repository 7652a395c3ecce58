"""The knowledge base: articles agents search while talking (docs/knowledge-base.md).

schema.py    the tables (migration kb01)
segment.py   words of a text for the full-text index (jieba for Chinese, lower-cased Latin words)
store.py     categories, articles, their tags (queues, IVR nodes) and versions: every save is a version
files.py     attachments on disk, in one folder the store names (never a name a user gave)
search.py    the one search: FTS5 on SQLite, to_tsvector('simple') on PostgreSQL, ranked, with snippets
"""
