"""Loading the shipped translators (int8 weights and the subword vocabulary) for the page and the command line."""

from __future__ import annotations

from pathlib import Path

from cnnrnn.core.weights import read_manifest, require_files, weights_root
from cnnrnn.tasks.translation.config import MODEL_NAMES, TRANSLATION, TranslationConfig
from cnnrnn.tasks.translation.decode import Translator
from cnnrnn.tasks.translation.model import build_model, load_weights_int8
from cnnrnn.tasks.translation.text import Subwords

VOCAB_FILE = "translation_subwords.json"
MAX_BEAM = 8


def model_file(name: str) -> str:
    """The shipped file of translation model `name`: "translation_cnn.npz"."""
    return f"translation_{name}.npz"


def shipped_files(names=MODEL_NAMES) -> list[str]:
    return [VOCAB_FILE] + [model_file(name) for name in names]


def check_beam(beam) -> int:
    """The beam width as an int from 1 to MAX_BEAM, else one ValueError line."""
    try:
        value = int(beam)
    except (TypeError, ValueError):
        raise ValueError(f"beam width must be a whole number from 1 to {MAX_BEAM}, not {beam!r}") from None
    if not 1 <= value <= MAX_BEAM:
        raise ValueError(f"beam width must be from 1 to {MAX_BEAM}, not {value}")
    return value


def shipped_config(weights_dir=None) -> TranslationConfig:
    """The config the weights in `weights_dir` were trained with (the manifest's), else the shipped preset."""
    entry = read_manifest(weights_root(weights_dir)).get("translation", {})
    fields = {k: v for k, v in entry.get("config", {}).items() if k in TranslationConfig.__dataclass_fields__}
    return TranslationConfig(**fields) if fields else TRANSLATION


def load_translators(weights_dir=None, names=MODEL_NAMES) -> dict:
    """name -> decode.Translator for each named model (one FileNotFoundError line when a file is missing)."""
    root = require_files(shipped_files(names), weights_dir, task="translation")
    subwords = Subwords.from_json((Path(root) / VOCAB_FILE).read_text(encoding="utf-8"))
    config = shipped_config(root)
    out = {}
    for name in names:
        model = build_model(name, config, len(subwords))
        load_weights_int8(model, Path(root) / model_file(name))
        out[name] = Translator(model, subwords, name)
    return out
