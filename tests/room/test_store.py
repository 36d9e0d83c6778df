"""The room store on SQLite and on a real PostgreSQL server, through the same code (see conftest's `engine`).

Rooms survive a new engine (a restarted server), expire, refuse a wrong presenter key, keep hostile text as
it was typed, cut a flood at the stated rate, and store the 28x28 digit and nothing else of an image.
"""

from __future__ import annotations

import csv
import io

import numpy as np
import pytest
from sqlalchemy import inspect, text

from cnnrnn.tasks.room import limits, store

DIGIT = np.linspace(0, 1, 784, dtype=np.float32).reshape(28, 28)
VERDICTS = {
    "cnn_fixed": {"label": 7, "confidence": 0.9},
    "cnn_gap": {"label": 7, "confidence": 0.8},
    "rnn_rows": {"label": 1, "confidence": 0.6},
}
HOSTILE = [
    "<script>alert('x')</script> <b>bold</b> <img src=x onerror=alert(1)>",
    "**not bold** [a link](javascript:alert(1)) # heading",
    "'); DROP TABLE room_submissions; --",
    "Robert'); DELETE FROM rooms WHERE ('1'='1",
    '=HYPERLINK("http://evil")',
    "\u202eevil\u202c mixed 😀 text",
]


def _plain(rows):
    """Rows comparable with ==: the digit array as bytes."""
    return [{**row, "digit": None if row["digit"] is None else row["digit"].tobytes()} for row in rows]


def _digit(engine, code, session="s1", label=7, now=None):
    return store.add_submission(
        engine, code, session, "digit", label, VERDICTS, digit=store.digit_bytes(DIGIT), now=now
    )


def test_tables_are_created_when_missing_and_again_without_harm(engine):
    store.create_tables(engine)
    names = set(inspect(engine).get_table_names())
    assert {"rooms", "room_submissions"} <= names


def test_a_room_and_its_submissions_survive_a_new_engine(engine, reconnect):
    code, key = store.open_room(engine)
    for i in range(5):
        assert _digit(engine, code, session=f"phone{i}", label=i).id is not None
    engine.dispose()
    again = reconnect(engine.url)
    rows = store.submissions(again, code)
    assert [r["label"] for r in rows] == [4, 3, 2, 1, 0], "newest first"
    assert store.is_presenter(again, code, key)


def test_codes_are_long_random_and_unambiguous(engine):
    codes = {store.open_room(engine)[0] for _ in range(40)}
    assert len(codes) == 40
    for code in codes:
        assert len(code) >= 6 and set(code) <= set(limits.ALPHABET) and not set(code) & set("0O1IL")
        assert limits.clean_code(code.lower()[:4] + "-" + code[4:]) == code
    assert limits.clean_code("ABC") is None and limits.clean_code("'; DROP--") is None


def test_only_the_key_hash_is_stored(engine):
    code, key = store.open_room(engine)
    with engine.connect() as conn:
        row = conn.execute(text("SELECT * FROM rooms WHERE code = :c"), {"c": code}).mappings().one()
    assert key not in {str(v) for v in row.values()} and row["key_hash"] == limits.key_hash(key)


def test_a_wrong_presenter_key_changes_nothing(engine):
    code, key = store.open_room(engine)
    other, other_key = store.open_room(engine)
    assert _digit(engine, code).id
    before = _plain(store.submissions(engine, code))
    for wrong in (None, "", "guess", key[:-1], key + "x", other_key, key.upper() if key.upper() != key else "Z"):
        assert store.set_paused(engine, code, wrong, True) is False
        assert store.close_room(engine, code, wrong) is False
        assert store.clear_room(engine, code, wrong) is False
        assert store.export_csv(engine, code, wrong) is None
    room = store.get_room(engine, code)
    assert not room.paused and not room.closed
    assert _plain(store.submissions(engine, code)) == before
    # The right key does each of them.
    assert store.set_paused(engine, code, key, True) and store.get_room(engine, code).paused
    assert _digit(engine, code, session="s2").message.startswith("The speaker has paused this room")
    assert store.set_paused(engine, code, key, False) and _digit(engine, code, session="s2").id
    assert store.clear_room(engine, code, key) and store.submissions(engine, code) == []
    assert store.close_room(engine, code, key) and store.get_room(engine, code).closed
    assert "closed" in _digit(engine, code, session="s3").message


