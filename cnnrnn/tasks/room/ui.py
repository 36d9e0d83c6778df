"""The room page's bridge to Streamlit: the `st.connection`, the shared predictors and digit pipeline, sending.

Storage is `st.connection("rooms", type="sql")`: a `[connections.rooms]` entry in
`.streamlit/secrets.toml` (any SQLAlchemy URL, e.g. PostgreSQL for several replicas) wins; otherwise
a SQLite file `rooms.sqlite` in CNNRNN_ROOM_DIR (default `~/.cnnrnn/rooms`). The models are the image
and sentiment pages' own cached predictors, and a drawing, photo or upload is prepared by the image
page's pipeline (`digits.api`, the image page's defaults: area resize, pad aspect), with its messages.
"""

from __future__ import annotations

import os
import secrets as _secrets
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import streamlit as st

from cnnrnn.core.images import ImageError
from cnnrnn.core.ui.canvas import drawing_canvas as _canvas
from cnnrnn.tasks.digits import api as digits
from cnnrnn.tasks.room import store
from cnnrnn.tasks.room.limits import clean_code, sentence_message
from cnnrnn.tasks.sentiment import api as sentiment

ROOM_DIR_ENV = "CNNRNN_ROOM_DIR"
DEFAULT_ROOM_DIR = Path.home() / ".cnnrnn" / "rooms"
CONNECTION = "rooms"  # the name of the connection (and of its secrets.toml section)
REFRESH_S = 2  # the speaker's view refreshes this often
GALLERY = 60  # the newest drawings the gallery shows
ZOOM = 3  # a stored 28x28 digit is shown at 84x84, each pixel a 3x3 block
SESSION_KEY = "room_session"
SECRETS_KEY = "room_secrets"  # this session's copy of its [connections.rooms] section


def room_dir() -> Path:
    """The folder of the default SQLite file (CNNRNN_ROOM_DIR, else ~/.cnnrnn/rooms)."""
    return Path(os.environ.get(ROOM_DIR_ENV) or DEFAULT_ROOM_DIR).expanduser()


def default_url() -> str:
    """sqlite:///<room_dir>/rooms.sqlite (the folder is created)."""
    folder = room_dir()
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'rooms.sqlite'}"


def _configured() -> dict:
    """The `[connections.rooms]` section of secrets.toml ({} when there is none, or no secrets.toml at all).

    Read once per session: without a secrets.toml, st.secrets looks for the files again at every read, and a
    room's run reads this several times (3.6% of the server's busy time with 100 phones in a room)."""
    try:
        known = st.session_state.get(SECRETS_KEY)
    except Exception:  # outside a Streamlit run
        known = None
    if known is None:
        try:
            known = dict(st.secrets.get("connections", {}).get(CONNECTION, {}))
        except Exception:  # no secrets.toml at all
            known = {}
        try:
            st.session_state[SECRETS_KEY] = known
        except Exception:  # outside a Streamlit run: nothing to keep it in
            pass
    return dict(known)


@st.cache_resource(show_spinner=False)
def _tables(url: str, _engine) -> bool:
    """Create the tables once per process and database."""
    store.create_tables(_engine)
    return True


def engine():
    """The room store's SQLAlchemy engine, through `st.connection` (tables created when missing)."""
    section = _configured()
    if section:  # handed over as the connection's arguments (what SQLConnection reads from secrets.toml itself;
        # AppTest's secrets reach st.secrets but not a connection's own reading)
        engine_kwargs = dict(section.pop("create_engine_kwargs", {}))
        conn = st.connection(CONNECTION, type="sql", **section, **engine_kwargs)
    else:
        conn = st.connection(CONNECTION, type="sql", url=default_url())
    _tables(str(conn.engine.url), conn.engine)
    return conn.engine


# --- the room in the store, on this server's engine ---------------------------------------------------


def room(code: str | None) -> store.Room | None:
    """The open room `code`; None without a code, or when it is unknown or expired."""
    return store.get_room(engine(), code) if code else None


def open_room() -> tuple[str, str]:
    """A new room: (code, presenter key)."""
    return store.open_room(engine())


def is_presenter(code: str, key: str | None) -> bool:
    """Whether `key` is the presenter key of the open room `code`."""
    return store.is_presenter(engine(), code, key)


