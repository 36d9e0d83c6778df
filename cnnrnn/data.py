"""Dataset loaders: the data directory first, a download as fallback; seeded splits.

`CNNRNN_DATA_DIR` names a folder laid out like the project's shared mirror
(`mnist/mnist.npz`, `rt-polarity/...`). Without it, loaders download through
`keras.utils.get_file` into the Keras cache.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np


from cnnrnn.core.data import data_dir, download as _download, sha256_file  # noqa: F401


@dataclass(frozen=True)
class MnistSplits:
    """MNIST as uint8 arrays: images (n, 28, 28), labels (n,).

    `x_val`/`y_val` come out of the 60,000 training images by a seeded
    permutation; the test set is MNIST's own 10,000.
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    source: str  # the file read
    sha256: str


def _read_mnist() -> tuple[tuple[np.ndarray, ...], Path]:
    """The four MNIST arrays and the file they came from."""
    root = data_dir()
    if root is not None:
        path = root / "mnist" / "mnist.npz"
        if not path.is_file():
            raise FileNotFoundError(f"CNNRNN_DATA_DIR is set but {path} does not exist")
        with np.load(path) as npz:
            arrays = tuple(npz[k] for k in ("x_train", "y_train", "x_test", "y_test"))
        return arrays, path
    import keras

    (x_train, y_train), (x_test, y_test) = _download("MNIST", keras.datasets.mnist.load_data)
    cache = Path(os.environ.get("KERAS_HOME", Path.home() / ".keras")) / "datasets" / "mnist.npz"
    return (x_train, y_train, x_test, y_test), cache


def load_mnist(val_size: int = 5000, seed: int = 1337, max_train: int | None = None,
               max_test: int | None = None) -> MnistSplits:
    """Load MNIST with a fixed validation split of `val_size` training images.

    The split depends only on `seed`; `max_train`/`max_test` keep the first
    images of the (permuted) training set and of the test set, for quick runs.
    """
    (x_train, y_train, x_test, y_test), path = _read_mnist()
    order = np.random.default_rng(seed).permutation(len(x_train))
    val_idx, train_idx = order[:val_size], order[val_size:]
    if max_train is not None:
        train_idx = train_idx[:max_train]
    if max_test is not None:
        x_test, y_test = x_test[:max_test], y_test[:max_test]
    return MnistSplits(
        x_train=x_train[train_idx], y_train=y_train[train_idx].astype(np.int64),
        x_val=x_train[val_idx], y_val=y_train[val_idx].astype(np.int64),
        x_test=x_test, y_test=y_test.astype(np.int64),
        source=str(path), sha256=sha256_file(path) if path.is_file() else "",
    )


# --- Sentence polarity (Pang & Lee 2005, "MR"): the sentiment page's data ---

POLARITY_URL = "http://www.cs.cornell.edu/people/pabo/movie-review-data/rt-polaritydata.tar.gz"
POLARITY_FILES = ("rt-polarity.pos", "rt-polarity.neg")


@dataclass(frozen=True)
class PolaritySplits:
    """The 10,662 sentences as lists of str and labels as int64 arrays (1 positive, 0 negative).

    The test split is the first `test_size` sentences of a permutation seeded by
    `split_seed` alone, so it never moves when models are retuned; validation is
    the next `val_size`; training is the rest.
    """

    x_train: list
    y_train: np.ndarray
    x_val: list
    y_val: np.ndarray
    x_test: list
    y_test: np.ndarray
    files: dict  # file name -> sha256


def _polarity_paths() -> list[Path]:
    """rt-polarity.pos and .neg from the data directory, or downloaded from Cornell."""
    root = data_dir()
    if root is not None:
        paths = [root / "rt-polarity" / name for name in POLARITY_FILES]
        missing = [str(p) for p in paths if not p.is_file()]
        if missing:
            raise FileNotFoundError(f"CNNRNN_DATA_DIR is set but {', '.join(missing)} does not exist")
        return paths
    import keras

    fetched = Path(_download("The sentence polarity data", lambda: keras.utils.get_file(
        "rt-polaritydata.tar.gz", POLARITY_URL, extract=True)))
    search = fetched if fetched.is_dir() else fetched.parent
    paths = []
    for name in POLARITY_FILES:
        found = sorted(search.rglob(name))
        if not found:
            raise FileNotFoundError(f"{name} not found in the downloaded archive under {search}")
        paths.append(found[0])
    return paths


def read_polarity_lines(path: str | os.PathLike) -> list[str]:
    """One sentence per line, decoded as latin-1 (never fails), split on LF only.

    (str.splitlines would also split at the 0x85 bytes some sentences contain.)
    """
    text = Path(path).read_bytes().decode("latin-1")
    return [line.strip() for line in text.split("\n") if line.strip()]


