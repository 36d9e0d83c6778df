"""Generated scenes and their captions: the captioning task's data, drawn by the project itself.

Real captioning data and weights cannot ship, so the project draws its own
scenes and knows their true captions. A scene is one to three filled shapes
on a light background, placed side by side with clear gaps, so that "left of"
is never in doubt. The caption names them from left to right:

    caption := object ( " left of " object ){0,2}
    object  := "a" size colour shape
    size    := "small" | "large"        (bounding box 8-11 px or 17-23 px of 64)
    colour  := "red" | "green" | "blue" | "yellow"
    shape   := "circle" | "square" | "triangle"   (triangles point up)

e.g. "a large red circle left of a small blue square left of a small yellow
triangle". Shapes vary the way hand-drawn ones do: rough outlines, slight
rotation and stretch, off-white paper, colour jitter, noise, blur, unfilled
streaks. Scene i of a split is drawn from numpy's generator seeded with
(split_seed, i), so any scene can be regenerated on its own.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

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


def _rough_outline(
    shape: str, width: float, height: float, angle: float, rough: float, rng: np.random.Generator
) -> np.ndarray:
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
        corners = [(-w, -h), (w, -h), (w, h), (-w, h)] if shape == "square" else [(0.0, -h), (w, h), (-w, h)]
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
            shape, colour, size = (
                SHAPES[rng.integers(len(SHAPES))],
                list(COLOURS)[rng.integers(len(COLOURS))],
                ("small", "large")[rng.integers(2)],
            )
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
    big = side * supersample
    image = Image.new("RGB", (big, big), tuple(scene.background))
    draw = ImageDraw.Draw(image)
    for obj in scene.objects:
        draw.polygon([(x * big, y * big) for x, y in obj.outline], fill=tuple(obj.rgb))
        for x0, y0, x1, y1, width in obj.streaks:
            draw.line(
                [(x0 * big, y0 * big), (x1 * big, y1 * big)],
                fill=tuple(scene.background),
                width=max(1, round(width * big)),
            )
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
    """ "a small red circle" -> int32 ids of its words (no start or end); ValueError for an unknown word."""
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
        if (
            len(words) != 4
            or words[0] != "a"
            or words[1] not in SIZES
            or words[2] not in COLOURS
            or words[3] not in SHAPES
        ):
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
        inputs[row, 1 : len(ids) + 1] = ids
        targets[row, : len(ids)] = ids
        targets[row, len(ids)] = END
    return inputs, targets
