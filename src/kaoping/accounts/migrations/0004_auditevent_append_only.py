"""The audit trail is append-only in the database too (R10.3).

PostgreSQL refuses UPDATE and DELETE of a row (TRUNCATE, which a DBA or the test
runner's flush uses, is a table-level act outside this guard: tamper evidence for
scores is the ledger's job). SQLite refuses UPDATE; it keeps DELETE so that the test
runner can empty tables between browser tests.
"""

from django.db import migrations

PG_UP = """
CREATE OR REPLACE FUNCTION accounts_auditevent_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'accounts_auditevent is append-only (% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER accounts_auditevent_append_only BEFORE UPDATE OR DELETE ON accounts_auditevent
  FOR EACH ROW EXECUTE FUNCTION accounts_auditevent_append_only();
"""
PG_DOWN = """
DROP TRIGGER IF EXISTS accounts_auditevent_append_only ON accounts_auditevent;
DROP FUNCTION IF EXISTS accounts_auditevent_append_only();
"""
SQLITE_UP = """
CREATE TRIGGER accounts_auditevent_append_only BEFORE UPDATE ON accounts_auditevent
BEGIN SELECT RAISE(ABORT, 'accounts_auditevent is append-only (UPDATE refused)'); END;
"""
SQLITE_DOWN = "DROP TRIGGER IF EXISTS accounts_auditevent_append_only;"


def up(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_UP, params=None)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_UP)


def down(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_DOWN, params=None)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_DOWN)


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0003_user_password_changed_at_auditevent"),
    ]

    operations = [migrations.RunPython(up, down)]
