"""The Team screen: who is on the review with which roles, each member's progress per stage, and (for a lead)
adding members, changing roles, taking someone off, allocating records and unblinding a stage.

A thin shell: every act is a `screening.team` call through the serial write pool, the same the ``metasift
team`` command makes; refusals (a screener trying a lead's act, the server saying no) come back as messages.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from sqlmodel import select

from db.changes import Topic
from db.models import ROLES, Record
from gui.context import ReviewContext
from gui.refreshing import Refreshing
from screening import team
from screening.decisions import group_map
from screening.protocol import STAGES

STAGE_LABEL = {"title_abstract": "Title/abstract", "full_text": "Full text"}


def load(db: Any) -> dict[str, Any]:
    """Roster and progress (runs off the GUI thread)."""
    with db.session() as session:
        opened = team.managed(session)
        stages = team.unblinded_stages(session)
    return {"roster": team.roster(db), "progress": team.progress(db), "managed": opened, "unblinded": stages}


def kept_records(db: Any) -> list[int]:
    """Every kept record (one per duplicate group), in id order: what "allocate all" covers."""
    with db.session() as session:
        canon = group_map(session)
        ids = [int(i) for i in session.exec(select(Record.id).order_by(Record.id)) if i is not None]
    return [i for i in ids if canon.get(i, i) == i]


class MemberDialog(QDialog):
    """Name, roles and (on PostgreSQL) the login of a member to add."""

    def __init__(self, parent: QWidget, postgres: bool) -> None:
        super().__init__(parent)
        self.setWindowTitle("Add a member")
        self.name = QLineEdit(placeholderText="e.g. Ann Berg")
        self.login = QLineEdit(placeholderText="their PostgreSQL login")
        self.create_login = QCheckBox("Create this login on the server")
        self.roles = {r: QCheckBox(r) for r in ROLES}
        self.roles["screener"].setChecked(True)
        form = QFormLayout(self)
        form.addRow("Name:", self.name)
        row = QHBoxLayout()
        for box in self.roles.values():
            row.addWidget(box)
        form.addRow("Roles:", row)
        if postgres:
            form.addRow("Login:", self.login)
            form.addRow("", self.create_login)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def chosen_roles(self) -> list[str]:
        return [r for r, box in self.roles.items() if box.isChecked()]


class AssignDialog(QDialog):
    """Which screeners, which stage, how many screeners per record (every record, balanced)."""

    def __init__(self, parent: QWidget, seats: list[team.Seat]) -> None:
        super().__init__(parent)
        self.setWindowTitle("Allocate records")
        self.people = QListWidget()
        for s in seats:
            if "screener" in s.roles:
                item = QListWidgetItem(s.name)
                item.setData(256, s.identity)
                item.setCheckState(item.checkState().Checked)
                self.people.addItem(item)
        self.stage = QComboBox()
        for st in STAGES:
            self.stage.addItem(STAGE_LABEL[st], st)
        self.per_record = QSpinBox(minimum=1, maximum=max(1, self.people.count()), value=min(2, self.people.count()))
        form = QFormLayout(self)
        form.addRow("Screeners:", self.people)
        form.addRow("Stage:", self.stage)
        form.addRow("Screeners per record:", self.per_record)
        form.addRow(QLabel("Every record goes to that many of them, balanced; records they hold already stay."))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def chosen(self) -> list[str]:
        return [str(self.people.item(i).data(256)) for i in range(self.people.count())
                if self.people.item(i).checkState() == self.people.item(i).checkState().Checked]


class TeamScreen(Refreshing, QWidget):
    SHORTCUTS = [("Ctrl+R", "Reload the roster and progress")]

    def __init__(self, ctx: ReviewContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.data: dict[str, Any] = {}
        self.members = QStandardItemModel(0, 4)
        self.members.setHorizontalHeaderLabels(["Member", "Identity", "Roles", "Login"])
        self.member_view = self._table(self.members, "team-members")
        self.progress = QStandardItemModel(0, 2 + 2 * len(STAGES))
        self.progress.setHorizontalHeaderLabels(["Member"] + [f"{STAGE_LABEL[s]} {w}" for s in STAGES
                                                                for w in ("assigned", "done")] + ["Voted"])
        self.progress_view = self._table(self.progress, "team-progress")
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.add_button = QPushButton("Add member…")
        self.role_box = QComboBox()
        for r in ROLES:
            self.role_box.addItem(f"Make {r}", r)
        self.role_button = QPushButton("Set role")
        self.remove_button = QPushButton("Take off the team")
        self.assign_button = QPushButton("Allocate records…")
        self.unblind_box = QComboBox()
        for st in STAGES:
            self.unblind_box.addItem(STAGE_LABEL[st], st)
        self.unblind_button = QPushButton("Unblind stage")
        self.add_button.clicked.connect(self.add_member)
        self.role_button.clicked.connect(self.set_role)
        self.remove_button.clicked.connect(self.remove_member)
        self.assign_button.clicked.connect(self.allocate)
        self.unblind_button.clicked.connect(self.unblind)
        roster = QGroupBox("Roster")
        box = QVBoxLayout(roster)
        box.addWidget(self.member_view)
        row = QHBoxLayout()
        for w in (self.add_button, self.role_box, self.role_button, self.remove_button):
            row.addWidget(w)
        row.addStretch(1)
        box.addLayout(row)
        work = QGroupBox("Progress per member and stage")
        wbox = QVBoxLayout(work)
        wbox.addWidget(self.progress_view)
        row = QHBoxLayout()
        for w in (self.assign_button, self.unblind_box, self.unblind_button):
            row.addWidget(w)
        row.addStretch(1)
        wbox.addLayout(row)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(roster, 1)
        layout.addWidget(work, 1)
        self._stale = True

    @staticmethod
    def _table(model: QStandardItemModel, name: str) -> QTableView:
        view = QTableView()
        view.setObjectName(name)
        view.setModel(model)
        view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        view.verticalHeader().hide()
        return view

    # -- loading --------------------------------------------------------------------------------
    def reload(self) -> Any:
        db, current = self.ctx.db, self.newest()
        return self.ctx.run("Reading the team", lambda: load(db), dialog=False,
                            on_done=current(self.show_data))

    def show_data(self, data: dict[str, Any]) -> None:
        self.data = data
        self._stale = False
        self.members.setRowCount(0)
        for s in data["roster"]:
            self.members.appendRow([QStandardItem(x) for x in (s.name, s.identity, ", ".join(s.roles), s.login)])
        self.progress.setRowCount(0)
        by: dict[str, dict[str, team.StageProgress]] = {}
        for p in data["progress"]:
            by.setdefault(p.name, {})[p.stage] = p
        for name, stages in by.items():
            cells = [name]
            for st in STAGES:
                got = stages.get(st)
                cells += [str(got.assigned if got else 0), str(got.done_of_assigned if got else 0)]
            cells.append(str(sum(p.voted for p in stages.values())))
            self.progress.appendRow([QStandardItem(c) for c in cells])
        me = self.ctx.settings.reviewer
        lead = any(s.identity == _ident(me) and "lead" in s.roles for s in data["roster"]) or not data["managed"]
        for w in (self.add_button, self.role_button, self.remove_button, self.assign_button, self.unblind_button):
            w.setEnabled(lead)
        blind = [STAGE_LABEL[s] for s in STAGES if s not in data["unblinded"]]
        self.summary.setText(
            f"{len(data['roster'])} members. Blind stages: {', '.join(blind) or 'none'}. "
            + ("Only leads change the team." if data["managed"] else
               "Nobody has set up a roster yet: the first member you add opens it, and you become its lead."))

    # -- acts (leads) ---------------------------------------------------------------------------
    def _selected(self) -> str | None:
        rows = self.member_view.selectionModel().selectedRows()
        return self.members.item(rows[0].row(), 1).text() if rows else None

    def _write(self, title: str, fn: Any) -> Any:
        me = self.ctx.who()
        if me is None:
            return None

        return self.ctx.write(title, lambda: fn(me), changes=(Topic.TEAM,), dialog=False,
                              on_done=lambda _result: self.reload())

    def add_member(self) -> Any:
        dialog = MemberDialog(self, not self.ctx.db.is_sqlite)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        name, roles = dialog.name.text(), dialog.chosen_roles()
        login, create = dialog.login.text().strip(), dialog.create_login.isChecked()
        return self._write("Adding a member", lambda me: team.add(self.ctx.db, me, name, roles, login, create))

    def set_role(self) -> Any:
        who = self._selected()
        if who is None:
            self.summary.setText("Choose a member in the roster first.")
            return None
        role = str(self.role_box.currentData())
        return self._write("Changing roles", lambda me: team.set_roles(self.ctx.db, me, who, [role]))

    def remove_member(self) -> Any:
        who = self._selected()
        if who is None:
            self.summary.setText("Choose a member in the roster first.")
            return None
        return self._write("Taking a member off", lambda me: team.remove(self.ctx.db, me, who))

    def allocate(self) -> Any:
        dialog = AssignDialog(self, self.data.get("roster", []))
        if dialog.exec() != QDialog.DialogCode.Accepted or not dialog.chosen():
            return None
        people, stage, k = dialog.chosen(), str(dialog.stage.currentData()), dialog.per_record.value()
        db = self.ctx.db
        return self._write("Allocating records",
                           lambda me: team.assign(db, me, people, stage, kept_records(db), k, "desktop"))

    def unblind(self) -> Any:
        stage = str(self.unblind_box.currentData())
        return self._write("Unblinding", lambda me: team.unblind(self.ctx.db, me, stage))


def _ident(name: str) -> str:
    from db.identity import lenient_identity

    return lenient_identity(name or "")
