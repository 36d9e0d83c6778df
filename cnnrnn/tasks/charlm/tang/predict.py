"""Writing and reading Tang poems with a character model, and loading the shipped ones.

`PoemPredictor` is the character predictor of `cnnrnn.tasks.charlm.predict` with the poems'
marks: a generation starts from a form mark (or "any form"), optionally a title, and the
user's first lines; it never samples a mark and stops at the end mark. The shipped files store
their weights in float16 (half the bytes); `load_tang` turns them back into float32 models.
"""

from __future__ import annotations

from pathlib import Path

import keras
import numpy as np

from cnnrnn.core.predictor import load_model
from cnnrnn.core.weights import require_files
from cnnrnn.tasks.charlm.api import CharPredictor, CharVocab, GenerationRun, check_generation_settings, show_chars
from cnnrnn.tasks.charlm.tang.config import TANG_NAMES
from cnnrnn.tasks.charlm.tang.data import END, MARKS, TITLE_END, UNKNOWN, start_mark
from cnnrnn.tasks.charlm.tang.form import ANY, AUTO, FORM_CHOICES, FORMS, LINE_MARKS, split_lines

TANG_VOCAB = "tang_vocab.json"
MAX_PRIME_CHARS = 90  # a longer prime is cut to its last lines (the models were trained on 96-character poems)
MAX_TITLE_CHARS = 24


def model_file(name: str) -> str:
    """The shipped file of Tang model `name`: "tang_lstm.keras"."""
    return f"tang_{name}.keras"


def check_tang_weights(weights_dir=None, names=TANG_NAMES) -> Path:
    """The weights directory, once its Tang files are known to exist (else one FileNotFoundError line)."""
    return require_files([TANG_VOCAB] + [model_file(name) for name in names], weights_dir, task="tang")


def _float32_config(node):
    """A model config with every layer's dtype policy set to float32 (the stored weights are float16)."""
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "dtype" and isinstance(value, (dict, str)) and "float16" in str(value):
                out[key] = "float32"
            else:
                out[key] = _float32_config(value)
        return out
    if isinstance(node, list):
        return [_float32_config(v) for v in node]
    return node


def float32_model(model: keras.Model) -> keras.Model:
    """`model` itself when its weights are float32; else the same architecture in float32 with its weights."""
    if all(str(w.dtype) == "float32" for w in model.weights):
        return model
    copy = keras.Model.from_config(_float32_config(model.get_config()))
    copy.set_weights([np.asarray(w, np.float32) for w in model.get_weights()])
    return copy


def auto_form(poem: str) -> str | None:
    """The form `generate` writes by default: a quatrain (an octave past 4 lines) of the prime's line length.

    None (any form) when the prime has no whole line, its lines are not 5 or 7 characters
    and all alike, or it has more than 8 lines.
    """
    lines, _ = split_lines(poem)
    if not lines:
        return None
    chars = len(lines[0]) - 1
    if chars not in (5, 7) or any(len(line) - 1 != chars for line in lines) or len(lines) > 8:
        return None
    lines_needed = 4 if len(lines) <= 4 else 8
    return next(f for f, (c, n) in FORMS.items() if c == chars and n == lines_needed)


def resolve_form(form, poem: str) -> str | None:
    """A form choice ("auto", "any", None or a form name) as the form to write, or None for any form."""
    if form in (None, "", ANY):
        return None
    if form == AUTO:
        return auto_form(poem)
    if form not in FORMS:
        raise ValueError(f"unknown form {form!r}; choose one of {', '.join(FORM_CHOICES)}")
    return form


