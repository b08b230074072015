"""The duplicates screen: run deduplication, review queued pairs side by side, groups."""
