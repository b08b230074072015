"""The records table: a lazy Qt model over SQL and its view."""
