"""The full-text index of live messages (messaging/search/): FTS5 with the trigram tokenizer on SQLite, kept in
step by triggers; on PostgreSQL, a GIN index on the tsvector and a pg_trgm GIN index, both partial."""

from django.db import migrations

# Named: the search benchmark (benchmarks/search.py) seeds without the trigger, then fills the index at once.
SQLITE_INSERT_TRIGGER = (
    "CREATE TRIGGER messaging_message_fts_insert AFTER INSERT ON messaging_message "
    "WHEN new.deleted_at IS NULL BEGIN "
    "INSERT INTO messaging_message_fts(rowid, body) VALUES (new.id, new.body); END"
)
SQLITE_FILL = (
    "INSERT INTO messaging_message_fts(rowid, body) SELECT id, body FROM messaging_message "
    "WHERE deleted_at IS NULL"
)
SQLITE = [
    "CREATE VIRTUAL TABLE messaging_message_fts USING fts5("
    "body, content='messaging_message', content_rowid='id', tokenize='trigram')",
    # Only live messages are in the index: an external-content 'delete' must repeat what was indexed.
    SQLITE_INSERT_TRIGGER,
    "CREATE TRIGGER messaging_message_fts_delete AFTER DELETE ON messaging_message "
    "WHEN old.deleted_at IS NULL BEGIN "
    "INSERT INTO messaging_message_fts(messaging_message_fts, rowid, body) VALUES ('delete', old.id, old.body); "
    "END",
    "CREATE TRIGGER messaging_message_fts_unindex AFTER UPDATE OF body, deleted_at ON messaging_message "
    "WHEN old.deleted_at IS NULL BEGIN "
    "INSERT INTO messaging_message_fts(messaging_message_fts, rowid, body) VALUES ('delete', old.id, old.body); "
    "END",
    "CREATE TRIGGER messaging_message_fts_reindex AFTER UPDATE OF body, deleted_at ON messaging_message "
    "WHEN new.deleted_at IS NULL BEGIN "
    "INSERT INTO messaging_message_fts(rowid, body) VALUES (new.id, new.body); END",
    SQLITE_FILL,
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS messaging_message_fts_insert",
    "DROP TRIGGER IF EXISTS messaging_message_fts_delete",
    "DROP TRIGGER IF EXISTS messaging_message_fts_unindex",
    "DROP TRIGGER IF EXISTS messaging_message_fts_reindex",
    "DROP TABLE IF EXISTS messaging_message_fts",
]
POSTGRES_INDEXES = [
    "CREATE INDEX IF NOT EXISTS message_body_words ON messaging_message "
    "USING gin (to_tsvector('simple'::regconfig, body)) WHERE deleted_at IS NULL",
    "CREATE INDEX IF NOT EXISTS message_body_trigrams ON messaging_message "
    "USING gin (body gin_trgm_ops) WHERE deleted_at IS NULL",
]
POSTGRES = ["CREATE EXTENSION IF NOT EXISTS pg_trgm", *POSTGRES_INDEXES]
POSTGRES_REVERSE = [
    "DROP INDEX IF EXISTS message_body_words",
    "DROP INDEX IF EXISTS message_body_trigrams",
]


def run(statements: dict[str, list[str]]):
    def apply(apps, schema_editor):
        for statement in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return apply


class Migration(migrations.Migration):
    dependencies = [("messaging", "0005_render_existing_messages")]

    operations = [
        migrations.RunPython(
            run({"sqlite": SQLITE, "postgresql": POSTGRES}),
            run({"sqlite": SQLITE_REVERSE, "postgresql": POSTGRES_REVERSE}),
        )
    ]
