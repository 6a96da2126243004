"""The sandbox's own persistent state: one SQLite file (WAL) under the data dir.

It never touches the console's database. Objects are JSON documents keyed by (kind, id);
everything time-dependent is derived from absolute timestamps stored in them, so a restart
resumes every lifecycle exactly where it was.
"""

import json
import secrets
import sqlite3
import threading
from pathlib import Path

from .web import ApiError

SCHEMA = """
CREATE TABLE IF NOT EXISTS objects (
    kind TEXT NOT NULL,
    id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0,
    doc TEXT NOT NULL,
    PRIMARY KEY (kind, id)
);
CREATE TABLE IF NOT EXISTS media (key TEXT PRIMARY KEY, spec TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS settings (name TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


class Store:
    def __init__(self, data_dir: Path):
        data_dir.mkdir(parents=True, exist_ok=True)
        # One connection behind a lock: the server's threads are few and every query is tiny.
        self._db = sqlite3.connect(data_dir / "sandbox.sqlite3", check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(SCHEMA)
        self._lock = threading.RLock()

    def close(self):
        with self._lock:
            self._db.close()

    def _query(self, sql, params=()):
        with self._lock:
            return self._db.execute(sql, params).fetchall()

    # -- objects -------------------------------------------------------------------------
    def add(self, kind: str, obj_id: str, doc: dict):
        with self._lock:
            (seq,) = self._db.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM objects").fetchone()
            self._db.execute(
                "INSERT INTO objects (kind, id, seq, doc) VALUES (?, ?, ?, ?)", (kind, obj_id, seq, json.dumps(doc))
            )

    def get(self, kind: str, obj_id: str) -> dict | None:
        rows = self._query("SELECT doc FROM objects WHERE kind = ? AND id = ? AND deleted = 0", (kind, obj_id))
        return json.loads(rows[0][0]) if rows else None

    def found(self, kind: str, obj_id: str, missing: str, title: str = "") -> dict:
        """The object, or the provider's 404 worded as `missing`."""
        doc = self.get(kind, obj_id)
        if doc is None:
            raise ApiError(404, missing, title)
        return doc

    def save(self, kind: str, obj_id: str, doc: dict):
        self._query("UPDATE objects SET doc = ? WHERE kind = ? AND id = ?", (json.dumps(doc), kind, obj_id))

    def list(self, kind: str, limit: int = -1, offset: int = 0) -> list[dict]:
        rows = self._query(
            "SELECT doc FROM objects WHERE kind = ? AND deleted = 0 ORDER BY seq DESC LIMIT ? OFFSET ?",
            (kind, limit, offset),
        )
        return [json.loads(doc) for (doc,) in rows]

    def count(self, kind: str) -> int:
        return self._query("SELECT COUNT(*) FROM objects WHERE kind = ? AND deleted = 0", (kind,))[0][0]

    def delete(self, kind: str, obj_id: str) -> bool:
        """Soft delete, like the providers: the row stays, the API stops showing it."""
        with self._lock:
            cur = self._db.execute(
                "UPDATE objects SET deleted = 1 WHERE kind = ? AND id = ? AND deleted = 0", (kind, obj_id)
            )
            return cur.rowcount == 1

    # -- media keys (what a /files/<key> link serves) ------------------------------------------
    def add_media(self, key: str, spec: dict):
        self._query("INSERT OR REPLACE INTO media (key, spec) VALUES (?, ?)", (key, json.dumps(spec)))

    def media(self, key: str) -> dict | None:
        rows = self._query("SELECT spec FROM media WHERE key = ?", (key,))
        return json.loads(rows[0][0]) if rows else None

    # -- settings: the credit balance and the URL-signing secret --------------------------------
    def setting(self, name: str, default=None):
        rows = self._query("SELECT value FROM settings WHERE name = ?", (name,))
        return json.loads(rows[0][0]) if rows else default

    def set_setting(self, name: str, value):
        self._query("INSERT OR REPLACE INTO settings (name, value) VALUES (?, ?)", (name, json.dumps(value)))

    def secret(self) -> str:
        """Persisted so links handed out before a restart still verify after it."""
        with self._lock:
            value = self.setting("secret")
            if value is None:
                value = secrets.token_hex(32)
                self.set_setting("secret", value)
            return value

    def credits(self) -> float:
        return self.setting("credits", 0)

    def set_credits(self, amount: float):
        self.set_setting("credits", _tidy(amount))

    def charge(self, amount: float) -> bool:
        """Take `amount` if the balance covers it; the check and the debit are one step."""
        with self._lock:
            balance = self.credits()
            if balance < amount:
                return False
            self.set_credits(balance - amount)
            return True


def _tidy(number: float):
    """Keep whole balances integral in JSON (1000, not 1000.0)."""
    return int(number) if float(number).is_integer() else round(number, 4)
