"""The PySide6 desktop shell: thin widgets over the same functions the `metasift` CLI calls."""
