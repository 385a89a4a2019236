"""Make the case log append-only in the database itself (PostgreSQL).

TRUNCATE is deliberately not trapped: it needs the table owner's privilege, which the
application's database role should not have in production (see the README).
"""

from django.db import migrations

REFUSE_FUNCTION = """
CREATE OR REPLACE FUNCTION commonweal_refuse_case_event_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'The case log is append-only: % of event % refused', TG_OP, OLD.id
        USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;
"""
TRIGGER = """
CREATE TRIGGER case_event_append_only
    BEFORE UPDATE OR DELETE ON cases_caseevent
    FOR EACH ROW EXECUTE FUNCTION commonweal_refuse_case_event_change();
"""
DROP = """
DROP TRIGGER IF EXISTS case_event_append_only ON cases_caseevent;
DROP FUNCTION IF EXISTS commonweal_refuse_case_event_change();
"""


def add_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(REFUSE_FUNCTION, params=None)
        schema_editor.execute(TRIGGER)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(add_trigger, drop_trigger),
    ]
