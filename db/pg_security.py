"""What the PostgreSQL server enforces for a team review: privileges, row-level security, append-only triggers.

Every member connects with their own login; the login is a member of the review's group role
(`team_role`, ``<database>_team``), which holds the members' table privileges, and a lead's login also of
``<database>_leads`` (`leads_role`), which alone may write the protocol, the roster, team events and
assignments, and delete (undo an import): a screener's attempt is refused with "permission denied".
Row-level security decides by the session's ``current_user`` (looked up in ``member.login`` by SECURITY
DEFINER functions, never by a name the client sends):

* ``screening_decision``: a member INSERTs only rows naming themselves (``member_id`` and ``reviewer``);
  verdicts and undos need the screener role, resolutions the lead role; an undo withdraws only their own
  row. Nobody UPDATEs or DELETEs a row: no such privilege is granted, and a trigger refuses it even to the
  table's owner. SELECT of another member's row at a stage needs one of: being a lead, the stage unblinded
  (a ``team_event``), or an own vote on that record at that stage still in force.
* ``effect_size``: INSERT as oneself with the coder (or lead) role; append-only like decisions.
* ``review`` (the protocol), ``member`` (the roster), ``team_event``, ``assignment``: only leads write.
* imports and duplicate/sample decisions: any member inserts; only leads delete (undo an import).
* full texts (``pdf_blob``, ``pdf_attachment``, from 0005): any member stores a PDF and attaches or detaches
  one as themselves; both are append-only (detaching adds a row).
* ``protocol_version`` (from 0007): every member reads the versions; only a lead adds one, as themselves
  (``member_id`` and ``who``); append-only, like the decisions made under it.

Tables a review does not have yet (an upgrade runs this at 0004 before 0005 adds the PDF tables, 0007 the
protocol versions) are skipped.

The table owner (whoever created or upgraded the review) bypasses row-level security, as PostgreSQL
intends; keep that login for administration. `install` is idempotent: the migration to 0004 and
`create_review` run it on PostgreSQL.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Connection

APPEND_ONLY = ("screening_decision", "effect_size", "team_event", "pdf_blob", "pdf_attachment", "protocol_version")
MEMBER_INSERT = ("screening_decision", "effect_size", "import_batch", "record", "duplicate_decision",
                 "sample_link", "pdf_blob", "pdf_attachment")
LEAD_INSERT = ("member", "team_event", "assignment", "protocol_version")
LEAD_UPDATE = ("review", "member")
LEAD_DELETE = ("import_batch", "record", "duplicate_decision", "sample_link", "assignment")


def team_role(database: str) -> str:
    """The group role holding a review database's member privileges (names are at most 63 bytes)."""
    return (database[:57] + "_team").lower()


def leads_role(database: str) -> str:
    """The group role holding what only leads may do on a review database."""
    return (database[:57] + "_leads").lower()


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


