"""Prompt search, one meaning on both databases: rows whose job's prompt contains the text, in any case, `%` and `_`
taken literally (the job list, the gallery and the API share it).

Each database answers it from a trigram index (migration 0011), so a search reads about the rows it shows, whether
its text is in half the prompts or in three:
- PostgreSQL: a pg_trgm GIN index on UPPER(prompt), the very expression Django's `icontains` compares, so the
  stock lookup uses it. The planner knows from the index's statistics how common a text is: a rare one comes
  straight from the index, a common one fills a page sooner by walking the newest-first index with a filter.
- SQLite: an FTS5 table with the trigram tokenizer (case-folding), kept in step with jobs_job by triggers; its phrase
  query matches exactly the rows that contain the text. SQLite's planner knows nothing of how common a text is, so
  the index is asked first for at most FREQUENT + 1 matches: fewer, and the rows are those jobs'; more, and the
  newest-first walk with LIKE finds a page within a few hundred rows (LIKE folds ASCII case only: for an ASCII text
  it matches what the index matches; any other text keeps the index's answer).
A trigram index knows nothing of texts shorter than three characters: those are a plain scan on both. Its worst case
is a text rare as a whole but made of common trigrams only (three common words in a row): every trigram's long list
is read (0.1 to 0.5 s among a million jobs of the benchmark's 28-word vocabulary on PostgreSQL; prompts in a real
language spread their trigrams far wider).
"""

from django.db import connections
from django.db.models.expressions import RawSQL

SHORTEST_INDEXED = 3
# SQLite: a text in more jobs than this (in any workspace) fills a page sooner by the newest-first walk.
FREQUENT = 1000
# The FTS5 table of migration 0011: its rowid is the job's id.
MATCHING_JOB_IDS = "SELECT rowid FROM jobs_job_prompt_search WHERE jobs_job_prompt_search MATCH %s"


def prompts_containing(rows, text: str, path: str = "prompt"):
    """`rows` whose prompt (at `path`: "prompt" for jobs, "job__prompt" for outputs) contains `text`, any case."""
    containing = {f"{path}__icontains": text}
    if connections[rows.db].vendor != "sqlite" or len(text) < SHORTEST_INDEXED:
        return rows.filter(**containing)
    job = path.removesuffix("prompt").removesuffix("__") or "pk"
    matching = _first_matching_job_ids(rows.db, text, FREQUENT + 1)
    if len(matching) <= FREQUENT:
        return rows.filter(**{f"{job}__in": matching})
    if text.isascii():
        return rows.filter(**containing)
    return rows.filter(**{f"{job}__in": RawSQL(MATCHING_JOB_IDS, [_phrase(text)])})


def _first_matching_job_ids(database: str, text: str, most: int) -> list[int]:
    with connections[database].cursor() as cursor:
        cursor.execute(f"{MATCHING_JOB_IDS} LIMIT %s", [_phrase(text), most])
        return [job_id for (job_id,) in cursor.fetchall()]


def _phrase(text: str) -> str:
    """`text` as one FTS5 string: every character literal, a double quote doubled."""
    return '"' + text.replace('"', '""') + '"'
