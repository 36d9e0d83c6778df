"""All of the room's SQL, on any SQLAlchemy engine (SQLite by default, PostgreSQL on several replicas).

The page hands it `st.connection("rooms", type="sql").engine`; the tests hand it SQLite and a real
PostgreSQL server through the same code. Tables are created when missing (`create_tables`); every
query is `sqlalchemy.text()` with bound parameters, never text pasted into SQL. Stored per submission:
the room, the session's anonymous id, the time, the kind ("digit" or "sentence"), the true label,
the 28x28 digit as the pipeline prepared it (784 bytes) or the sentence (capped), and the verdicts
(JSON). Never a photo or an upload. Times are seconds since the epoch (UTC).
"""

from __future__ import annotations

import csv
import io
import json
import time
from dataclasses import dataclass

import numpy as np
from sqlalchemy import Column, Float, Integer, LargeBinary, MetaData, String, Table, Text, create_engine, text
from sqlalchemy.engine import Engine

from cnnrnn.tasks.room.limits import (
    MAX_SENTENCE,
    PER_MINUTE,
    ROOM_HOURS,
    key_hash,
    key_matches,
    new_code,
    new_key,
    rate_message,
)

SIDE = 28  # the stored digit is SIDE x SIDE uint8

_META = MetaData()
ROOMS = Table(
    "rooms",
    _META,
    Column("code", String(16), primary_key=True),
    Column("key_hash", String(64), nullable=False),
    Column("created", Float, nullable=False),
    Column("expires", Float, nullable=False),
    Column("paused", Integer, nullable=False, default=0),
    Column("closed", Integer, nullable=False, default=0),
)
SUBMISSIONS = Table(
    "room_submissions",
    _META,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("room", String(16), nullable=False, index=True),
    Column("session", String(64), nullable=False),
    Column("created", Float, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("label", Integer, nullable=False),
    Column("digit", LargeBinary, nullable=True),
    Column("sentence", Text, nullable=True),
    Column("verdicts", Text, nullable=False),
)


@dataclass(frozen=True)
class Room:
    code: str
    key_hash: str
    created: float
    expires: float
    paused: bool
    closed: bool


@dataclass(frozen=True)
class Sent:
    """What `add_submission` did: `id` of the stored row, or `message` saying why nothing was stored."""

    id: int | None = None
    message: str | None = None


def sqlite_engine(path) -> Engine:
    """An engine on a SQLite file (what `st.connection` builds from the default URL; the tests use it too)."""
    return create_engine(f"sqlite:///{path}")


def create_tables(engine: Engine) -> None:
    """Create the two tables (and the index) where they are missing; safe to call again."""
    _META.create_all(engine, checkfirst=True)


def _room(row) -> Room | None:
    if row is None:
        return None
    return Room(row.code, row.key_hash, float(row.created), float(row.expires), bool(row.paused), bool(row.closed))


def open_room(engine: Engine, now: float | None = None) -> tuple[str, str]:
    """A new room: (code, presenter key). Rooms past their expiry are deleted first, with their submissions."""
    now = time.time() if now is None else now
    key = new_key()
    with engine.begin() as conn:
        expired = [r.code for r in conn.execute(text("SELECT code FROM rooms WHERE expires < :now"), {"now": now})]
        for code in expired:
            conn.execute(text("DELETE FROM room_submissions WHERE room = :code"), {"code": code})
            conn.execute(text("DELETE FROM rooms WHERE code = :code"), {"code": code})
        while True:
            code = new_code()
            taken = conn.execute(text("SELECT 1 FROM rooms WHERE code = :code"), {"code": code}).first()
            if not taken:
                break
        conn.execute(
            text(
                "INSERT INTO rooms (code, key_hash, created, expires, paused, closed) "
                "VALUES (:code, :hash, :now, :expires, 0, 0)"
            ),
            {"code": code, "hash": key_hash(key), "now": now, "expires": now + ROOM_HOURS * 3600},
        )
    return code, key


def get_room(engine: Engine, code: str, now: float | None = None) -> Room | None:
    """The room `code` while it has not expired, else None (unknown and expired read the same)."""
    now = time.time() if now is None else now
    with engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT code, key_hash, created, expires, paused, closed FROM rooms "
                "WHERE code = :code AND expires >= :now"
            ),
            {"code": code, "now": now},
        ).first()
    return _room(row)


def is_presenter(engine: Engine, code: str, key: str | None) -> bool:
    """Whether `key` is the presenter key of the open (unexpired) room `code`."""
    room = get_room(engine, code)
    return room is not None and key_matches(key, room.key_hash)


def _presenter_change(engine: Engine, code: str, key: str | None, statement: str, params: dict) -> bool:
    """Run one change to the room when `key` is its presenter key (True); change nothing otherwise (False)."""
    if not is_presenter(engine, code, key):
        return False
    with engine.begin() as conn:
        conn.execute(text(statement), {**params, "code": code})
    return True


def set_paused(engine: Engine, code: str, key: str | None, paused: bool) -> bool:
    """Pause or resume the room (True), or change nothing when the key is wrong (False)."""
    return _presenter_change(
        engine, code, key, "UPDATE rooms SET paused = :paused WHERE code = :code", {"paused": int(bool(paused))}
    )


def close_room(engine: Engine, code: str, key: str | None) -> bool:
    """Close the room to new submissions for good (True), or change nothing when the key is wrong (False)."""
    return _presenter_change(engine, code, key, "UPDATE rooms SET closed = 1 WHERE code = :code", {})


def clear_room(engine: Engine, code: str, key: str | None) -> bool:
    """Delete every submission of the room (True), or change nothing when the key is wrong (False)."""
    return _presenter_change(engine, code, key, "DELETE FROM room_submissions WHERE room = :code", {})