def test_rooms_expire_and_are_deleted_when_the_next_opens(engine):
    code, key = store.open_room(engine, now=1000.0)
    assert _digit(engine, code, now=1001.0).id
    later = 1000.0 + limits.ROOM_HOURS * 3600 + 1
    assert store.get_room(engine, code, now=later) is None
    assert "expired" in _digit(engine, code, now=later).message
    store.open_room(engine, now=later)
    with engine.connect() as conn:
        left = conn.execute(text("SELECT COUNT(*) FROM room_submissions WHERE room = :c"), {"c": code}).scalar_one()
    assert left == 0 and store.get_room(engine, code, now=1002.0) is None


def test_a_flood_from_one_session_is_cut_at_the_stated_rate(engine):
    code, _ = store.open_room(engine)
    results = [_digit(engine, code, session="flood", now=5000.0 + i) for i in range(limits.PER_MINUTE + 10)]
    stored = [r for r in results if r.id is not None]
    assert len(stored) == limits.PER_MINUTE
    assert all(
        r.message and f"{limits.PER_MINUTE} submissions a minute" in r.message for r in results[limits.PER_MINUTE :]
    )
    assert _digit(engine, code, session="another phone", now=5010.0).id, "other sessions still send"
    assert _digit(engine, code, session="flood", now=5000.0 + 61).id, "a minute later the phone sends again"
    assert len(store.submissions(engine, code)) == limits.PER_MINUTE + 2


def test_a_room_is_full_at_its_stated_size(engine, monkeypatch):
    monkeypatch.setattr(store, "rate_message", lambda recent, total: limits.rate_message(recent, total + 995))
    code, _ = store.open_room(engine)
    sent = [_digit(engine, code, session=f"p{i}") for i in range(8)]
    assert sum(s.id is not None for s in sent) == limits.PER_ROOM - 995
    assert f"at most {limits.PER_ROOM:,} submissions" in sent[-1].message


@pytest.mark.parametrize("sentence", HOSTILE)
def test_html_markdown_and_sql_in_sentences_are_stored_as_typed(engine, sentence):
    code, key = store.open_room(engine)
    verdicts = {"rnn": {"label": 1, "positive": 0.7}, "cnn": {"label": 0, "positive": 0.4}}
    assert store.add_submission(engine, code, "s", "sentence", 1, verdicts, sentence=sentence).id
    assert set(inspect(engine).get_table_names()) >= {"rooms", "room_submissions"}
    [row] = store.submissions(engine, code)
    assert row["sentence"] == sentence and row["digit"] is None and row["verdicts"] == verdicts
    exported = list(csv.reader(io.StringIO(store.export_csv(engine, code, key))))
    cell = exported[1][exported[0].index("sentence")]
    assert cell == ("'" + sentence if sentence.startswith("=") else sentence), "a formula is exported as text"


def test_sentences_and_digits_are_checked_before_storing(engine):
    code, _ = store.open_room(engine)
    too_long = "x" * (limits.MAX_SENTENCE + 1)
    assert store.add_submission(engine, code, "s", "sentence", 1, {}, sentence=too_long).id is None
    assert store.add_submission(engine, code, "s", "digit", 3, VERDICTS, digit=b"\x00" * 100).id is None
    assert store.add_submission(engine, code, "s", "digit", 12, VERDICTS, digit=store.digit_bytes(DIGIT)).id is None
    assert store.add_submission(engine, code, "s", "photo", 3, VERDICTS, digit=store.digit_bytes(DIGIT)).id is None
    assert store.submissions(engine, code) == []
    with pytest.raises(ValueError):
        store.digit_bytes(np.zeros((56, 56), np.float32))


def test_what_is_stored_of_a_digit_is_its_28x28_input(engine):
    code, key = store.open_room(engine)
    assert _digit(engine, code).id
    [row] = store.submissions(engine, code)
    assert row["digit"].shape == (28, 28) and row["digit"].dtype == np.uint8
    np.testing.assert_allclose(row["digit"] / 255.0, DIGIT, atol=0.5 / 255 + 1e-6)
    with engine.connect() as conn:
        size = conn.execute(text("SELECT digit FROM room_submissions")).scalar_one()
    assert len(bytes(size)) == 784
    exported = list(csv.DictReader(io.StringIO(store.export_csv(engine, code, key))))
    assert bytes.fromhex(exported[0]["digit_28x28_hex"]) == row["digit"].tobytes()
    assert exported[0]["cnn_fixed"] == "7" and exported[0]["rnn_rows"] == "1" and exported[0]["label"] == "7"