def set_paused(code: str, key: str | None, paused: bool) -> bool:
    """Pause or resume the room (False, and nothing changed, on a wrong key)."""
    return store.set_paused(engine(), code, key, paused)


def close_room(code: str, key: str | None) -> bool:
    """Close the room to new submissions for good (False on a wrong key)."""
    return store.close_room(engine(), code, key)


def clear_room(code: str, key: str | None) -> bool:
    """Delete every submission of the room (False on a wrong key)."""
    return store.clear_room(engine(), code, key)


def room_csv(code: str, key: str | None) -> str:
    """The room as CSV for the download button ("" on a wrong key)."""
    return store.export_csv(engine(), code, key) or ""


def submissions(code: str) -> list[dict]:
    """The room's submissions, newest first (`store.submissions`)."""
    return store.submissions(engine(), code)


def session_id() -> str:
    """This browser session's anonymous id (random; what the per-minute limit counts)."""
    if SESSION_KEY not in st.session_state:
        st.session_state[SESSION_KEY] = _secrets.token_hex(8)
    return st.session_state[SESSION_KEY]


def link_code() -> str | None:
    """The room code in the address (?room=...), cleaned, or None."""
    return clean_code(st.query_params.get("room"))


def link_key() -> str | None:
    return st.query_params.get("key") or None


def audience_link(base: str, code: str) -> str:
    """The link the audience opens (and its QR code holds): the page's address with ?room=CODE."""
    return f"{base}?room={code}"


def expires_in(room: store.Room) -> str:
    """ "23 h 59 min" until the room expires."""
    minutes = max(int((room.expires - time.time()) // 60), 0)
    return f"{minutes // 60} h {minutes % 60:02d} min"


# --- sending ------------------------------------------------------------------------------------------


@dataclass
class Outcome:
    """What a send did: `verdicts` (stored and shown) or a message; `error` is an image the pipeline refused."""

    verdicts: dict = field(default_factory=dict)
    message: str | None = None
    error: str | None = None
    label: int | None = None
    kind: str = "digit"
    digit: np.ndarray | None = None


def send_digit(code: str, raw, label: int | None) -> Outcome:
    """Prepare `raw` (canvas array or image bytes) as the image page does, read it, store it; never raises."""
    if raw is None:
        return Outcome(message="Draw a digit, take a photo or upload a picture first.")
    if label is None:
        return Outcome(message="Say which digit it is, then send.")
    try:
        prepared = digits.frame_found(digits.find_digit(raw))
    except ImageError as error:
        return Outcome(error=str(error))
    found = digits.digit_verdicts(prepared.model_input)
    sent = store.add_submission(
        engine(), code, session_id(), "digit", int(label), found, digit=store.digit_bytes(prepared.model_input)
    )
    if sent.message:
        return Outcome(message=sent.message)
    return Outcome(
        verdicts=found, label=int(label), kind="digit", digit=store.digit_array(store.digit_bytes(prepared.model_input))
    )


def send_sentence(code: str, sentence: str | None, said: str | None) -> Outcome:
    """Judge a sentence with both sentiment models and store it (capped, as typed); never raises."""
    sentence = (sentence or "").strip()
    message = sentence_message(sentence)
    if message:
        return Outcome(message=message, kind="sentence")
    if said not in ("positive", "negative"):
        return Outcome(message="Say whether your sentence is positive or negative, then send.", kind="sentence")
    label = int(said == "positive")
    try:
        found = sentiment.sentence_verdicts(sentence)
    except Exception:  # a model that cannot read it: a message, never a traceback
        return Outcome(message="This sentence could not be read. Try a shorter or simpler one.", kind="sentence")
    sent = store.add_submission(engine(), code, session_id(), "sentence", label, found, sentence=sentence)
    if sent.message:
        return Outcome(message=sent.message, kind="sentence")
    return Outcome(verdicts=found, label=label, kind="sentence")


def zoomed(digit: np.ndarray) -> np.ndarray:
    """A stored 28x28 uint8 digit as 84x84 (crisp pixels)."""
    return np.kron(digit, np.ones((ZOOM, ZOOM), np.uint8))


def drawing_canvas(key: str):
    """The image page's canvas (white on black, 280 px: fits a phone); its RGBA array or None while empty."""
    return _canvas(key=key, stroke_width=18)
