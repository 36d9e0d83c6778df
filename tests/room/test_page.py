"""The room page under AppTest, from the app's navigation: open a room, send from the audience's side, the
speaker's view, wrong keys, limits, hostile text and images (the image page's own messages)."""

from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

from cnnrnn.core.images import ImageError
from cnnrnn.tasks.digits.prepare import prepare_digit
from cnnrnn.tasks.room import limits, store

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "streamlit_app.py")
PAGE = "pages/room.py"
SAMPLES = ROOT / "cnnrnn" / "tasks" / "digits" / "samples"
PHOTO = SAMPLES / "photo_7.jpg"


def _engine():
    return store.sqlite_engine(Path(os.environ["CNNRNN_ROOM_DIR"]) / "rooms.sqlite")


def room_page(secrets: dict | None = None, **params) -> AppTest:
    """The app opened with `params` in its address (room=..., key=...), switched to the room page."""
    at = AppTest.from_file(APP, default_timeout=180)
    for name, value in params.items():
        at.query_params[name] = value
    if secrets:
        at.secrets.update(secrets)
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.fixture
def room():
    engine = _engine()
    store.create_tables(engine)
    code, key = store.open_room(engine)
    yield code, key
    engine.dispose()


def _metrics(at) -> dict:
    return {m.label: m.value for m in at.metric}


def _send_upload(at, name: str, data: bytes, label: int | None = 7):
    at.segmented_control(key="room_source").set_value("Upload").run()
    n = at.session_state["room_sent"]
    at.file_uploader(key=f"room_upload_{n}").set_value((name, data, "image/jpeg")).run()
    if label is not None:
        at.radio(key=f"room_label_{n}").set_value(label).run()
    at.button(key="room_send_digit").click().run()
    assert not at.exception, [e.value for e in at.exception]


def _send_sentence(at, sentence: str, said: str = "positive"):
    at.segmented_control(key="room_what").set_value("A sentence").run()
    n = at.session_state["room_sent"]
    at.text_input(key=f"room_sentence_{n}").set_value(sentence).run()
    at.radio(key=f"room_said_{n}").set_value(said).run()
    at.button(key="room_send_sentence").click().run()
    assert not at.exception, [e.value for e in at.exception]


def test_opening_a_room_gives_the_speaker_a_code_a_qr_code_and_a_key_in_the_address():
    at = room_page()
    assert [t.value for t in at.title] == ["Audience room"]
    at.button(key="room_open").click().run()
    assert not at.exception, [e.value for e in at.exception]
    code, key = at.query_params["room"], at.query_params["key"]
    code, key = (code[0] if isinstance(code, list) else code), (key[0] if isinstance(key, list) else key)
    room = store.get_room(_engine(), code)
    assert room is not None and limits.key_matches(key, room.key_hash)
    assert any(h.value == f"Room {code[:4]}-{code[4:]}" for h in at.subheader)
    assert [c.value for c in at.code] == [f"http://localhost:8501?room={code}"] or at.code[0].value.endswith(
        f"?room={code}"
    ), "the audience link holds the code and not the key"
    assert key not in at.code[0].value
    assert _metrics(at) == {"Digits": 0, "Sentences": 0} or _metrics(at) == {"Digits": "0", "Sentences": "0"}
    assert {"room_pause", "room_close", "room_clear"} <= {b.key for b in at.button}


def test_an_unknown_or_malformed_code_says_so(room):
    for code in ("ZZZZZZZZ", "<b>x</b>", "a" * 500):
        at = room_page(room=code)
        assert any("no open room with this code" in w.value for w in at.warning)
        assert "room_send_digit" not in {b.key for b in at.button}


def test_a_phone_sends_a_photo_and_sees_the_verdicts_the_speaker_sees_it(room):
    code, key = room
    phone = room_page(room=code)
    assert not {"room_pause", "room_clear", "room_close"} & {b.key for b in phone.button}, "no speaker controls"
    _send_upload(phone, PHOTO.name, PHOTO.read_bytes(), 7)
    assert not phone.warning and not phone.error, [w.value for w in phone.warning]
    shown = _metrics(phone)
    assert len(shown) == 3 and all(str(v) == "7" for v in shown.values()), shown
    [row] = store.submissions(_engine(), code)
    expected = prepare_digit(PHOTO.read_bytes(), method="area", aspect="pad").model_input
    np.testing.assert_array_equal(row["digit"], np.frombuffer(store.digit_bytes(expected), np.uint8).reshape(28, 28))
    assert row["label"] == 7 and {v["label"] for v in row["verdicts"].values()} == {7}
    speaker = room_page(room=code, key=key)
    assert str(_metrics(speaker)["Digits"]) == "1"
    assert len(speaker.get("vega_lite_chart")) == 2, "the accuracy chart and the confusion matrix"
    assert any(c.value.endswith("1 of 1 right (100%)") for c in speaker.caption)


