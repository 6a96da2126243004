"""Trigram indexes of the prompts for jobs/search.py, one kind per database.

PostgreSQL: pg_trgm (a trusted extension: the database's owner may create it) and a GIN index on UPPER(prompt),
the expression Django's `icontains` compares. SQLite: an FTS5 table with the trigram tokenizer over jobs_job's
prompts (external content: it stores the trigrams, not a second copy of the text), filled from the existing rows
and kept in step by triggers. SQLite drops a table's triggers with the table, and Django rebuilds a table to alter
it: a later migration that alters jobs_job on SQLite must create these triggers again (tests/jobs/test_search.py
fails without them).
"""

from django.db import migrations

POSTGRESQL_FORWARDS = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX job_prompt_trigram ON jobs_job USING gin (UPPER(prompt) gin_trgm_ops)",
]
POSTGRESQL_BACKWARDS = ["DROP INDEX job_prompt_trigram"]  # the extension stays: others may use it

SQLITE_FORWARDS = [
    "CREATE VIRTUAL TABLE jobs_job_prompt_search USING fts5("
    "prompt, content='jobs_job', content_rowid='id', tokenize='trigram')",
    "INSERT INTO jobs_job_prompt_search(jobs_job_prompt_search) VALUES ('rebuild')",
    """CREATE TRIGGER jobs_job_prompt_search_insert AFTER INSERT ON jobs_job BEGIN
        INSERT INTO jobs_job_prompt_search(rowid, prompt) VALUES (new.id, new.prompt);
    END""",
    # Every save of a job names its prompt: only a changed one is indexed again.
    """CREATE TRIGGER jobs_job_prompt_search_update AFTER UPDATE OF prompt ON jobs_job
    WHEN old.prompt IS NOT new.prompt BEGIN
        INSERT INTO jobs_job_prompt_search(jobs_job_prompt_search, rowid, prompt) VALUES ('delete', old.id, old.prompt);
        INSERT INTO jobs_job_prompt_search(rowid, prompt) VALUES (new.id, new.prompt);
    END""",
    """CREATE TRIGGER jobs_job_prompt_search_delete AFTER DELETE ON jobs_job BEGIN
        INSERT INTO jobs_job_prompt_search(jobs_job_prompt_search, rowid, prompt) VALUES ('delete', old.id, old.prompt);
    END""",
]
SQLITE_BACKWARDS = [
    "DROP TRIGGER jobs_job_prompt_search_insert",
    "DROP TRIGGER jobs_job_prompt_search_update",
    "DROP TRIGGER jobs_job_prompt_search_delete",
    "DROP TABLE jobs_job_prompt_search",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):

    dependencies = [
        ("jobs", "0010_output_deletions_and_provider_log"),
    ]

    operations = [
        migrations.RunPython(
            _run({"postgresql": POSTGRESQL_FORWARDS, "sqlite": SQLITE_FORWARDS}),
            _run({"postgresql": POSTGRESQL_BACKWARDS, "sqlite": SQLITE_BACKWARDS}),
        ),
    ]
