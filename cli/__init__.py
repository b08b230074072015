"""The `metasift` command line: every capability, headless, with ``--json`` output."""
