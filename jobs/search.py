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

The gallery also finds outputs by their own text (a transcript: outputs_containing). Those texts are read apart,
from the workspace's text outputs only (the partial index output_workspace_text: they are few among the media), and
the prompt search keeps its own road: only when some text matches does the page's query grow an `OR id IN (...)`.
"""

from django.db import connections
from django.db.models import Q
from django.db.models.expressions import RawSQL

from jobs.models import OutputKind

SHORTEST_INDEXED = 3
# SQLite: a text in more jobs than this (in any workspace) fills a page sooner by the newest-first walk.
FREQUENT = 1000
# The FTS5 table of migration 0011: its rowid is the job's id.
MATCHING_JOB_IDS = "SELECT rowid FROM jobs_job_prompt_search WHERE jobs_job_prompt_search MATCH %s"


def prompts_containing(rows, text: str, path: str = "prompt"):
    """`rows` whose prompt (at `path`: "prompt" for jobs, "job__prompt" for outputs) contains `text`, any case."""
    return rows.filter(_prompt_contains(rows.db, text, path))


def outputs_containing(outputs, text: str, kind: str = ""):
    """`outputs` whose job's prompt or own text (a text output's: a transcript) contains `text`, any case. `kind`: the
    one kind `outputs` are filtered to, if they are; another than text has no text to read, and no query is spent."""
    prompt = _prompt_contains(outputs.db, text, "job__prompt")
    texts = _texts_containing(outputs, text) if kind in ("", OutputKind.TEXT) else []
    if not texts:
        return outputs.filter(prompt)
    if len(texts) > FREQUENT:
        return outputs.filter(prompt | Q(kind=OutputKind.TEXT, text__icontains=text))
    return outputs.filter(prompt | Q(pk__in=texts))


def _prompt_contains(database: str, text: str, path: str) -> Q:
    containing = Q(**{f"{path}__icontains": text})
    if connections[database].vendor != "sqlite" or len(text) < SHORTEST_INDEXED:
        return containing
    job = path.removesuffix("prompt").removesuffix("__") or "pk"
    matching = _first_matching_job_ids(database, text, FREQUENT + 1)
    if len(matching) <= FREQUENT:
        return Q(**{f"{job}__in": matching})
    if text.isascii():
        return containing
    return Q(**{f"{job}__in": RawSQL(MATCHING_JOB_IDS, [_phrase(text)])})


def _texts_containing(outputs, text: str) -> list[int]:
    """Ids of the text outputs among `outputs` whose text contains `text` (at most FREQUENT + 1 of them).

    SQLite's LIKE folds ASCII case only: a text beyond ASCII is compared there by Python's casefold, one text
    output at a time, so both databases give one answer (PostgreSQL's UPPER folds every letter)."""
    texts = outputs.filter(kind=OutputKind.TEXT).order_by()
    if text.isascii() or connections[outputs.db].vendor != "sqlite":
        return list(texts.filter(text__icontains=text).values_list("pk", flat=True)[: FREQUENT + 1])
    wanted = text.casefold()
    found = (pk for pk, body in texts.values_list("pk", "text").iterator() if wanted in body.casefold())
    return [pk for pk, _ in zip(found, range(FREQUENT + 1))]


def _first_matching_job_ids(database: str, text: str, most: int) -> list[int]:
    with connections[database].cursor() as cursor:
        cursor.execute(f"{MATCHING_JOB_IDS} LIMIT %s", [_phrase(text), most])
        return [job_id for (job_id,) in cursor.fetchall()]


def _phrase(text: str) -> str:
    """`text` as one FTS5 string: every character literal, a double quote doubled."""
    return '"' + text.replace('"', '""') + '"'