_FUNCTIONS = """
CREATE OR REPLACE FUNCTION metasift_member_id(who text) RETURNS integer
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = {schema}, pg_temp
  AS $$ SELECT id FROM member WHERE login = who AND active ORDER BY id LIMIT 1 $$;

CREATE OR REPLACE FUNCTION metasift_identity(who text) RETURNS text
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = {schema}, pg_temp
  AS $$ SELECT identity FROM member WHERE login = who AND active ORDER BY id LIMIT 1 $$;

CREATE OR REPLACE FUNCTION metasift_has_role(who text, wanted text) RETURNS boolean
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = {schema}, pg_temp
  AS $$ SELECT EXISTS (SELECT 1 FROM member WHERE login = who AND active
                       AND (',' || roles || ',') LIKE '%,' || wanted || ',%') $$;

CREATE OR REPLACE FUNCTION metasift_may_see(who text, rec integer, stg text) RETURNS boolean
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = {schema}, pg_temp
  AS $$ SELECT metasift_has_role(who, 'lead')
            OR EXISTS (SELECT 1 FROM team_event WHERE kind = 'unblinded' AND stage = stg)
            OR EXISTS (SELECT 1 FROM screening_decision d
                       WHERE d.record_id = rec AND d.stage = stg AND d.kind = 'decision'
                         AND d.member_id = metasift_member_id(who)
                         AND NOT EXISTS (SELECT 1 FROM screening_decision u
                                         WHERE u.kind = 'undo' AND u.undoes = d.id)) $$;

CREATE OR REPLACE FUNCTION metasift_owns_decision(who text, row_id integer) RETURNS boolean
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = {schema}, pg_temp
  AS $$ SELECT EXISTS (SELECT 1 FROM screening_decision WHERE id = row_id
                       AND member_id = metasift_member_id(who)) $$;

CREATE OR REPLACE FUNCTION metasift_append_only() RETURNS trigger
  LANGUAGE plpgsql
  AS $$ BEGIN
    RAISE EXCEPTION 'metasift: rows of % are append-only (add a new row instead of changing one)', TG_TABLE_NAME
      USING ERRCODE = 'insufficient_privilege';
  END $$;
"""

_POLICIES = {
    "screening_decision": [
        ("read", "SELECT", "member_id = metasift_member_id(current_user) "
                           "OR metasift_may_see(current_user, record_id, stage)", None),
        ("write", "INSERT", None,
         "member_id = metasift_member_id(current_user) AND (reviewer = metasift_identity(current_user) "
         "OR (kind = 'resolution' AND method = 'consensus' AND reviewer LIKE metasift_identity(current_user) || '+%')) "
         "AND ("
         "(kind = 'decision' AND metasift_has_role(current_user, 'screener')) OR "
         "(kind = 'resolution' AND metasift_has_role(current_user, 'lead')) OR "
         "(kind = 'undo' AND metasift_owns_decision(current_user, undoes)))"),
    ],
    "effect_size": [
        ("read", "SELECT", "true", None),
        ("write", "INSERT", None, "member_id = metasift_member_id(current_user) AND (coder = "
                                  "metasift_identity(current_user) OR (kind = 'reconciled' AND coder = 'consensus')) "
                                  "AND (metasift_has_role(current_user, 'coder') "
                                  "OR metasift_has_role(current_user, 'lead'))"),
    ],
    **{t: [("read", "SELECT", "true", None),
           ("write", "INSERT", None, "metasift_has_role(current_user, 'lead')"),
           ("change", "UPDATE", "metasift_has_role(current_user, 'lead')", "metasift_has_role(current_user, 'lead')"),
           ("remove", "DELETE", "metasift_has_role(current_user, 'lead')", None)]
       for t in ("review", "member", "team_event", "assignment")},
    **{t: [("read", "SELECT", "true", None),
           ("write", "INSERT", None, "metasift_member_id(current_user) IS NOT NULL"),
           ("remove", "DELETE", "metasift_has_role(current_user, 'lead')", None)]
       for t in ("import_batch", "record", "duplicate_decision", "sample_link")},
    "protocol_version": [
        ("read", "SELECT", "true", None),
        ("write", "INSERT", None, "metasift_has_role(current_user, 'lead') "
                                  "AND member_id = metasift_member_id(current_user) "
                                  "AND who = metasift_identity(current_user)"),
    ],
    "pdf_attachment": [
        ("read", "SELECT", "true", None),
        ("write", "INSERT", None, "member_id = metasift_member_id(current_user) "
                                  "AND who = metasift_identity(current_user)"),
    ],
}