@pytest.mark.parametrize(
    "name,payload,message",
    [
        (
            "notes.png",
            b"this is not an image at all",
            "This file is not an image that can be read: upload a PNG, JPEG, WebP, BMP, TIFF or GIF.",
        ),
        ("empty.png", b"", "The file is empty (0 bytes)."),
        ("huge.png", "huge", "The image is 10000x5000 pixels (50 megapixels); the limit is 40 megapixels."),
        ("cut.jpg", "cut", "The image file is damaged or truncated"),
    ],
)
def test_a_malformed_or_oversized_picture_gets_the_image_pages_message_and_nothing_is_stored(
    room, name, payload, message
):
    if payload == "huge":
        buffer = io.BytesIO()
        Image.new("1", (10000, 5000)).save(buffer, format="PNG")
        payload = buffer.getvalue()
    elif payload == "cut":
        payload = PHOTO.read_bytes()[: PHOTO.stat().st_size // 2]
    with pytest.raises(ImageError) as raised:
        prepare_digit(payload)
    assert str(raised.value).startswith(message)
    code, _ = room
    phone = room_page(room=code)
    _send_upload(phone, name, payload, 3)
    assert [e.value for e in phone.error] == [str(raised.value)], "the image page's own message"
    assert store.submissions(_engine(), code) == []


def test_nothing_to_send_or_no_label_is_a_message_not_a_submission(room):
    code, _ = room
    phone = room_page(room=code)
    phone.button(key="room_send_digit").click().run()
    assert [w.value for w in phone.warning] == ["Draw a digit, take a photo or upload a picture first."]
    _send_upload(phone, PHOTO.name, PHOTO.read_bytes(), None)
    assert [w.value for w in phone.warning] == ["Say which digit it is, then send."]
    assert store.submissions(_engine(), code) == []


def test_a_wrong_presenter_key_shows_the_audience_view_and_changes_nothing(room):
    code, key = room
    phone = room_page(room=code)
    _send_sentence(phone, "a warm and witty film")
    at = room_page(room=code, key=key[::-1])
    assert any("presenter key does not belong" in w.value for w in at.warning)
    assert not {"room_pause", "room_clear", "room_close", "room_csv"} & {b.key for b in at.button}
    assert not at.get("download_button")
    room_now = store.get_room(_engine(), code)
    assert not room_now.paused and not room_now.closed and len(store.submissions(_engine(), code)) == 1


def test_the_speaker_pauses_clears_and_closes_and_the_phones_are_told(room):
    code, key = room
    phone = room_page(room=code)
    _send_sentence(phone, "a dull and lifeless film", "negative")
    speaker = room_page(room=code, key=key)
    speaker.button(key="room_pause").click().run()
    assert store.get_room(_engine(), code).paused
    _send_sentence(phone, "the acting is wonderful")
    assert any("paused" in w.value for w in phone.warning)
    speaker.button(key="room_pause").click().run()  # Resume
    speaker.button(key="room_clear").click().run()
    assert store.submissions(_engine(), code) == []
    speaker.button(key="room_close").click().run()
    assert store.get_room(_engine(), code).closed
    phone.run()
    assert any("closed this room" in i.value for i in phone.info)
    assert "room_send_digit" not in {b.key for b in phone.button}


HOSTILE = "<script>alert(1)</script> **bold** [link](javascript:alert(1)) '); DROP TABLE rooms; --"


def test_html_markdown_and_sql_in_a_sentence_are_stored_and_shown_as_plain_text(room):
    code, key = room
    phone = room_page(room=code)
    _send_sentence(phone, HOSTILE, "negative")
    assert len(phone.metric) == 2, "both sentiment models' verdicts"
    [row] = store.submissions(_engine(), code)
    assert row["sentence"] == HOSTILE
    speaker = room_page(room=code, key=key)
    assert str(_metrics(speaker)["Sentences"]) == "1"
    table = speaker.dataframe[0].value
    assert list(table["sentence"]) == [HOSTILE], "shown as the text it is, in a table"
    rendered = (
        [m.value for m in speaker.markdown] + [c.value for c in speaker.caption] + [h.value for h in speaker.subheader]
    )
    assert not any("script" in text or "DROP" in text for text in rendered), "never through markdown"
    assert store.get_room(_engine(), code) is not None


def test_a_flood_from_one_phone_is_cut_at_the_stated_rate_with_a_message(room):
    code, _ = room
    phone = room_page(room=code)
    for i in range(limits.PER_MINUTE):
        _send_sentence(phone, f"a fine film, number {i}")
        assert not phone.warning, [w.value for w in phone.warning]
    _send_sentence(phone, "one more fine film")
    assert [w.value for w in phone.warning] == [limits.rate_message(limits.PER_MINUTE, 0)]
    assert len(store.submissions(_engine(), code)) == limits.PER_MINUTE
    other = room_page(room=code)  # another phone still sends
    _send_sentence(other, "a boring film", "negative")
    assert not other.warning and len(store.submissions(_engine(), code)) == limits.PER_MINUTE + 1


def test_a_too_long_sentence_is_capped_at_the_stated_length(room):
    """The box takes MAX_SENTENCE characters (the browser and AppTest cut there); what is stored is no longer."""
    code, _ = room
    phone = room_page(room=code)
    _send_sentence(phone, "good " * 100)
    [row] = store.submissions(_engine(), code)
    assert len(row["sentence"]) <= limits.MAX_SENTENCE and row["sentence"].startswith("good good")
    # A longer one that reached the server anyway (a crafted request) is refused with the message.
    assert f"at most {limits.MAX_SENTENCE}" in limits.sentence_message("good " * 100)


def test_secrets_toml_points_the_page_at_postgresql(postgres_url):
    """A [connections.rooms] url in secrets.toml wins over the SQLite file: the page runs on PostgreSQL."""
    from streamlit.connections import SQLConnection

    at = room_page(secrets={"connections": {"rooms": {"url": postgres_url}}})
    at.button(key="room_open").click().run()
    assert not at.exception, [e.value for e in at.exception]
    code = at.query_params["room"]
    code = code[0] if isinstance(code, list) else code
    pg = SQLConnection("rooms_check", url=postgres_url).engine
    store.create_tables(_engine())
    try:
        assert store.get_room(pg, code) is not None, "the room is in PostgreSQL"
        assert store.get_room(_engine(), code) is None, "and not in the SQLite file"
    finally:
        pg.dispose()
