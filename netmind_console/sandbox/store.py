"""The sandbox's own persistent state: one SQLite file (WAL) under the data dir.

It never touches the console's database. Objects are JSON documents keyed by (kind, id), each
owned by one remote account (one accepted token, see Sandbox.account_name): the API reads and writes
them through `Store.account(name)`, which sees only that account's objects. Everything time-dependent
is derived from absolute timestamps stored in them, so a restart resumes every lifecycle exactly where
it was.
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
    account TEXT NOT NULL DEFAULT '',
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
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(objects)")}
        if "account" not in columns:  # a data dir from before accounts: its objects are the bare token's
            self._db.execute("ALTER TABLE objects ADD COLUMN account TEXT NOT NULL DEFAULT ''")
        self._lock = threading.RLock()

    def account(self, name: str) -> "Account":
        """The store as one remote account sees it."""
        return Account(self, name)

    def close(self):
        with self._lock:
            self._db.close()

    def _query(self, sql, params=()):
        with self._lock:
            return self._db.execute(sql, params).fetchall()

    # -- objects (account None: any account, for the sandbox's own bookkeeping) -------------------
    def add(self, kind: str, obj_id: str, doc: dict, account: str = ""):
        with self._lock:
            (seq,) = self._db.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM objects").fetchone()
            self._db.execute("INSERT INTO objects (kind, id, seq, doc, account) VALUES (?, ?, ?, ?, ?)",
                             (kind, obj_id, seq, json.dumps(doc), account))  # fmt: skip

    def get(self, kind: str, obj_id: str, account: str | None = None) -> dict | None:
        rows = self._query(
            "SELECT doc FROM objects WHERE kind = ? AND id = ? AND deleted = 0 AND (? IS NULL OR account = ?)",
            (kind, obj_id, account, account),
        )
        return json.loads(rows[0][0]) if rows else None

    def every(self, kind: str) -> list[tuple[str, str, dict]]:
        """(id, account, doc) of every object of one kind ever created, deleted ones too, oldest first."""
        rows = self._query("SELECT id, account, doc FROM objects WHERE kind = ? ORDER BY seq", (kind,))
        return [(obj_id, account, json.loads(doc)) for obj_id, account, doc in rows]

    def save(self, kind: str, obj_id: str, doc: dict):
        self._query("UPDATE objects SET doc = ? WHERE kind = ? AND id = ?", (json.dumps(doc), kind, obj_id))

    def list(self, kind: str, account: str, limit: int = -1, offset: int = 0) -> list[dict]:
        rows = self._query(
            "SELECT doc FROM objects WHERE kind = ? AND account = ? AND deleted = 0 ORDER BY seq DESC LIMIT ? OFFSET ?",
            (kind, account, limit, offset),
        )
        return [json.loads(doc) for (doc,) in rows]

    def count(self, kind: str, account: str) -> int:
        return self._query("SELECT COUNT(*) FROM objects WHERE kind = ? AND account = ? AND deleted = 0",
                           (kind, account))[0][0]  # fmt: skip

    def delete(self, kind: str, obj_id: str, account: str) -> bool:
        """Soft delete, like the providers: the row stays, the API stops showing it."""
        with self._lock:
            cur = self._db.execute(
                "UPDATE objects SET deleted = 1 WHERE kind = ? AND id = ? AND account = ? AND deleted = 0",
                (kind, obj_id, account),
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

    # -- Apinfer credits: a balance per account; an account that never had its own uses the shared one --
    def credits(self, account: str = "") -> float:
        return self.setting(f"credits:{account}", self.setting("credits", 0))

    def set_credits(self, amount: float, account: str | None = None):
        """One account's balance; account None sets every account's (and every new account's)."""
        if account is not None:
            self.set_setting(f"credits:{account}", _tidy(amount))
            return
        with self._lock:
            self._query("DELETE FROM settings WHERE name LIKE 'credits:%'")
            self.set_setting("credits", _tidy(amount))

    def charge(self, amount: float, account: str = "") -> bool:
        """Take `amount` if the balance covers it; the check and the debit are one step."""
        with self._lock:
            balance = self.credits(account)
            if balance < amount:
                return False
            self.set_credits(balance - amount, account)
            return True


class Account:
    """What one token sees: its own objects (another account's id is simply not found) and its balance."""

    def __init__(self, store: Store, name: str):
        self.store, self.name = store, name

    def add(self, kind: str, obj_id: str, doc: dict):
        self.store.add(kind, obj_id, doc, self.name)

    def get(self, kind: str, obj_id: str) -> dict | None:
        return self.store.get(kind, obj_id, self.name)

    def found(self, kind: str, obj_id: str, missing: str, title: str = "") -> dict:
        """The object, or the provider's 404 worded as `missing`."""
        doc = self.get(kind, obj_id)
        if doc is None:
            raise ApiError(404, missing, title)
        return doc

    def save(self, kind: str, obj_id: str, doc: dict):
        if self.get(kind, obj_id) is not None:
            self.store.save(kind, obj_id, doc)

    def list(self, kind: str, limit: int = -1, offset: int = 0) -> list[dict]:
        return self.store.list(kind, self.name, limit, offset)

    def count(self, kind: str) -> int:
        return self.store.count(kind, self.name)

    def delete(self, kind: str, obj_id: str) -> bool:
        return self.store.delete(kind, obj_id, self.name)

    def credits(self) -> float:
        return self.store.credits(self.name)

    def set_credits(self, amount: float):
        self.store.set_credits(amount, self.name)

    def charge(self, amount: float) -> bool:
        return self.store.charge(amount, self.name)


def _tidy(number: float):
    """Keep whole balances integral in JSON (1000, not 1000.0)."""
    return int(number) if float(number).is_integer() else round(number, 4)