class PoemPredictor(CharPredictor):
    """A character model of the poems: writes a poem from a form, a title and first lines; reads one.

    `stream(prime, length, temperature, top_k, seed, form="auto", title="")` returns a
    GenerationRun whose `prime` is the poem's beginning as fed (unknown characters left out),
    with `form` (the form asked for, or None) and `title` set on it; the run stops at the end mark.
    """

    def __init__(
        self,
        model: keras.Model,
        vocab: CharVocab,
        name: str | None = None,
        live: bool = False,
        jit_step: bool | None = None,
    ):
        super().__init__(
            model, vocab, name, live, jit_step, banned="".join(m for m in MARKS if m != END) + UNKNOWN, stop=END
        )

    def _known(self, text: str, what: str, notes: list[str]) -> str:
        """`text` without whitespace and without characters the model cannot take (a note names them)."""
        text = "".join(str(text).split())
        unknown = [c for c in dict.fromkeys(text) if c not in self.vocab or c in MARKS or c == UNKNOWN]
        if unknown:
            dropped = sum(text.count(c) for c in unknown)
            notes.append(
                f"Left out {dropped:,} character{'s' if dropped != 1 else ''} of the {what} this model "
                f"has never seen: {show_chars(unknown)}."
            )
            text = "".join(c for c in text if c not in unknown)
        return text

    def prepare_poem(
        self, prime: str, form=AUTO, title: str = ""
    ) -> tuple[np.ndarray, str, str, str | None, list[str]]:
        """(ids int32, the poem's beginning fed, the title fed, the form or None, notes)."""
        notes: list[str] = []
        prime = prime if isinstance(prime, str) else ""
        title = title if isinstance(title, str) else ""
        poem = self._known(prime, "prime", notes)
        if prime.strip() and not poem:
            notes.append("None of the prime's characters are known to this model; it writes a poem from nothing.")
        if len(poem) > MAX_PRIME_CHARS:
            cut = poem[-MAX_PRIME_CHARS:]
            first = next((i for i, c in enumerate(cut) if c in LINE_MARKS), -1)
            poem = cut[first + 1 :] if 0 <= first < len(cut) - 1 else cut
            notes.append(f"The prime is long; only its last {len(poem):,} characters (whole lines) are read.")
        title = self._known(title, "title", notes)
        if len(title) > MAX_TITLE_CHARS:
            title = title[:MAX_TITLE_CHARS]
            notes.append(f"The title is cut to its first {MAX_TITLE_CHARS} characters.")
        chosen = resolve_form(form, poem)
        text = start_mark(chosen) + (title + TITLE_END if title else "") + poem
        return self.vocab.encode(text), poem, title, chosen, notes

    def stream(
        self,
        prime: str = "",
        length: int = 120,
        temperature: float = 0.8,
        top_k: int = 0,
        seed: int = 0,
        form=AUTO,
        title: str = "",
    ) -> GenerationRun:
        length, temperature, top_k, seed = check_generation_settings(length, temperature, top_k, seed)
        ids, poem, title, chosen, notes = self.prepare_poem(prime, form, title)
        run = GenerationRun(self, ids, poem, notes, length, temperature, top_k, seed)
        run.form, run.title = chosen, title
        return run

    def generate(
        self,
        prime: str = "",
        length: int = 120,
        temperature: float = 0.8,
        top_k: int = 0,
        seed: int = 0,
        form=AUTO,
        title: str = "",
    ) -> str:
        """The characters following the prime, up to the end mark or `length` (the prime not included)."""
        return "".join(self.stream(prime, length, temperature, top_k, seed, form, title))

    def write(
        self, form, prime: str = "", title: str = "", temperature: float = 0.8, seed: int = 0, top_k: int = 0
    ) -> str:
        """A whole poem (prime and continuation) of `form` (a form name, or None for any form)."""
        chars, count = FORMS[form] if form else (7, 12)
        run = self.stream(prime, (chars + 1) * count + 8, temperature, top_k, seed, form or ANY, title)
        return run.prime + "".join(run)

    def read(self, text: str) -> list[dict]:
        """Each character of a poem with the model's probability for it, the poem read from the start mark."""
        rows = super().read(start_mark(None) + "".join(str(text).split()))
        return rows[1:]


def load_tang(weights_dir=None, names=None, jit_step: bool | None = None) -> dict:
    """The shipped Tang models, name -> PoemPredictor ("lstm", "cnn"), sharing one vocabulary (jit_step: as
    charlm.predict.load_charlm's)."""
    names = tuple(names or TANG_NAMES)
    root = check_tang_weights(weights_dir, names)
    vocab = CharVocab.load(root / TANG_VOCAB)
    return {
        name: PoemPredictor(float32_model(load_model(root / model_file(name))), vocab, name, jit_step=jit_step)
        for name in names
    }
