"""A room's codes, presenter keys and limits (no Streamlit, no SQL): what docs/deploy.md's "The audience room" states.

A room code is CODE_LENGTH characters drawn with `secrets` from an alphabet without look-alikes
(no 0/O, 1/I/L): 31**8, about 8.5e11 codes, so that guessing one of a few open rooms takes
billions of tries. The presenter key is `secrets.token_urlsafe(KEY_BYTES)`; only its SHA-256 is
stored, and it is compared with `hmac.compare_digest`.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # 31 characters: no 0, O, 1, I or L
CODE_LENGTH = 8
KEY_BYTES = 24  # the presenter key: 32 URL-safe characters
ROOM_HOURS = 24  # a room expires this long after it was opened
PER_MINUTE = 6  # submissions one session may send in any 60 s
PER_ROOM = 1000  # submissions a room holds at most
MAX_SENTENCE = 300  # characters of a sentence stored and judged (longer ones are refused)
MIN_SENTENCE = 2
_CODE = re.compile(f"[{ALPHABET}]{{{CODE_LENGTH}}}")


def new_code() -> str:
    """A fresh room code: CODE_LENGTH random characters of ALPHABET."""
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def clean_code(text: str | None) -> str | None:
    """A code as typed or read from a link ("ab cd-ef gh" -> "ABCDEFGH"), or None when it cannot be one."""
    code = re.sub(r"[\s-]", "", str(text or "")).upper()
    return code if _CODE.fullmatch(code) else None


def new_key() -> str:
    """A fresh presenter key (URL-safe)."""
    return secrets.token_urlsafe(KEY_BYTES)


def key_hash(key: str) -> str:
    """What the store keeps of a presenter key: its SHA-256, hex."""
    return hashlib.sha256(str(key).encode("utf-8")).hexdigest()


def key_matches(key: str | None, stored_hash: str) -> bool:
    """Whether `key` is the room's presenter key (constant-time comparison of the hashes)."""
    if not key:
        return False
    return hmac.compare_digest(key_hash(key), stored_hash)


def rate_message(recent: int, in_room: int) -> str | None:
    """Why one more submission is refused, or None.

    recent: this session's submissions in the last minute; in_room: the room's.
    """
    if recent >= PER_MINUTE:
        return f"Slow down: one phone may send {PER_MINUTE} submissions a minute. Wait a few seconds and send again."
    if in_room >= PER_ROOM:
        return f"This room is full: it holds at most {PER_ROOM:,} submissions. Ask the speaker to clear it."
    return None


def sentence_message(text: str) -> str | None:
    """Why a sentence cannot be sent (too short, too long), or None."""
    if len(text.strip()) < MIN_SENTENCE:
        return "Type a sentence first, for example: the acting is wonderful."
    if len(text) > MAX_SENTENCE:
        return (
            f"The sentence has {len(text):,} characters; a room takes at most {MAX_SENTENCE}. "
            "Shorten it and send again."
        )
    return None