def load_polarity(val_size: int = 1000, test_size: int = 1067, split_seed: int = 2005,
                  max_train: int | None = None) -> PolaritySplits:
    """Load the sentence polarity dataset with fixed, seeded test and validation splits.

    `max_train` keeps the first training sentences (tiny presets).
    """
    pos_path, neg_path = _polarity_paths()
    pos, neg = read_polarity_lines(pos_path), read_polarity_lines(neg_path)
    texts = pos + neg
    labels = np.array([1] * len(pos) + [0] * len(neg), np.int64)
    order = np.random.default_rng(split_seed).permutation(len(texts))
    test_idx, val_idx = order[:test_size], order[test_size:test_size + val_size]
    train_idx = order[test_size + val_size:]
    if max_train is not None:
        train_idx = train_idx[:max_train]
    pick = lambda idx: [texts[i] for i in idx]  # noqa: E731
    return PolaritySplits(
        x_train=pick(train_idx), y_train=labels[train_idx],
        x_val=pick(val_idx), y_val=labels[val_idx],
        x_test=pick(test_idx), y_test=labels[test_idx],
        files={p.name: sha256_file(p) for p in (pos_path, neg_path)},
    )


# --- Character corpora: tiny Shakespeare and the user's own text (generation page) ---

SHAKESPEARE_URL = "https://raw.githubusercontent.com/karpathy/char-rnn/master/data/tinyshakespeare/input.txt"
SHAKESPEARE_SHA256 = "86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed"
MAX_CORPUS_BYTES = 2 * 2**20  # uploads and pasted text: 2 MB of UTF-8
MIN_CORPUS_CHARS = 200  # less than this cannot be split into training and held-out windows
MAX_VOCAB = 8000  # distinct characters (Chinese lyrics have ~2,600; binary junk has far more)


class CorpusError(ValueError):
    """Text that cannot be trained on; the message says why, in plain words."""


@dataclass(frozen=True)
class CharCorpus:
    """A text to model character by character; the last `val_fraction` is held out."""

    text: str
    source: str  # a file name, or "pasted text"
    sha256: str  # of the UTF-8 bytes read
    val_fraction: float = 0.1

    @property
    def split(self) -> int:
        """Index of the first held-out character (nanoGPT's int(n * 0.9))."""
        return int(len(self.text) * (1.0 - self.val_fraction))

    @property
    def train_text(self) -> str:
        return self.text[: self.split]

    @property
    def val_text(self) -> str:
        return self.text[self.split:]


class CharVocab:
    """The characters a model knows, in sorted order: char <-> id (int32).

    Stored as JSON next to the model (`save`, `load`): {"chars": [...]}.
    """

    def __init__(self, chars):
        self.chars = tuple(chars)
        if len(set(self.chars)) != len(self.chars) or not all(isinstance(c, str) and len(c) == 1 for c in self.chars):
            raise ValueError("a vocabulary is a list of distinct single characters")
        self.index = {c: i for i, c in enumerate(self.chars)}

    @classmethod
    def from_text(cls, text: str) -> "CharVocab":
        return cls(sorted(set(text)))

    def __len__(self) -> int:
        return len(self.chars)

    def __contains__(self, char) -> bool:
        return char in self.index

    def __eq__(self, other) -> bool:
        return isinstance(other, CharVocab) and self.chars == other.chars

    def encode(self, text: str) -> np.ndarray:
        """(len(text),) int32 ids; raises CorpusError naming characters it does not know."""
        unknown = self.unknown(text)
        if unknown:
            raise CorpusError(f"characters the model has never seen: {_show_chars(unknown)}")
        return np.fromiter((self.index[c] for c in text), np.int32, len(text))

    def encode_known(self, text: str) -> tuple[np.ndarray, str, list[str]]:
        """Drop unknown characters: (ids int32, the text kept, the distinct characters dropped)."""
        kept = "".join(c for c in text if c in self.index)
        return self.encode(kept), kept, self.unknown(text)

    def unknown(self, text: str) -> list[str]:
        """Distinct characters of `text` not in the vocabulary, in order of appearance."""
        return list(dict.fromkeys(c for c in text if c not in self.index))

    def decode(self, ids) -> str:
        return "".join(self.chars[int(i)] for i in np.asarray(ids).reshape(-1))

    def to_json(self) -> dict:
        return {"chars": list(self.chars)}

    def save(self, path: str | os.PathLike) -> Path:
        import json

        path = Path(path)
        path.write_text(json.dumps(self.to_json(), ensure_ascii=False) + "\n", encoding="utf-8")
        return path

    @classmethod
    def load(cls, path: str | os.PathLike) -> "CharVocab":
        import json

        return cls(json.loads(Path(path).read_text(encoding="utf-8"))["chars"])


