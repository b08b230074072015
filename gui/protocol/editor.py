"""What the wizard and the Protocol screen share: the pages in order, the protocol dict they edit, and the check
of the whole text (the core's, so the window says exactly what `metasift protocol import` would say)."""

from __future__ import annotations

import copy
from typing import Any

from db.errors import InputError
from extraction.protocol_check import check_protocol_text
from gui.protocol.codebook_editor import CodebookPage
from gui.protocol.criteria import CriteriaPage, legacy_to_items
from gui.protocol.pages import EditorPage, KeywordsPage, ReasonsPage, StagesPage
from screening.protocol_edit import protocol_text


def make_pages() -> list[EditorPage]:
    """The editor pages in the order a review is set up."""
    return [StagesPage(), ReasonsPage(), CriteriaPage(), KeywordsPage(), CodebookPage()]


class ProtocolDraft:
    """The protocol being edited: a dict the pages read and write, and its text (``source``: the text it was
    read from, kept word for word, comments included, while nothing is changed)."""

    def __init__(self, data: dict[str, Any], source: str | None = None) -> None:
        self.data = copy.deepcopy(data)
        self._source = (copy.deepcopy(data), source) if source is not None else None
        items = legacy_to_items(self.data)  # an old-shape protocol is edited (and written) in the new shape
        if items is not None:
            self.data.pop("criteria", None)
            self.data.pop("terms", None)
            self.data["criterion"] = items
            self._source = None

    def load(self, page: EditorPage) -> None:
        if isinstance(page, ReasonsPage):
            page.stages = tuple(self.data.get("stages", {}).get("order", page.stages))
        if isinstance(page, CriteriaPage):
            page.set_reasons(self.data.get("exclusion_reasons", {}).get("title_abstract", []))
        page.load(self.data)

    def store(self, page: EditorPage) -> None:
        page.store(self.data)

    def text(self, where: str = "the protocol") -> str:
        """The TOML text (`InputError` naming ``where`` and the key when the data is not a valid protocol)."""
        if self._source is not None and self._source[0] == self.data:
            return self._source[1]
        return protocol_text(self.data, where)

    def check(self, where: str = "the protocol") -> str | None:
        """None when the whole protocol is valid, else the core's message (naming the key)."""
        try:
            check_protocol_text(self.text(where), where)
        except InputError as exc:
            return str(exc)
        return None
