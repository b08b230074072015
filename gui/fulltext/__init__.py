"""The full-text viewer shown beside the screening panel and the coding form."""