def _show_chars(chars, limit: int = 12) -> str:
    """Characters for a message: repr-quoted, at most `limit` of them."""
    shown = " ".join(repr(c) for c in chars[:limit])
    return shown + (f" and {len(chars) - limit} more" if len(chars) > limit else "")


def _shakespeare_path() -> Path:
    root = data_dir()
    if root is not None:
        path = root / "tinyshakespeare" / "input.txt"
        if not path.is_file():
            raise FileNotFoundError(f"CNNRNN_DATA_DIR is set but {path} does not exist")
        return path
    import keras

    return Path(_download("tiny Shakespeare", lambda: keras.utils.get_file(
        "tinyshakespeare.txt", SHAKESPEARE_URL, file_hash=SHAKESPEARE_SHA256)))


def load_shakespeare(val_fraction: float = 0.1, max_chars: int | None = None) -> CharCorpus:
    """Tiny Shakespeare (1,115,394 characters, 65 distinct); the last `val_fraction` held out.

    `max_chars` keeps the first characters only (tiny presets; the split moves with it).
    """
    path = _shakespeare_path()
    text = path.read_bytes().decode("utf-8")
    if max_chars is not None:
        text = text[:max_chars]
    return CharCorpus(text=text, source=path.name, sha256=sha256_file(path), val_fraction=val_fraction)


def corpus_from_bytes(data: bytes, name: str = "upload", max_bytes: int = MAX_CORPUS_BYTES,
                      val_fraction: float = 0.1) -> CharCorpus:
    """Check and decode an uploaded text file: UTF-8, not empty, not binary, at most `max_bytes`.

    Line ends become LF and a byte-order mark is dropped. Raises CorpusError with
    a message meant for the person who uploaded the file.
    """
    if data is None or len(data) == 0:
        raise CorpusError(f"{name} is empty. Upload a UTF-8 text file or paste some text.")
    if len(data) > max_bytes:
        raise CorpusError(f"{name} is {len(data) / 2**20:.1f} MB; the limit is {max_bytes / 2**20:g} MB. "
                          "Use a shorter excerpt.")
    if b"\x00" in data[:1 << 16] or data[:4] in (b"PK\x03\x04", b"%PDF") or data[:2] == b"\x89P":
        raise CorpusError(f"{name} looks like a binary file, not plain text. Upload a UTF-8 .txt file.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise CorpusError(f"{name} is not UTF-8 text (byte 0x{data[error.start]:02x} at position {error.start:,}). "
                          "Save it as UTF-8 and upload it again.") from None
    return _checked_corpus(text, name, hashlib.sha256(data).hexdigest(), val_fraction)


def corpus_from_text(text: str, name: str = "pasted text", max_bytes: int = MAX_CORPUS_BYTES,
                     val_fraction: float = 0.1) -> CharCorpus:
    """The same checks as `corpus_from_bytes` for text pasted into the page."""
    if not isinstance(text, str):
        raise CorpusError("expected text")
    return corpus_from_bytes(text.encode("utf-8", "replace"), name, max_bytes, val_fraction)