def _tables(conn: Connection) -> set[str]:
    return set(conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")).scalars())


def install(conn: Connection) -> str | None:
    """Create (or refresh) the functions, policies, triggers and grants on the connection's database.

    Returns the group role's name, or None when this login may not create roles (the policies are in
    place all the same; an administrator creates the group role by running this again)."""
    schema = conn.execute(text("SELECT current_schema()")).scalar_one()
    database = conn.execute(text("SELECT current_database()")).scalar_one()
    conn.execute(text(_FUNCTIONS.replace("{schema}", quote_ident(schema))))
    have = _tables(conn)
    for table, policies in _POLICIES.items():
        if table not in have:
            continue
        conn.execute(text(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY"))
        for name, command, using, check in policies:
            conn.execute(text(f"DROP POLICY IF EXISTS metasift_{name} ON {table}"))
            clause = (f" USING ({using})" if using else "") + (f" WITH CHECK ({check})" if check else "")
            conn.execute(text(f"CREATE POLICY metasift_{name} ON {table} FOR {command}{clause}"))
    for table in (t for t in APPEND_ONLY if t in have):
        conn.execute(text(f"DROP TRIGGER IF EXISTS metasift_append_only ON {table}"))
        conn.execute(text(f"CREATE TRIGGER metasift_append_only BEFORE UPDATE OR DELETE ON {table} "
                          "FOR EACH ROW EXECUTE FUNCTION metasift_append_only()"))
    roles = (team_role(database), leads_role(database))
    for role in roles:
        if conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).first():
            continue
        nested = conn.begin_nested()
        try:
            conn.execute(text(f"CREATE ROLE {quote_ident(role)} NOLOGIN"))
            nested.commit()
        except Exception:  # noqa: BLE001 - no CREATEROLE: the grants wait for an administrator
            nested.rollback()
            return None
    team, leads = (quote_ident(r) for r in roles)
    where = quote_ident(schema)
    conn.execute(text(f"REVOKE ALL ON ALL TABLES IN SCHEMA {where} FROM PUBLIC"))
    conn.execute(text(f"GRANT CONNECT ON DATABASE {quote_ident(database)} TO {team}"))
    conn.execute(text(f"GRANT USAGE ON SCHEMA {where} TO {team}"))
    conn.execute(text(f"GRANT SELECT ON ALL TABLES IN SCHEMA {where} TO {team}"))
    conn.execute(text(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {where} TO {team}"))
    conn.execute(text(f"GRANT INSERT ON {', '.join(t for t in MEMBER_INSERT if t in have)} TO {team}"))
    conn.execute(text(f"GRANT INSERT ON {', '.join(t for t in LEAD_INSERT if t in have)} TO {leads}"))
    conn.execute(text(f"GRANT UPDATE ON {', '.join(LEAD_UPDATE)} TO {leads}"))
    conn.execute(text(f"GRANT DELETE ON {', '.join(LEAD_DELETE)} TO {leads}"))
    return roles[0]


def is_admin(conn: Connection) -> bool:
    """True when the session's login is a superuser or owns the review's tables (it bypasses row-level
    security, so MetaSift lets it act for a named member, e.g. in scripts and at migration)."""
    from db.direct import IS_ADMIN_SQL

    row = conn.execute(text(IS_ADMIN_SQL)).first()
    return bool(row and row[0])


def uninstall(conn: Connection) -> None:
    """Drop the policies, triggers and functions `install` made (the downgrade below 0004); the group role
    and its grants stay, harmless without the tables they named."""
    have = _tables(conn)
    for table, policies in _POLICIES.items():
        if table not in have:
            continue
        conn.execute(text(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY"))
        for name, *_ in policies:
            conn.execute(text(f"DROP POLICY IF EXISTS metasift_{name} ON {table}"))
    for table in (t for t in APPEND_ONLY if t in have):
        conn.execute(text(f"DROP TRIGGER IF EXISTS metasift_append_only ON {table}"))
    for fn in ("metasift_may_see(text, integer, text)", "metasift_owns_decision(text, integer)",
               "metasift_has_role(text, text)", "metasift_identity(text)", "metasift_member_id(text)",
               "metasift_append_only()"):
        conn.execute(text(f"DROP FUNCTION IF EXISTS {fn}"))
