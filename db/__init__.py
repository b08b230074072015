"""The review database: schema (SQLModel), engine, migrations, and the shared error/progress types.

This is the bottom layer: it knows nothing of screening, extraction or Qt.
"""