def _checked_corpus(text: str, name: str, digest: str, val_fraction: float) -> CharCorpus:
    import unicodedata

    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise CorpusError(f"{name} has no visible characters, only spaces or line breaks.")
    control = sum(1 for c in text if c not in "\n\t" and unicodedata.category(c) in ("Cc", "Cs", "Co", "Cn"))
    if control > max(2, len(text) // 100):
        raise CorpusError(f"{name} looks like a binary file, not plain text ({control:,} control or unassigned "
                          "characters). Upload a UTF-8 .txt file.")
    if len(text) < MIN_CORPUS_CHARS:
        raise CorpusError(f"{name} has {len(text):,} characters; at least {MIN_CORPUS_CHARS:,} are needed to train "
                          "a model (a few paragraphs).")
    distinct = len(set(text))
    if distinct > MAX_VOCAB:
        raise CorpusError(f"{name} has {distinct:,} distinct characters; at most {MAX_VOCAB:,} are supported.")
    return CharCorpus(text=text, source=name, sha256=digest, val_fraction=val_fraction)


MAX_GENERATE = 100_000  # characters per generation call


def check_generation_settings(length, temperature, top_k, seed) -> tuple[int, float, int, int]:
    """Validated (length, temperature, top_k, seed); ValueError with a plain message otherwise."""
    import math

    try:
        length, temperature, top_k, seed = int(length), float(temperature), int(top_k), int(seed)
    except (TypeError, ValueError, OverflowError):
        raise ValueError("length, top-k and seed must be whole numbers and temperature a number") from None
    if not 1 <= length <= MAX_GENERATE:
        raise ValueError(f"length must be between 1 and {MAX_GENERATE:,} characters (got {length:,})")
    if not math.isfinite(temperature) or temperature < 0:
        raise ValueError(f"temperature must be a finite number of 0 or more (got {temperature}); 0 means greedy")
    if top_k < 0:
        raise ValueError(f"top-k must be 0 (no limit) or more (got {top_k})")
    return length, temperature, top_k, seed % 2**63


# --- Generated scenes and their captions (the captioning page, one to many) ---
#
# Real captioning data and weights cannot ship, so the project draws its own
# scenes and knows their true captions. A scene is one to three filled shapes
# on a light background, placed side by side with clear gaps, so that "left of"
# is never in doubt. The caption names them from left to right:
#
#     caption := object ( " left of " object ){0,2}
#     object  := "a" size colour shape
#     size    := "small" | "large"        (bounding box 8-11 px or 17-23 px of 64)
#     colour  := "red" | "green" | "blue" | "yellow"
#     shape   := "circle" | "square" | "triangle"   (triangles point up)
#
# e.g. "a large red circle left of a small blue square left of a small yellow
# triangle". Shapes vary the way hand-drawn ones do: rough outlines, slight
# rotation and stretch, off-white paper, colour jitter, noise, blur, unfilled
# streaks. Scene i of a split is drawn from numpy's generator seeded with
# (split_seed, i), so any scene can be regenerated on its own.

SCENE_VERSION = 1  # bump when the generator's output changes (recorded in the manifest)
SCENE_SIZE = 64  # the encoder's input side, in pixels
SHAPES = ("circle", "square", "triangle")
COLOURS = {"red": (220, 40, 40), "green": (40, 165, 60), "blue": (40, 85, 230), "yellow": (245, 200, 25)}
SIZES = {"small": (0.125, 0.17), "large": (0.27, 0.36)}  # bounding-box side as a fraction of the frame
SCENE_MARGIN = 0.03  # free frame border, fraction of the side
SCENE_GAP = 0.05  # the least horizontal gap between two shapes
CAPTION_WORDS = ("a", "small", "large", *COLOURS, *SHAPES, "left", "of")
CAPTION_VOCAB = ("<pad>", "<start>", "<end>", *CAPTION_WORDS)  # token id = index; 0 is padding
PAD, START, END = 0, 1, 2
MAX_OBJECTS = 3
MAX_CAPTION_WORDS = 4 * MAX_OBJECTS + 2 * (MAX_OBJECTS - 1)  # 16 words


@dataclass(frozen=True)
class SceneObject:
    """One shape: its words, and its outline in frame units (0..1, x right, y down)."""

    shape: str
    colour: str
    size: str
    outline: tuple  # ((x, y), ...) polygon, already placed in the frame
    rgb: tuple  # the fill colour actually used (jittered)
    streaks: tuple = ()  # ((x0, y0, x1, y1, width), ...) unfilled lines across the shape

    @property
    def phrase(self) -> str:
        return f"a {self.size} {self.colour} {self.shape}"

    @property
    def box(self) -> tuple[float, float, float, float]:
        """(left, top, right, bottom) in frame units."""
        xs, ys = [p[0] for p in self.outline], [p[1] for p in self.outline]
        return min(xs), min(ys), max(xs), max(ys)


@dataclass(frozen=True)
class Scene:
    """Shapes sorted left to right, the paper colour and the rendering noise."""

    objects: tuple
    background: tuple = (255, 255, 255)
    noise: float = 0.0  # Gaussian pixel noise, standard deviation in 0..255 units
    blur: float = 0.0  # Gaussian blur radius at 64 px (0: none)
    seed: int = 0  # for the noise

    @property
    def caption(self) -> str:
        return caption_of(self.objects)


def caption_of(objects) -> str:
    """The caption of objects already sorted left to right."""
    return " left of ".join(obj.phrase for obj in objects)


def _rough_outline(shape: str, width: float, height: float, angle: float, rough: float,
                   rng: np.random.Generator) -> np.ndarray:
    """(n, 2) polygon centred on (0, 0): a shape with a wobbly outline, rotated by `angle` radians."""
    if shape == "circle":
        theta = np.linspace(0, 2 * np.pi, 48, endpoint=False)
        wobble = np.zeros_like(theta)
        for k in range(2, 6):  # smooth, low-frequency bumps, like a hand-drawn circle
            wobble += rng.normal(0, 1) / k * np.sin(k * theta + rng.uniform(0, 2 * np.pi))
        radius = 1.0 + rough * wobble
        points = np.stack([0.5 * width * radius * np.cos(theta), 0.5 * height * radius * np.sin(theta)], 1)
    else:
        w, h = width / 2, height / 2
        corners = ([(-w, -h), (w, -h), (w, h), (-w, h)] if shape == "square"
                   else [(0.0, -h), (w, h), (-w, h)])
        corners = np.asarray(corners) + rng.normal(0, rough * 0.5 * min(width, height), (len(corners), 2))
        edges = []
        for a, b in zip(corners, np.roll(corners, -1, axis=0)):
            t = np.linspace(0, 1, 6, endpoint=False)[:, None]
            edge = a + t * (b - a)
            normal = np.array([-(b - a)[1], (b - a)[0]]) / max(np.hypot(*(b - a)), 1e-9)
            bend = rng.normal(0, rough * 0.35 * min(width, height), len(t))
            bend[0] = 0.0
            edges.append(edge + bend[:, None] * normal)
        points = np.concatenate(edges)
    c, s = np.cos(angle), np.sin(angle)
    return points @ np.array([[c, s], [-s, c]])


def random_scene(rng: np.random.Generator, num_objects: int | None = None) -> Scene:
    """A random scene of `num_objects` shapes (1 to 3; None: each equally likely)."""
    n = int(num_objects) if num_objects is not None else int(rng.integers(1, MAX_OBJECTS + 1))
    if not 1 <= n <= MAX_OBJECTS:
        raise ValueError(f"a scene has 1 to {MAX_OBJECTS} objects, not {n}")
    for _ in range(100):
        specs, shapes = [], []
        for _ in range(n):
            shape, colour, size = (SHAPES[rng.integers(len(SHAPES))], list(COLOURS)[rng.integers(len(COLOURS))],
                                   ("small", "large")[rng.integers(2)])
            side = rng.uniform(*SIZES[size])
            stretch = np.exp(rng.uniform(-0.15, 0.15))  # width / height
            tilt = 0.0 if shape == "circle" else np.deg2rad(rng.uniform(-12, 12))
            rough = rng.choice([0.0, rng.uniform(0.0, 0.12)])
            outline = _rough_outline(shape, side * np.sqrt(stretch), side / np.sqrt(stretch), tilt, rough, rng)
            specs.append((shape, colour, size))
            shapes.append(outline)
        widths = [float(o[:, 0].max() - o[:, 0].min()) for o in shapes]
        heights = [float(o[:, 1].max() - o[:, 1].min()) for o in shapes]
        free = 1.0 - 2 * SCENE_MARGIN - sum(widths) - (n - 1) * SCENE_GAP
        if free >= 0 and max(heights) <= 1.0 - 2 * SCENE_MARGIN:
            break
    else:  # pragma: no cover (three large shapes always fit at their smallest)
        raise RuntimeError("could not lay out the scene")
    spare = rng.dirichlet(np.ones(n + 1)) * free
    objects, x = [], SCENE_MARGIN
    for i, ((shape, colour, size), outline) in enumerate(zip(specs, shapes)):
        x += spare[i]
        left, top = x - outline[:, 0].min(), rng.uniform(SCENE_MARGIN, 1.0 - SCENE_MARGIN - heights[i])
        placed = outline + np.array([left, top - outline[:, 1].min()])
        rgb = tuple(int(v) for v in np.clip(np.array(COLOURS[colour]) + rng.integers(-25, 26, 3), 0, 255))
        streaks = []
        if rng.random() < 0.15:  # a scribbled fill that missed a line or two
            x0, y0, x1, y1 = placed[:, 0].min(), placed[:, 1].min(), placed[:, 0].max(), placed[:, 1].max()
            for _ in range(int(rng.integers(1, 3))):
                ya, yb = rng.uniform(y0, y1, 2)
                streaks.append((float(x0), float(ya), float(x1), float(yb), float(rng.uniform(0.008, 0.02))))
        objects.append(SceneObject(shape, colour, size, tuple(map(tuple, placed.tolist())), rgb, tuple(streaks)))
        x += widths[i] + SCENE_GAP
    paper = (255, 255, 255) if rng.random() < 0.6 else tuple(int(v) for v in rng.integers(225, 256, 3))
    noise = float(rng.choice([0.0, rng.uniform(0, 8)]))
    blur = float(rng.uniform(0.3, 0.9)) if rng.random() < 0.2 else 0.0
    return Scene(tuple(objects), paper, noise, blur, int(rng.integers(2**31)))


def render_scene(scene: Scene, side: int = SCENE_SIZE, supersample: int = 4) -> np.ndarray:
    """(side, side, 3) uint8 RGB: the scene drawn `supersample` times larger, then area-averaged."""
    from PIL import Image, ImageDraw, ImageFilter

    big = side * supersample
    image = Image.new("RGB", (big, big), tuple(scene.background))
    draw = ImageDraw.Draw(image)
    for obj in scene.objects:
        draw.polygon([(x * big, y * big) for x, y in obj.outline], fill=tuple(obj.rgb))
        for x0, y0, x1, y1, width in obj.streaks:
            draw.line([(x0 * big, y0 * big), (x1 * big, y1 * big)], fill=tuple(scene.background),
                      width=max(1, round(width * big)))
    image = image.resize((side, side), Image.Resampling.BOX)
    if scene.blur:
        image = image.filter(ImageFilter.GaussianBlur(scene.blur * side / SCENE_SIZE))
    pixels = np.asarray(image, np.float32)
    if scene.noise:
        pixels = pixels + np.random.default_rng(scene.seed).normal(0, scene.noise, pixels.shape)
    return np.clip(np.rint(pixels), 0, 255).astype(np.uint8)


def make_scene(seed: int, index: int = 0, num_objects: int | None = None) -> Scene:
    """Scene `index` of the split seeded by `seed` (the same pair always gives the same scene)."""
    return random_scene(np.random.default_rng([int(seed), int(index)]), num_objects)


def encode_caption(caption: str) -> np.ndarray:
    """"a small red circle" -> int32 ids of its words (no start or end); ValueError for an unknown word."""
    index = {word: i for i, word in enumerate(CAPTION_VOCAB)}
    words = caption.split()
    unknown = [w for w in words if w not in index or index[w] <= END]
    if unknown:
        raise ValueError(f"words outside the caption grammar: {unknown}")
    return np.array([index[w] for w in words], np.int32)


def decode_caption(ids) -> str:
    """Token ids -> words, stopping at the first end token; start and padding are skipped."""
    words = []
    for i in np.asarray(ids).reshape(-1):
        if int(i) == END:
            break
        if int(i) > END:
            words.append(CAPTION_VOCAB[int(i)])
    return " ".join(words)


def caption_is_valid(caption: str) -> bool:
    """Whether a caption follows the grammar (1 to 3 objects joined by "left of")."""
    phrases = caption.split(" left of ")
    if not 1 <= len(phrases) <= MAX_OBJECTS:
        return False
    for phrase in phrases:
        words = phrase.split(" ")
        if len(words) != 4 or words[0] != "a" or words[1] not in SIZES or words[2] not in COLOURS \
                or words[3] not in SHAPES:
            return False
    return True


@dataclass(frozen=True)
class SceneSet:
    """Rendered scenes: images (n, side, side, 3) uint8, captions (list of str), objects per scene (n,)."""

    images: np.ndarray
    captions: list
    num_objects: np.ndarray
    seed: int


def make_scenes(n: int, seed: int, side: int = SCENE_SIZE) -> SceneSet:
    """Scenes 0..n-1 of the split seeded by `seed`, rendered at `side` pixels."""
    images = np.empty((n, side, side, 3), np.uint8)
    captions, counts = [], np.empty(n, np.int64)
    for i in range(n):
        scene = make_scene(seed, i)
        images[i] = render_scene(scene, side)
        captions.append(scene.caption)
        counts[i] = len(scene.objects)
    return SceneSet(images, captions, counts, int(seed))


def caption_targets(captions, length: int = MAX_CAPTION_WORDS + 1) -> tuple[np.ndarray, np.ndarray]:
    """Teacher forcing: (inputs, targets), each (n, length) int32, padded with 0.

    inputs = <start> w1 .. wk, targets = w1 .. wk <end>: the decoder reads the
    true previous word at every step and predicts the next.
    """
    inputs = np.zeros((len(captions), length), np.int32)
    targets = np.zeros((len(captions), length), np.int32)
    for row, caption in enumerate(captions):
        ids = encode_caption(caption)
        if len(ids) + 1 > length:
            raise ValueError(f"caption longer than {length - 1} words: {caption!r}")
        inputs[row, 0] = START
        inputs[row, 1:len(ids) + 1] = ids
        targets[row, :len(ids)] = ids
        targets[row, len(ids)] = END
    return inputs, targets


# --- MNIST-1D (Greydanus & Kobak, ICML 2024): the sequence lab's data ---
#
# Ten 12-point templates, one per digit, each padded with 36 to 60 zeros,
# stretched to 72 points, scaled, rolled by up to 48 points, given correlated
# noise where it is zero and white noise everywhere, sheared, and resampled to
# 40 points. The generator below draws its random numbers in the same order as
# the `mnist1d` package (legacy NumPy RandomState, seed 42), so it rebuilds the
# published 4,000 training and 1,000 test signals without that package, which
# would pull in matplotlib and requests for plotting and downloading.

MNIST1D_PICKLE = "mnist1d_data.pkl"
MNIST1D_SHA256 = "e95257676e9fb04568e46dda007da22cc8664ccba1451456afde55d7f6dd6aa5"
MNIST1D_SIZE = 40  # points per signal in the published data
MNIST1D_CLASSES = 10

# The published generation settings (mnist1d.data.get_dataset_args()).
MNIST1D_ARGS = {
    "num_samples": 5000, "train_split": 0.8, "template_len": 12, "padding": (36, 60), "scale_coeff": 0.4,
    "max_translation": 48, "corr_noise_scale": 0.25, "iid_noise_scale": 2e-2, "shear_scale": 0.75,
    "shuffle_seq": False, "final_seq_length": 40, "seed": 42,
}

_DIGIT_SHAPES = (
    (5, 6, 6.5, 6.75, 7, 7, 7, 7, 6.75, 6.5, 6, 5),
    (5, 3, 3, 3.4, 3.8, 4.2, 4.6, 5, 5.4, 5.8, 5, 5),
    (5, 6, 6.5, 6.5, 6, 5.25, 4.75, 4, 3.5, 3.5, 4, 5),
    (5, 6, 6.5, 6.5, 6, 5, 5, 6, 6.5, 6.5, 6, 5),
    (5, 4.4, 3.8, 3.2, 2.6, 2.6, 5, 5, 5, 5, 5, 5),
    (5, 3, 3, 3, 3, 5, 6, 6.5, 6.5, 6, 4.5, 5),
    (5, 4, 3.5, 3.25, 3, 3, 3, 3, 3.25, 3.5, 4, 5),
    (5, 7, 7, 6.6, 6.2, 5.8, 5.4, 5, 4.6, 4.2, 5, 5),
    (5, 4, 3.5, 3.5, 4, 5, 5, 4, 3.5, 3.5, 4, 5),
    (5, 4, 3.5, 3.5, 4, 5, 5, 5, 5, 4.7, 4.3, 5),
)


@dataclass(frozen=True)
class Mnist1dSplits:
    """MNIST-1D: signals float32 (n, length), labels int64 (n,); 4,000 train and 1,000 test.

    `t` (length,) float32 is the time axis the authors plot against.
    `shuffled` marks the variant whose points are permuted (one fixed permutation).
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    t: np.ndarray
    shuffled: bool
    source: str  # "generated (seed 42)" or the file read
    sha256: str  # of the file read; "" when generated


def mnist1d_templates() -> tuple[np.ndarray, np.ndarray]:
    """The ten digit templates (10, 12) float64, zero mean, unit spread / 6, starting at 0, and their time axis (12,)."""
    x = np.asarray(_DIGIT_SHAPES, np.float64)
    x = (x - x.mean(axis=1, keepdims=True)) / x.std(axis=1, keepdims=True)
    x = x - x[:, :1]
    return x / 6.0, np.linspace(-5, 5, x.shape[1]) / 6.0


def _stretch(values: np.ndarray, points: int) -> np.ndarray:
    """Linear resampling of `values` (n,) onto `points` evenly spaced positions over the same span."""
    from scipy.interpolate import interp1d

    return interp1d(np.linspace(0, 1, len(values)), values, axis=0, kind="linear")(np.linspace(0, 1, points))


def _distort(template: np.ndarray, t: np.ndarray, args: dict, rng: np.random.RandomState):
    """One training signal from one template: pad, stretch, scale, roll, noise, shear, resample."""
    from scipy.ndimage import gaussian_filter

    low, high = args["padding"]
    length = args["template_len"] + high
    zeros = low + int(rng.rand() * (high - low + 1))
    signal = _stretch(np.concatenate([template + 1e-8, np.zeros(zeros)]), length)
    axis = _stretch(t, length)
    signal = signal * (1 + args["scale_coeff"] * (rng.rand() - 0.5))
    shift = rng.choice(args["max_translation"])
    signal = np.roll(signal, shift)
    background = gaussian_filter(args["corr_noise_scale"] * rng.randn(*signal.shape), 2)
    signal = np.where(signal != 0, signal, background)
    signal = signal + args["iid_noise_scale"] * rng.randn(*signal.shape)
    slope = args["shear_scale"] * (rng.rand() - 0.5)
    signal = signal - slope * np.linspace(-0.5, 0.5, len(signal))
    return _stretch(signal, args["final_seq_length"]), _stretch(axis, args["final_seq_length"])


def generate_mnist1d(shuffle_seq: bool = False, **overrides) -> dict:
    """Build MNIST-1D from its templates: {"x", "y", "x_test", "y_test", "t"} (float64, int64).

    With the published settings (`MNIST1D_ARGS`) this equals the authors' frozen
    pickle. `shuffle_seq` permutes the points of every signal by one fixed
    permutation (the paper's shuffled variant: same signals, order destroyed).
    """
    args = {**MNIST1D_ARGS, **overrides, "shuffle_seq": bool(shuffle_seq)}
    rng = np.random.RandomState(args["seed"])
    templates, t = mnist1d_templates()
    per_class = args["num_samples"] // len(templates)
    signals, labels = [], []
    for label, template in enumerate(templates):
        for _ in range(per_class):
            signal, new_t = _distort(template, t, args, rng)
            signals.append(signal)
            labels.append(label)
    order = rng.permutation(len(labels))
    x, y = np.stack(signals)[order], np.asarray(labels, np.int64)[order]
    if args["shuffle_seq"]:
        x = x[:, rng.permutation(args["final_seq_length"])]
    new_t = new_t / x.std()
    x = (x - x.mean()) / x.std()
    split = int(len(y) * args["train_split"])
    return {"x": x[:split], "y": y[:split], "x_test": x[split:], "y_test": y[split:], "t": new_t}


class _NumpyOnlyUnpickler:
    """pickle.Unpickler that resolves only the NumPy globals an array pickle needs (no code runs)."""

    ALLOWED = {("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
               ("numpy", "ndarray"), ("numpy", "dtype"), ("numpy.core.multiarray", "scalar"),
               ("numpy._core.multiarray", "scalar")}

    def __new__(cls, handle):
        import pickle

        allowed = cls.ALLOWED

        class Unpickler(pickle.Unpickler):
            def find_class(self, module, name):
                if (module, name) not in allowed:
                    raise pickle.UnpicklingError(f"the MNIST-1D file refers to {module}.{name}, which is not allowed")
                return super().find_class(module, name)

        return Unpickler(handle)


def read_mnist1d_pickle(path: str | os.PathLike) -> dict:
    """The frozen MNIST-1D pickle as a dict of arrays, loaded allowing only NumPy's array globals.

    Raises ValueError for a file that is not such a pickle.
    """
    import pickle

    try:
        with open(path, "rb") as handle:
            data = _NumpyOnlyUnpickler(handle).load()
    except (pickle.UnpicklingError, EOFError, AttributeError, ImportError, IndexError, TypeError) as error:
        raise ValueError(f"{Path(path).name} is not a readable MNIST-1D pickle ({error})") from None
    if not isinstance(data, dict) or not {"x", "y", "x_test", "y_test"} <= set(data):
        raise ValueError(f"{Path(path).name} does not hold MNIST-1D's x, y, x_test and y_test arrays")
    return data


def load_mnist1d(shuffled: bool = False, max_train: int | None = None, max_test: int | None = None) -> Mnist1dSplits:
    """MNIST-1D's 4,000 training and 1,000 test signals, float32 (n, 40), labels int64.

    The normal variant is read from `CNNRNN_DATA_DIR/mnist1d/mnist1d_data.pkl` when
    that file exists and is otherwise generated (identical, offline, about a
    second). The shuffled variant is always generated. `max_train`/`max_test`
    keep the first signals (tiny presets).
    """
    root = data_dir()
    path = root / "mnist1d" / MNIST1D_PICKLE if root is not None else None
    if not shuffled and path is not None and path.is_file():
        data, source, digest = read_mnist1d_pickle(path), str(path), sha256_file(path)
    else:
        data, source, digest = generate_mnist1d(shuffle_seq=shuffled), "generated (seed 42)", ""
    x_train, y_train = np.asarray(data["x"], np.float32), np.asarray(data["y"], np.int64)
    x_test, y_test = np.asarray(data["x_test"], np.float32), np.asarray(data["y_test"], np.int64)
    if max_train is not None:
        x_train, y_train = x_train[:max_train], y_train[:max_train]
    if max_test is not None:
        x_test, y_test = x_test[:max_test], y_test[:max_test]
    return Mnist1dSplits(x_train, y_train, x_test, y_test, np.asarray(data["t"], np.float32), bool(shuffled),
                         source, digest)


def resample_signals(x: np.ndarray, length: int) -> np.ndarray:
    """Resample signals (n, L) to (n, length) float32 by linear interpolation over the same span."""
    x = np.asarray(x, np.float32)
    length = int(length)
    if length < 2:
        raise ValueError(f"a signal needs at least 2 points (got {length})")
    if x.shape[1] == length:
        return x.copy()
    old, new = np.linspace(0.0, 1.0, x.shape[1]), np.linspace(0.0, 1.0, length)
    index = np.clip(np.searchsorted(old, new, side="right") - 1, 0, x.shape[1] - 2)
    weight = ((new - old[index]) / (old[index + 1] - old[index])).astype(np.float32)
    return x[:, index] * (1 - weight) + x[:, index + 1] * weight


def shift_signals(x: np.ndarray, shift: int, mode: str = "roll") -> np.ndarray:
    """Translate signals (n, L) by `shift` points (positive: later); float32.

    mode "roll" wraps the points around (as MNIST-1D's own translations do);
    "pad" fills the vacated points with zeros (the dataset's mean) and drops the others.
    """
    x = np.asarray(x, np.float32)
    shift = int(shift)
    if mode == "roll":
        return np.roll(x, shift, axis=1)
    if mode != "pad":
        raise ValueError(f"mode must be 'roll' or 'pad', not {mode!r}")
    out = np.zeros_like(x)
    if abs(shift) >= x.shape[1]:
        return out
    if shift >= 0:
        out[:, shift:] = x[:, :x.shape[1] - shift]
    else:
        out[:, :shift] = x[:, -shift:]
    return out
