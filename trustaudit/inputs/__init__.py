"""Reading what an audit is given: the audit data, JSONL records, and user functions named
``module:func`` or ``file.py:func``."""
