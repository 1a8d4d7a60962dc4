"""A message outlives its author's account: `author` becomes nullable (SET_NULL, shown as "Deleted user").

SQLite alters a column by rebuilding the table, which drops its triggers: the full-text index's triggers
(0006) are created again afterwards, or new messages would silently stop being searchable."""

import importlib

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

search_index = importlib.import_module("messaging.migrations.0006_search_index")
TRIGGER_NAMES = [
    "messaging_message_fts_insert",
    "messaging_message_fts_delete",
    "messaging_message_fts_unindex",
    "messaging_message_fts_reindex",
]


def recreate_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for name in TRIGGER_NAMES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")
    for statement in search_index.SQLITE:
        if statement.startswith("CREATE TRIGGER"):
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("messaging", "0006_search_index"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # Runs last when rolling back to 0006, after that rebuild of the table.
        migrations.RunPython(migrations.RunPython.noop, recreate_triggers),
        migrations.AlterField(
            model_name="message",
            name="author",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="messages",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.RunPython(recreate_triggers, migrations.RunPython.noop),
    ]