def digit_bytes(model_input: np.ndarray) -> bytes:
    """The prepared (28, 28) float32 digit in [0, 1] as 784 uint8 bytes (what is stored)."""
    a = np.asarray(model_input, np.float32)
    if a.shape != (SIDE, SIDE):
        raise ValueError(f"a stored digit is {SIDE}x{SIDE}, not {a.shape}")
    return np.round(np.clip(a, 0.0, 1.0) * 255).astype(np.uint8).tobytes()


def digit_array(data: bytes) -> np.ndarray:
    """Stored bytes back to a (28, 28) uint8 array."""
    return np.frombuffer(bytes(data), np.uint8).reshape(SIDE, SIDE)


def add_submission(
    engine: Engine,
    code: str,
    session: str,
    kind: str,
    label: int,
    verdicts: dict,
    digit: bytes | None = None,
    sentence: str | None = None,
    now: float | None = None,
) -> Sent:
    """Store one submission, or say why not (unknown, expired, paused or closed room; a rate or size limit)."""
    now = time.time() if now is None else now
    if kind == "digit":
        if digit is None or len(digit) != SIDE * SIDE or not 0 <= int(label) <= 9:
            return Sent(message="A digit submission needs a 28x28 digit and a label from 0 to 9.")
        sentence = None
    elif kind == "sentence":
        if not sentence or len(sentence) > MAX_SENTENCE or int(label) not in (0, 1):
            return Sent(message=f"A sentence submission needs 1 to {MAX_SENTENCE} characters and a label.")
        digit = None
    else:
        return Sent(message=f"Unknown kind of submission {kind!r}.")
    with engine.begin() as conn:
        row = conn.execute(
            text(
                "SELECT code, key_hash, created, expires, paused, closed FROM rooms "
                "WHERE code = :code AND expires >= :now"
            ),
            {"code": code, "now": now},
        ).first()
        room = _room(row)
        if room is None:
            return Sent(message="This room does not exist or has expired.")
        if room.closed:
            return Sent(message="The speaker has closed this room: it takes no more submissions.")
        if room.paused:
            return Sent(message="The speaker has paused this room. Wait until it opens again.")
        recent = conn.execute(
            text(
                "SELECT COUNT(*) FROM room_submissions WHERE room = :code AND session = :session AND created > :since"
            ),
            {"code": code, "session": session, "since": now - 60},
        ).scalar_one()
        total = conn.execute(
            text("SELECT COUNT(*) FROM room_submissions WHERE room = :code"), {"code": code}
        ).scalar_one()
        message = rate_message(int(recent), int(total))
        if message:
            return Sent(message=message)
        inserted = conn.execute(
            text(
                "INSERT INTO room_submissions (room, session, created, kind, label, digit, sentence, verdicts) "
                "VALUES (:room, :session, :created, :kind, :label, :digit, :sentence, :verdicts) RETURNING id"
            ),
            {
                "room": code,
                "session": session,
                "created": now,
                "kind": kind,
                "label": int(label),
                "digit": digit,
                "sentence": sentence,
                "verdicts": json.dumps(verdicts, sort_keys=True),
            },
        )
        return Sent(id=int(inserted.scalar_one()))


def submissions(engine: Engine, code: str, kind: str | None = None, limit: int | None = None) -> list[dict]:
    """The room's submissions, newest first: dicts with id, session, created, kind, label, digit (uint8 28x28
    or None), sentence, verdicts (dict). `limit`: the newest that many."""
    query = (
        "SELECT id, session, created, kind, label, digit, sentence, verdicts FROM room_submissions "
        "WHERE room = :code"
        + (" AND kind = :kind" if kind else "")
        + " ORDER BY id DESC"
        + (" LIMIT :limit" if limit else "")
    )
    params = {"code": code, "kind": kind, "limit": limit}
    with engine.connect() as conn:
        rows = conn.execute(text(query), {k: v for k, v in params.items() if v is not None}).all()
    return [
        {
            "id": int(r.id),
            "session": r.session,
            "created": float(r.created),
            "kind": r.kind,
            "label": int(r.label),
            "digit": digit_array(r.digit) if r.digit is not None else None,
            "sentence": r.sentence,
            "verdicts": json.loads(r.verdicts),
        }
        for r in rows
    ]


def _cell(value) -> str:
    """A CSV cell a spreadsheet shows as text: a leading = + - @ (a formula) gets an apostrophe."""
    value = "" if value is None else str(value)
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def export_csv(engine: Engine, code: str, key: str | None) -> str | None:
    """The room as CSV (one row per submission, oldest first, the digit as 784 hex bytes), or None on a wrong key."""
    if not is_presenter(engine, code, key):
        return None
    rows = list(reversed(submissions(engine, code)))
    models = sorted({name for row in rows for name in row["verdicts"]})
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["id", "utc", "kind", "label", "sentence", *models, "digit_28x28_hex"])
    for row in rows:
        verdicts = [row["verdicts"].get(name, {}).get("label", "") for name in models]
        writer.writerow(
            [
                row["id"],
                time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(row["created"])),
                row["kind"],
                row["label"],
                _cell(row["sentence"]),
                *verdicts,
                row["digit"].tobytes().hex() if row["digit"] is not None else "",
            ]
        )
    return out.getvalue()


__all__ = [
    "Room",
    "Sent",
    "open_room",
    "get_room",
    "is_presenter",
    "set_paused",
    "close_room",
    "clear_room",
    "add_submission",
    "submissions",
    "export_csv",
    "create_tables",
    "digit_bytes",
    "digit_array",
    "sqlite_engine",
    "PER_MINUTE",
]
