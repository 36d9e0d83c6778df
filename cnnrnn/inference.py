"""Fast predictors and model introspection for single images and small batches.

A predictor wraps a model's forward pass in a `tf.function` whose input
signature leaves the batch (and, for the size-agnostic models, height and
width) as None, so every input size runs on one trace. `model.predict` is never
used for single items: it costs tens of milliseconds of setup per call.
tf.function calls are thread-safe, so one predictor serves every session.
`CharPredictor` generates text statefully (one compiled step per character,
sampling in the graph) and scores each character of a text.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf
import keras


def _signature(model: keras.Model) -> tf.TensorSpec:
    shape = list(model.inputs[0].shape)  # (None, H, W, 1) with H/W None when free
    return tf.TensorSpec([None, *shape[1:]], tf.float32)


def in_batches(predict, items, batch_size: int, empty: np.ndarray) -> np.ndarray:
    """`predict` on `items` `batch_size` at a time, the results concatenated (`empty` for no items)."""
    out = [predict(items[i:i + batch_size]) for i in range(0, len(items), batch_size)]
    return np.concatenate(out) if out else empty


def _keras_error(run) -> str | None:
    """Call `run()`; return Keras's (or TensorFlow's) error message, cut to 400 characters, or None."""
    try:
        run()
    except Exception as error:  # Keras raises ValueError; TF may raise InvalidArgumentError
        text = str(error).strip()
        return text.splitlines()[0] if len(text) < 400 else text[:400] + "..."
    return None


class ImagePredictor:
    """Call with float32 images (n, H, W) or (n, H, W, 1) in [0, 1]; returns (n, classes) float32."""

    def __init__(self, model: keras.Model):
        self.model = model
        self.name = model.name
        self.input_shape = tuple(model.inputs[0].shape[1:])  # (H, W, 1); None where free
        self._forward = tf.function(lambda x: model(x, training=False),
                                    input_signature=[_signature(model)])

    def __call__(self, images: np.ndarray) -> np.ndarray:
        x = np.asarray(images, dtype=np.float32)
        if x.ndim == 3:
            x = x[..., None]
        return self._forward(tf.constant(x)).numpy()

    def predict_one(self, image: np.ndarray) -> np.ndarray:
        """(H, W) float32 image -> (classes,) probabilities."""
        return self(np.asarray(image, np.float32)[None])[0]

    def predict_batches(self, images: np.ndarray, batch_size: int = 1000) -> np.ndarray:
        """Probabilities for many images, `batch_size` at a time."""
        return in_batches(self, images, batch_size, np.zeros((0, self.model.outputs[0].shape[-1]), np.float32))

    @property
    def traces(self) -> int:
        """How many concrete functions the predictor has traced (1 is the goal)."""
        return self._forward.experimental_get_tracing_count()


def fixed_size_error(model: keras.Model, image: np.ndarray) -> str | None:
    """Run `model` eagerly on one (H, W) image and return Keras's own error, or None.

    This is what happens when a Flatten-headed CNN is handed an input that is
    not the size it was built for.
    """
    x = np.asarray(image, np.float32)[None, :, :, None]
    return _keras_error(lambda: model(x, training=False))


def conv_feature_maps(model: keras.Model, image: np.ndarray) -> dict[str, np.ndarray]:
    """Activations of each Conv2D layer for one (H, W) image: name -> (h, w, channels)."""
    convs = [layer for layer in model.layers if isinstance(layer, keras.layers.Conv2D)]
    probe = keras.Model(model.inputs, [layer.output for layer in convs])
    outputs = probe(np.asarray(image, np.float32)[None, :, :, None], training=False)
    if not isinstance(outputs, (list, tuple)):
        outputs = [outputs]
    return {layer.name: np.asarray(out)[0] for layer, out in zip(convs, outputs)}


def rnn_hidden_states(model: keras.Model, image: np.ndarray, layer: str = "lstm1") -> np.ndarray:
    """The row RNN's hidden state after each row: (rows, units) float32."""
    probe = keras.Model(model.inputs, model.get_layer(layer).output)
    return np.asarray(probe(np.asarray(image, np.float32)[None, :, :, None], training=False))[0]


def load_model(path) -> keras.Model:
    """Load one shipped `.keras` file with Keras's safe mode on (no arbitrary code)."""
    return keras.saving.load_model(path, compile=False, safe_mode=True)


def load_image_models(weights_dir=None) -> dict[str, keras.Model]:
    """The three shipped MNIST models, name -> keras.Model, from `weights_dir` (default: shipped)."""
    from pathlib import Path

    from cnnrnn.models import MODEL_NAMES
    from cnnrnn.train import WEIGHTS_DIR

    root = Path(weights_dir) if weights_dir else WEIGHTS_DIR
    missing = [n for n in MODEL_NAMES if not (root / f"mnist_{n}.keras").is_file()]
    if missing:
        raise FileNotFoundError(f"no weights for {', '.join(missing)} in {root}; run: python -m cnnrnn train mnist")
    return {name: load_model(root / f"mnist_{name}.keras") for name in MODEL_NAMES}


# --- Sentiment: raw strings in, P(positive) out ---


class TextPredictor:
    """Call with a list of str; returns (n,) float32 probabilities that each text is positive.

    The forward pass is a tf.function with input signature `TensorSpec([None],
    tf.string)`: every batch size and every text length runs on one trace
    (`traces` stays 1). Texts are made valid UTF-8 first (`text.clean`).
    """

    def __init__(self, model: keras.Model):
        self.model = model
        self.name = model.name.removeprefix("sentiment_")
        self._forward = tf.function(lambda texts: tf.reshape(model(texts, training=False), [-1]),
                                    input_signature=[tf.TensorSpec([None], tf.string)])

    def __call__(self, texts) -> np.ndarray:
        from cnnrnn.text import clean

        if isinstance(texts, str):
            raise TypeError("pass a list of texts; use predict_one for a single text")
        texts = [clean(t).encode("utf-8") for t in texts]
        if not texts:
            return np.zeros((0,), np.float32)
        return self._forward(tf.constant(texts, tf.string)).numpy()

    def predict_one(self, text: str) -> float:
        """One text -> P(positive) in [0, 1]."""
        return float(self([text])[0])

    def predict_batches(self, texts, batch_size: int = 256) -> np.ndarray:
        """(n,) float32 P(positive) for many texts, `batch_size` at a time."""
        return in_batches(self, list(texts), batch_size, np.zeros((0,), np.float32))

    @property
    def sequence_length(self) -> int | None:
        """The fixed number of tokens the model reads (the CNN's), or None (the RNN: any)."""
        return self.model.get_layer("vectorize").get_config().get("output_sequence_length")

    @property
    def vocabulary(self) -> frozenset:
        """The tokens the model knows (without padding and [UNK])."""
        if not hasattr(self, "_vocabulary"):
            self._vocabulary = frozenset(self.model.get_layer("vectorize").get_vocabulary()[2:])
        return self._vocabulary

    @property
    def traces(self) -> int:
        """How many concrete functions the predictor has traced (1 is the goal)."""
        return self._forward.experimental_get_tracing_count()

    def counted_evidence(self, text: str, limit: int | None = None) -> list[dict]:
        """The fixed naive-Bayes numbers the model reads beside each word's learned embedding.

        One dict per token read (the CNN's first `sequence_length`; at most `limit`):
        position (1-based), token, known (in the vocabulary), word_ratio (the word's
        log-count ratio on the training sentences, > 0 leaning positive, 0 for unknown
        words), and for a model with a word-pair channel (the CNN) pair (this word and
        the next) and pair_ratio (0 for a pair it never saw). [] without the channel.
        """
        from cnnrnn.models import bigram_buckets
        from cnnrnn.text import clean, tokenize

        tables = self._counted()["tables"]
        if not tables:
            return []
        text = clean(text)
        tokens = tokenize(text)
        ids = self.model.get_layer("vectorize")(self.model.get_layer("standardize")(tf.constant([text]))).numpy()
        read = min(len(tokens), ids.shape[1])  # the CNN's window cuts the rest
        count = min(read, limit) if limit is not None else read
        words = tables[0]
        rows = [{"position": i + 1, "token": tokens[i], "known": bool(ids[0, i] > 1),
                 "word_ratio": float(words[ids[0, i]])} for i in range(count)]
        if len(tables) > 1:
            pairs = tables[1]
            buckets = np.asarray(bigram_buckets(ids, len(pairs)))[0]
            for i, row in enumerate(rows):
                following = tokens[i + 1] if i + 1 < read else None
                row["pair"] = f"{tokens[i]} {following}" if following else None
                row["pair_ratio"] = float(pairs[buckets[i]])
        return rows

    def counted_score(self, evidence: list[dict]) -> dict | None:
        """The CNN's naive-Bayes score: `counted_evidence(text)`'s ratios summed over the words it reads.

        {"word": sum of the word ratios, "pair": sum of the pair ratios (None without
        a pair channel)}: the numbers its output unit reads beside its filters
        (`models.SumOverWords`). None for a model that does not read them (the RNN).
        """
        counted = self._counted()
        if not counted["score"]:
            return None
        return {"word": float(sum(r["word_ratio"] for r in evidence)),
                "pair": float(sum(r["pair_ratio"] for r in evidence)) if len(counted["tables"]) > 1 else None}

    def _counted(self) -> dict:
        """Read once from the core: "tables", its frozen ratio tables (word, then pair; [] without
        the channel), and "score", whether its output unit reads their sums (`nb_score`)."""
        if not hasattr(self, "_counted_parts"):
            core = self.model.get_layer(f"{self.name}_core")
            names = {layer.name for layer in core.layers}
            self._counted_parts = {
                "tables": [core.get_layer(n).get_weights()[0][:, 0] for n in ("nb_ratio", "nb_bigram_ratio")
                           if n in names],
                "score": "nb_score" in names}
        return self._counted_parts


def load_sentiment_models(weights_dir=None) -> dict[str, keras.Model]:
    """The two shipped sentiment models, "rnn" and "cnn" -> keras.Model, from `weights_dir`."""
    from pathlib import Path

    from cnnrnn.models import SENTIMENT_NAMES  # registers Standardize and PadToMinLength
    from cnnrnn.train import WEIGHTS_DIR

    root = Path(weights_dir) if weights_dir else WEIGHTS_DIR
    missing = [n for n in SENTIMENT_NAMES if not (root / f"sentiment_{n}.keras").is_file()]
    if missing:
        raise FileNotFoundError(f"no sentiment weights for {', '.join(missing)} in {root}; "
                                "run: python -m cnnrnn train sentiment")
    return {name: load_model(root / f"sentiment_{name}.keras") for name in SENTIMENT_NAMES}


def load_sentiment_predictors(weights_dir=None) -> dict[str, TextPredictor]:
    """"rnn" and "cnn" -> TextPredictor over the shipped models."""
    return {name: TextPredictor(model) for name, model in load_sentiment_models(weights_dir).items()}


# --- Character models: stateful generation and scoring (the generation page) ---

from cnnrnn.data import check_generation_settings  # noqa: E402  (TensorFlow-free checks)

GREEDY_BELOW = 1e-3  # temperatures at or below this pick the most likely character (argmax)
SHOW_TOP = 5  # candidates recorded per generated character
CHUNK = 32  # characters per call of the compiled sampling function (the same for every caller)
MAX_PRIME_CHARS = 4000  # a longer prime is cut to its last characters
MAX_READ_CHARS = 5000  # "read my text" scores at most this many characters


def _lstm_layers(model: keras.Model) -> list:
    return [layer for layer in model.layers if isinstance(layer, keras.layers.LSTM)]


def _reader(live: bool):
    """Weights as tf.constant snapshots (shipped models), or the live variables (a model in training)."""
    if live:
        return lambda variable: variable.value
    return lambda variable: tf.constant(np.asarray(variable))


class _LSTMStepper:
    """One character in, next-character logits out, carrying (h, c) per LSTM layer.

    Keras's LSTM: z = [x, h] [W; U] + b split into gates i, f, g, o;
    c' = sigmoid(f) c + sigmoid(i) tanh(g); h' = sigmoid(o) tanh(c').
    `weights()` runs once per compiled call (it fuses W and U into one matrix);
    `__call__` once per character.
    """

    def __init__(self, model: keras.Model, live: bool = False):
        read = _reader(live)
        self.embedding = read(model.get_layer("embedding").embeddings)
        self.cells = []
        for layer in _lstm_layers(model):
            cell = layer.cell
            if cell.activation is not keras.activations.tanh or cell.recurrent_activation is not keras.activations.sigmoid:
                raise ValueError("the stepper supports tanh/sigmoid LSTMs only")
            self.cells.append((read(cell.kernel), read(cell.recurrent_kernel), read(cell.bias), cell.units))
        dense = model.get_layer("logits")
        self.out_kernel, self.out_bias = read(dense.kernel), read(dense.bias)
        self.state_specs = tuple(tf.TensorSpec([1, units], tf.float32) for (*_, units) in self.cells for _ in (0, 1))

    def initial_state(self) -> tuple:
        return tuple(tf.zeros(spec.shape, tf.float32) for spec in self.state_specs)

    def weights(self) -> dict:
        return {"embedding": self.embedding, "out": (self.out_kernel, self.out_bias),
                "cells": [(tf.concat([kernel, recurrent], axis=0), bias) for kernel, recurrent, bias, _ in self.cells]}

    def __call__(self, weights: dict, state: tuple, char_id: tf.Tensor):
        x = tf.gather(weights["embedding"], char_id[None])  # (1, embedding_dim)
        new_state = []
        for i, (fused, bias) in enumerate(weights["cells"]):
            h, c = state[2 * i], state[2 * i + 1]
            z = tf.matmul(tf.concat([x, h], axis=1), fused) + bias
            zi, zf, zg, zo = tf.split(z, 4, axis=1)
            c = tf.sigmoid(zf) * c + tf.sigmoid(zi) * tf.tanh(zg)
            h = tf.sigmoid(zo) * tf.tanh(c)
            new_state += [h, c]
            x = h
        kernel, bias = weights["out"]
        return tuple(new_state), (tf.matmul(x, kernel) + bias)[0]


class _CNNStepper:
    """One character in, next-character logits out, for the causal dilated CNN.

    Fast (WaveNet-style) generation: each block keeps a buffer of its last
    (kernel - 1) * dilation + 1 inputs, so a step costs one position per layer
    instead of a pass over the whole receptive field. Zeros in the buffers are
    exactly the causal zero padding the full model sees at the start of a text.
    """

    def __init__(self, model: keras.Model, live: bool = False):
        read = _reader(live)
        self.embedding = read(model.get_layer("embedding").embeddings)
        self.blocks = []
        names = {layer.name for layer in model.layers}
        i = 1
        while f"conv{i}" in names:
            conv, norm, mix = (model.get_layer(f"{kind}{i}") for kind in ("conv", "norm", "mix"))
            size, dilation = conv.kernel_size[0], conv.dilation_rate[0]
            self.blocks.append({"norm": (read(norm.gamma), read(norm.beta), norm.epsilon),
                                "kernel": read(conv.kernel), "bias": read(conv.bias),
                                "dilation": dilation, "span": (size - 1) * dilation + 1,
                                "mix": (read(mix.kernel), read(mix.bias))})
            i += 1
        out_norm = model.get_layer("norm_out")
        self.out_norm = (read(out_norm.gamma), read(out_norm.beta), out_norm.epsilon)
        dense = model.get_layer("logits")
        self.out_kernel, self.out_bias = read(dense.kernel), read(dense.bias)
        self.receptive_field = 1 + sum(b["span"] - 1 for b in self.blocks)
        channels = int(self.embedding.shape[1])
        self.state_specs = tuple(tf.TensorSpec([b["span"], channels], tf.float32) for b in self.blocks)

    def initial_state(self) -> tuple:
        return tuple(tf.zeros(spec.shape, tf.float32) for spec in self.state_specs)

    def weights(self) -> dict:
        blocks = []
        for b in self.blocks:
            kernel = b["kernel"]  # (size, channels, filters) -> (size * channels, filters), taps oldest first
            blocks.append({"norm": b["norm"], "dilation": b["dilation"], "bias": b["bias"],
                           "kernel": tf.reshape(kernel, [-1, tf.shape(kernel)[2]]),
                           "mix": (b["mix"][0][0], b["mix"][1])})
        return {"embedding": self.embedding, "blocks": blocks, "norm": self.out_norm,
                "out": (self.out_kernel, self.out_bias)}

    @staticmethod
    def _norm(x, params):
        gamma, beta, epsilon = params
        centred = x - tf.reduce_mean(x, axis=-1, keepdims=True)
        variance = tf.reduce_mean(tf.square(centred), axis=-1, keepdims=True)
        return centred * (tf.math.rsqrt(variance + epsilon) * gamma) + beta

    def __call__(self, weights: dict, state: tuple, char_id: tf.Tensor):
        x = tf.gather(weights["embedding"], char_id[None])  # (1, channels)
        new_state = []
        for buffer, block in zip(state, weights["blocks"]):
            buffer = tf.concat([buffer[1:], self._norm(x, block["norm"])], axis=0)  # oldest first
            taps = tf.reshape(buffer[:: block["dilation"]], [1, -1])  # t - (size-1)d, ..., t - d, t
            y = tf.nn.relu(tf.matmul(taps, block["kernel"]) + block["bias"])
            mix_kernel, mix_bias = block["mix"]
            x = x + tf.matmul(y, mix_kernel) + mix_bias
            new_state.append(buffer)
        x = self._norm(x, weights["norm"])
        kernel, bias = weights["out"]
        return tuple(new_state), (tf.matmul(x, kernel) + bias)[0]


class GenerationRun:
    """One generation, iterated for its text pieces (what `st.write_stream` takes).

    After (or during) iteration: `text` is what was generated, `steps` one dict
    per character (step, char, probability, entropy in nats, top: [(char, probability)]:
    the model's own distribution, before temperature and top-k), `prime` the prime
    actually fed, `notes` plain-language remarks (dropped characters, ...),
    `seconds` the time spent generating so far (not the time the consumer took between pieces).
    """

    def __init__(self, predictor, ids, prime: str, notes: list[str], length: int, temperature: float,
                 top_k: int, seed: int):
        self.predictor, self._ids, self.prime, self.notes = predictor, ids, prime, notes
        self.length, self.temperature, self.top_k, self.seed = length, temperature, top_k, seed
        self.text, self.steps, self.seconds = "", [], 0.0

    def __iter__(self):
        import time

        p = self.predictor
        start = time.perf_counter()
        state, logits = p._call("_feed", p.stepper.initial_state(), tf.constant(self._ids, tf.int32))
        done = 0
        while done < self.length:
            if done:
                start = time.perf_counter()  # time spent by the consumer between pieces does not count
            n = min(CHUNK, self.length - done)
            out = p._call("_sample", state, logits, tf.constant(n, tf.int32), tf.constant(self.temperature, tf.float32),
                            tf.constant(self.top_k, tf.int32), tf.constant(self.seed, tf.int64),
                            tf.constant(done, tf.int64))
            ids, top_ids, top_probs, entropy, chosen = (t.numpy() for t in out[:5])
            state, logits = out[5], out[6]
            piece = p.vocab.decode(ids)
            chars = p.vocab.chars
            for j in range(n):
                self.steps.append({"step": done + j, "char": piece[j], "probability": float(chosen[j]),
                                   "entropy": float(entropy[j]),
                                   "top": [(chars[c], float(q)) for c, q in zip(top_ids[j], top_probs[j])]})
            self.text += piece
            done += n
            self.seconds += time.perf_counter() - start
            yield piece


class CharPredictor:
    """Generation and scoring for one character model; thread-safe (state lives per call).

    - `stream(prime, length, temperature, top_k, seed)`: a GenerationRun yielding text
      pieces; stateful single-step inference, CHUNK characters per call of one compiled
      function (a tf.while_loop over the stepper, sampling in the graph).
    - `generate(...)`: the same, as one string; the same seed gives the same text.
    - `read(text)`: each character's probability given the characters before it.
    - `token_losses(ids)`: (batch, length) int32 -> (batch, length - 1) float32 nats per character.
    Temperature 0 (or below GREEDY_BELOW) is greedy; top_k 0 keeps every character.
    `live=True` reads the model's variables at each call (for a model still training);
    otherwise the weights are snapshotted when the predictor is built.
    """

    def __init__(self, model: keras.Model, vocab, name: str | None = None, live: bool = False,
                 jit_step: bool | None = None):
        self.model, self.vocab = model, vocab
        self.kind = "lstm" if _lstm_layers(model) else "cnn"
        self.name = name or self.kind
        self.stepper = (_LSTMStepper if self.kind == "lstm" else _CNNStepper)(model, live)
        self.receptive_field = getattr(self.stepper, "receptive_field", None)
        # XLA-compiling the step (not the loop) makes the LSTM's small matrix-vector products
        # about 4x faster on CPU and compiles in about a second; the CNN gains nothing from it.
        self.jit_step = self.kind == "lstm" if jit_step is None else bool(jit_step)
        self._build()
        self._forward = tf.function(lambda ids: model(ids, training=False),
                                    input_signature=[tf.TensorSpec([None, None], tf.int32)])

    def _build(self):
        """The compiled step, feed and sample functions (rebuilt without XLA if XLA fails here)."""
        specs = self.stepper.state_specs
        vocab = self.vocab
        self._step = tf.function(self.stepper.__call__, jit_compile=True) if self.jit_step else self.stepper
        scalar = lambda dtype: tf.TensorSpec([], dtype)  # noqa: E731
        self._feed = tf.function(self._feed_impl, input_signature=[specs, tf.TensorSpec([None], tf.int32)])
        self._sample = tf.function(self._sample_impl, input_signature=[
            specs, tf.TensorSpec([len(vocab)], tf.float32), scalar(tf.int32), scalar(tf.float32), scalar(tf.int32),
            scalar(tf.int64), scalar(tf.int64)])

    def _call(self, name: str, *args):
        """self._feed / self._sample, falling back once to a step without XLA should XLA fail."""
        try:
            return getattr(self, name)(*args)
        except (tf.errors.InvalidArgumentError, tf.errors.UnimplementedError, tf.errors.InternalError):
            if not self.jit_step:
                raise
            self.jit_step = False
            self._build()
            return getattr(self, name)(*args)

    # --- compiled pieces ----------------------------------------------------
    def _feed_impl(self, state, ids):
        """Feed ids (at least one) through the stepper: (state, logits after the last id)."""
        weights = self.stepper.weights()
        logits = tf.zeros([len(self.vocab)], tf.float32)

        def body(i, state, logits):
            state, logits = self._step(weights, state, ids[i])
            return i + 1, state, logits

        _, state, logits = tf.while_loop(lambda i, *_: i < tf.shape(ids)[0], body, (tf.constant(0), state, logits))
        return state, logits

    def _sample_impl(self, state, logits, n, temperature, top_k, seed, offset):
        """Sample n <= CHUNK characters; the statistics are computed once, after the loop."""
        vocab_size = len(self.vocab)
        weights = self.stepper.weights()
        greedy = temperature <= GREEDY_BELOW
        inverse_t = tf.where(greedy, 1.0, 1.0 / tf.maximum(temperature, GREEDY_BELOW))
        # Gumbel-max: argmax(logits / T + Gumbel noise) is a draw from softmax(logits / T).
        # The noise of a chunk depends only on (seed, offset of the chunk's first character).
        uniform = tf.random.stateless_uniform([CHUNK, vocab_size], seed=tf.stack([seed, offset]),
                                              minval=1e-12, maxval=1.0)
        noise = tf.where(greedy, tf.zeros_like(uniform), -tf.math.log(-tf.math.log(uniform)))
        k = tf.where((top_k > 0) & (top_k < vocab_size), top_k, vocab_size)

        def truncate(scaled):
            kth = tf.math.top_k(scaled, k).values[k - 1]
            return tf.where(scaled >= kth, scaled, tf.fill(tf.shape(scaled), -1e30))

        def body(i, state, logits, ids, seen):
            scaled = logits * inverse_t
            scaled = tf.cond(k < vocab_size, lambda: truncate(scaled), lambda: scaled)
            char_id = tf.argmax(scaled + noise[i], output_type=tf.int32)
            ids, seen = ids.write(i, char_id), seen.write(i, logits)
            state, logits = self._step(weights, state, char_id)
            return i + 1, state, logits, ids, seen

        arrays = (tf.TensorArray(tf.int32, size=n), tf.TensorArray(tf.float32, size=n))
        _, state, logits, ids, seen = tf.while_loop(lambda i, *_: i < n, body, (tf.constant(0), state, logits, *arrays))
        ids, seen = ids.stack(), seen.stack()  # (n,), (n, vocab_size)
        log_probs = tf.nn.log_softmax(seen)
        probs = tf.exp(log_probs)
        entropy = -tf.reduce_sum(probs * log_probs, axis=1)
        top = tf.math.top_k(probs, min(SHOW_TOP, vocab_size))
        chosen = tf.gather(probs, ids, batch_dims=1)
        return ids, top.indices, top.values, entropy, chosen, state, logits

    # --- Python API ---------------------------------------------------------
    def prepare_prime(self, prime: str) -> tuple[np.ndarray, str, list[str]]:
        """(ids int32, the prime fed, notes): unknown characters dropped, long primes cut, empty -> newline."""
        from cnnrnn.data import _show_chars

        notes = []
        prime = prime if isinstance(prime, str) else ""
        prime = prime.replace("\r\n", "\n").replace("\r", "\n")
        ids, kept, unknown = self.vocab.encode_known(prime)
        if unknown:
            dropped = len(prime) - len(kept)
            notes.append(f"Left out {dropped:,} character{'s' if dropped != 1 else ''} this model has never seen: "
                         f"{_show_chars(unknown)}.")
        if len(kept) > MAX_PRIME_CHARS:
            notes.append(f"The prime is {len(kept):,} characters long; only its last {MAX_PRIME_CHARS:,} are read.")
            kept, ids = kept[-MAX_PRIME_CHARS:], ids[-MAX_PRIME_CHARS:]
        if not kept:
            start = "\n" if "\n" in self.vocab else self.vocab.chars[0]
            if prime:
                notes.append("None of the prime's characters are known to this model; it starts from a new line.")
            kept, ids = start, self.vocab.encode(start)
        return ids, kept, notes

    def stream(self, prime: str, length: int = 400, temperature: float = 1.0, top_k: int = 0,
               seed: int = 0) -> GenerationRun:
        """A GenerationRun: iterate it for text pieces. Raises ValueError on bad settings."""
        length, temperature, top_k, seed = check_generation_settings(length, temperature, top_k, seed)
        ids, kept, notes = self.prepare_prime(prime)
        return GenerationRun(self, ids, kept, notes, length, temperature, top_k, seed)

    def generate(self, prime: str, length: int = 400, temperature: float = 1.0, top_k: int = 0, seed: int = 0) -> str:
        """`length` characters following `prime` (the prime itself is not included)."""
        return "".join(self.stream(prime, length, temperature, top_k, seed))

    def token_losses(self, ids: np.ndarray) -> np.ndarray:
        """(batch, length) int32 -> (batch, length - 1) float32: -log p(char t+1 | chars <= t), in nats."""
        ids = np.asarray(ids, np.int32)
        logits = self._forward(tf.constant(ids))
        losses = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=ids[:, 1:], logits=logits[:, :-1])
        return losses.numpy()

    def next_distribution(self, text: str) -> np.ndarray:
        """(vocab_size,) float32 probabilities of the character after `text`, by a full forward pass."""
        ids = self.vocab.encode(text)
        logits = self._forward(tf.constant(ids[None]))[0, -1]
        return tf.nn.softmax(logits).numpy()

    def read(self, text: str) -> list[dict]:
        """Each character of `text` (at most MAX_READ_CHARS) with the model's probability for it.

        One dict per character: char, known (in the vocabulary), probability (None for
        the first known character and for unknown ones), loss in nats (or None).
        Unknown characters are skipped by the model (it reads the text without them).
        """
        text = text[:MAX_READ_CHARS]
        rows = [{"char": c, "known": c in self.vocab, "probability": None, "loss": None} for c in text]
        known = [i for i, row in enumerate(rows) if row["known"]]
        if len(known) >= 2:
            ids = self.vocab.encode("".join(text[i] for i in known))
            losses = self.token_losses(ids[None])[0]
            for i, loss in zip(known[1:], losses):
                rows[i]["loss"] = float(loss)
                rows[i]["probability"] = float(np.exp(-loss))
        return rows


def load_charlm(weights_dir=None, names=None) -> dict:
    """The shipped character models, name -> CharPredictor ("lstm", "cnn"), sharing one vocabulary."""
    from cnnrnn.data import CharVocab
    from cnnrnn.models import CHARLM_NAMES
    from cnnrnn.train import check_charlm_weights

    names = tuple(names or CHARLM_NAMES)
    root = check_charlm_weights(weights_dir, names)
    vocab = CharVocab.load(root / "charlm_vocab.json")
    return {name: CharPredictor(load_model(root / f"charlm_{name}.keras"), vocab, name) for name in names}


# --- Captioning (one to many): the encoder once, then the decoder one word at a time ---

CAPTIONS_FILE = "captions_model.keras"
CAPTION_TOP = 5  # candidates recorded per decoding step


class CaptionPredictor:
    """Greedy and beam-search decoding with a trained `models.build_caption_model`.

    Two tf.functions reuse the trained layers: `encode` (images (n, 64, 64, 3)
    float32 in [0, 1] -> the decoder's initial state h, c and the per-step image
    context) and `step` (previous word ids (n,) int32 and the state -> log
    probabilities of the next word (n, vocab) and the new state). Their input
    signatures leave the batch free, so greedy decoding of 1 or 1,000 images
    and beam search over width x images all run on one trace each.
    Thread-safe: the functions only read the weights.
    """

    def __init__(self, model: keras.Model, max_length: int | None = None):
        from cnnrnn.config import CAPTIONS
        from cnnrnn.data import CAPTION_VOCAB

        self.model = model
        self.vocab = CAPTION_VOCAB
        self.max_length = int(max_length or CAPTIONS.max_length)
        image = model.get_layer("image").output
        side = int(image.shape[1])
        self.image_size = side
        names = {layer.name for layer in model.layers}
        has_context = "step_context" in names
        outputs = [model.get_layer("init_h").output, model.get_layer("init_c").output]
        if has_context:
            outputs.append(model.get_layer("step_context").output)
        encoder = keras.Model(model.inputs[0], outputs, name="caption_encoder")
        embedding, cell = model.get_layer("embedding"), model.get_layer("decoder").cell
        head = model.get_layer("logits")
        units = int(model.get_layer("init_h").output.shape[-1])
        context_dim = int(model.get_layer("step_context").output.shape[-1]) if has_context else 0
        self.units, self.context_dim = units, context_dim

        def encode(images):
            out = encoder(images, training=False)
            h, c = out[0], out[1]
            context = out[2] if has_context else tf.zeros([tf.shape(images)[0], 0])
            return h, c, context

        def step(tokens, h, c, context):
            x = embedding(tokens)
            if has_context:
                x = tf.concat([x, context], axis=-1)
            out, (h_next, c_next) = cell(x, [h, c], training=False)
            return tf.nn.log_softmax(head(out), axis=-1), h_next, c_next

        state = tf.TensorSpec([None, units], tf.float32)
        self._encode = tf.function(encode, input_signature=[tf.TensorSpec([None, side, side, 3], tf.float32)])
        self._step = tf.function(step, input_signature=[tf.TensorSpec([None], tf.int32), state, state,
                                                        tf.TensorSpec([None, context_dim], tf.float32)])

    def _images(self, images) -> tf.Tensor:
        x = np.asarray(images, np.float32)
        if x.ndim == 3:
            x = x[None]
        if x.shape[1:] != (self.image_size, self.image_size, 3):
            raise ValueError(f"the encoder takes (n, {self.image_size}, {self.image_size}, 3) images, "
                             f"not {x.shape}")
        return tf.constant(x)

    def greedy_ids(self, images, record_top: int = 0):
        """(n, 64, 64, 3) float32 -> (n, max_length) int32 word ids (the likeliest word at each step).

        With record_top > 0, also returns, per step, the top candidates of the
        first image: a list of {"step", "chosen", "candidates": [(word, p), ...]}.
        """
        from cnnrnn.data import END, START

        x = self._images(images)
        h, c, context = self._encode(x)
        n = int(x.shape[0])
        tokens = tf.fill([n], START)
        out = np.zeros((n, self.max_length), np.int32)
        done = np.zeros(n, bool)
        steps = []
        for t in range(self.max_length):
            logp, h, c = self._step(tokens, h, c, context)
            logp = logp.numpy()
            chosen = logp.argmax(axis=1).astype(np.int32)
            chosen[done] = 0
            out[:, t] = chosen
            if record_top and not done[0]:
                order = np.argsort(-logp[0])[:record_top]
                steps.append({"step": t + 1, "chosen": self.vocab[chosen[0]],
                              "candidates": [(self.vocab[i], float(np.exp(logp[0, i]))) for i in order]})
            done |= chosen == END
            if done.all():
                break
            tokens = tf.constant(chosen)
        return (out, steps) if record_top else out

    def greedy(self, images, batch_size: int = 500) -> list[str]:
        """Captions of (n, 64, 64, 3) float32 images by greedy decoding."""
        from cnnrnn.data import decode_caption

        x = np.asarray(images, np.float32)
        ids = [self.greedy_ids(x[i:i + batch_size]) for i in range(0, len(x), batch_size)]
        return [decode_caption(row) for part in ids for row in part]

    def beam_ids(self, images, width: int = 3):
        """Beam search: keep the `width` likeliest partial captions at every step.

        Returns (ids (n, width, max_length) int32, log probabilities (n, width)
        float32), the beams of each image best first, and the per-step beams of
        the first image: [{"step", "beams": [(words so far, p), ...]}].
        """
        from cnnrnn.data import END, START, decode_caption

        x = self._images(images)
        n, w, vocab = int(x.shape[0]), int(width), len(self.vocab)
        h, c, context = self._encode(x)
        repeat = lambda t: tf.repeat(t, w, axis=0)  # noqa: E731  (n, ...) -> (n * w, ...)
        h, c, context = repeat(h), repeat(c), repeat(context)
        scores = np.full((n, w), -np.inf, np.float64)
        scores[:, 0] = 0.0  # one live beam to start with: the others are copies
        seqs = np.zeros((n, w, self.max_length), np.int32)
        finished = np.zeros((n, w), bool)
        tokens = np.full(n * w, START, np.int32)
        history = []
        for t in range(self.max_length):
            logp, h, c = self._step(tf.constant(tokens), h, c, context)
            logp = logp.numpy().astype(np.float64).reshape(n, w, vocab)
            # A finished beam only continues with padding, at no cost.
            logp[finished] = -np.inf
            logp[finished, 0] = 0.0
            total = (scores[:, :, None] + logp).reshape(n, w * vocab)
            best = np.argsort(-total, axis=1, kind="stable")[:, :w]
            parent, word = best // vocab, (best % vocab).astype(np.int32)
            scores = np.take_along_axis(total, best, axis=1)
            seqs = np.take_along_axis(seqs, parent[:, :, None], axis=1)
            seqs[:, :, t] = word
            finished = np.take_along_axis(finished, parent, axis=1) | (word == END) | (word == 0)
            rows = (np.arange(n)[:, None] * w + parent).reshape(-1)
            h, c = tf.gather(h, rows), tf.gather(c, rows)
            tokens = word.reshape(-1)
            history.append({"step": t + 1, "beams": [(decode_caption(seqs[0, b, :t + 1]) +
                                                      (" <end>" if finished[0, b] else ""),
                                                      float(np.exp(scores[0, b])))
                                                     for b in range(w) if np.isfinite(scores[0, b])]})
            if finished.all():
                break
        return seqs, scores.astype(np.float32), history

    def beam(self, images, width: int = 3, batch_size: int = 250) -> list[str]:
        """Captions of (n, 64, 64, 3) float32 images by beam search (the best beam of each)."""
        from cnnrnn.data import decode_caption

        x = np.asarray(images, np.float32)
        out = []
        for i in range(0, len(x), batch_size):
            seqs, _, _ = self.beam_ids(x[i:i + batch_size], width)
            out += [decode_caption(row[0]) for row in seqs]
        return out

    def caption_one(self, image: np.ndarray, width: int = 3) -> dict:
        """One (64, 64, 3) image: greedy and beam captions with their step-by-step record.

        Returns {"greedy": str, "greedy_steps": [...], "beam": str, "beam_probability": float,
        "beams": [(caption, p), ...], "beam_steps": [...]}.
        """
        from cnnrnn.data import decode_caption

        ids, steps = self.greedy_ids(np.asarray(image, np.float32)[None], record_top=CAPTION_TOP)
        seqs, scores, history = self.beam_ids(np.asarray(image, np.float32)[None], width)
        beams = [(decode_caption(seqs[0, b]), float(np.exp(scores[0, b]))) for b in range(seqs.shape[1])
                 if np.isfinite(scores[0, b])]
        return {"greedy": decode_caption(ids[0]), "greedy_steps": steps, "beam": beams[0][0],
                "beam_probability": beams[0][1], "beams": beams, "beam_steps": history}

    @property
    def traces(self) -> int:
        """Concrete functions traced by encode and step together (2 is the goal)."""
        return self._encode.experimental_get_tracing_count() + self._step.experimental_get_tracing_count()


def load_caption_model(weights_dir=None) -> keras.Model:
    """The shipped captioning model from `weights_dir` (default: shipped); FileNotFoundError if missing."""
    from pathlib import Path

    import cnnrnn.models  # noqa: F401  (registers BroadcastSteps for safe-mode loading)
    from cnnrnn.train import WEIGHTS_DIR

    path = (Path(weights_dir) if weights_dir else WEIGHTS_DIR) / CAPTIONS_FILE
    if not path.is_file():
        raise FileNotFoundError(f"no {CAPTIONS_FILE} in {path.parent}; run: python -m cnnrnn train captions")
    return load_model(path)


def load_caption_predictor(weights_dir=None) -> CaptionPredictor:
    return CaptionPredictor(load_caption_model(weights_dir))


def fixed_size_error_rgb(model: keras.Model, image: np.ndarray) -> str | None:
    """Run the captioner's encoder eagerly on one (H, W, 3) image and return Keras's error, or None."""
    from cnnrnn.data import START

    x = np.asarray(image, np.float32)[None]
    return _keras_error(lambda: model([x, np.array([[START]], np.int32)], training=False))


# --- MNIST-1D: signals in, digit probabilities out ---


class SignalPredictor:
    """Call with float32 signals (n, length); returns (n, 10) float32 probabilities.

    The forward pass is a tf.function with input signature (None, length) for
    the models tied to 40 points and (None, None) for the CNN and the GRU, so
    every batch size and every length runs on one trace.
    """

    def __init__(self, model: keras.Model, name: str | None = None):
        self.model = model
        self.name = name or model.name.removeprefix("mnist1d_")
        self.length = model.inputs[0].shape[1]  # None: any length
        self._forward = tf.function(lambda x: model(x, training=False),
                                    input_signature=[tf.TensorSpec([None, self.length], tf.float32)])

    def __call__(self, signals: np.ndarray) -> np.ndarray:
        x = np.asarray(signals, np.float32)
        if x.ndim != 2:
            raise ValueError(f"expected signals shaped (n, length), got shape {x.shape}")
        if self.length is not None and x.shape[1] != self.length:
            raise ValueError(f"{self.name} reads exactly {self.length} points, not {x.shape[1]}")
        return self._forward(tf.constant(x)).numpy()

    def predict_one(self, signal: np.ndarray) -> np.ndarray:
        """(length,) float32 signal -> (10,) probabilities."""
        return self(np.asarray(signal, np.float32)[None])[0]

    def predict_batches(self, signals: np.ndarray, batch_size: int = 1000) -> np.ndarray:
        return in_batches(self, signals, batch_size, np.zeros((0, self.model.outputs[0].shape[-1]), np.float32))

    def accuracy(self, signals: np.ndarray, labels: np.ndarray) -> float:
        return float(np.mean(self.predict_batches(signals).argmax(1) == np.asarray(labels)))

    @property
    def traces(self) -> int:
        return self._forward.experimental_get_tracing_count()


def load_mnist1d_predictors(weights_dir=None, names=None) -> dict:
    """The shipped MNIST-1D models as name -> SignalPredictor (all of train.MNIST1D_MODELS by default)."""
    from cnnrnn.train import MNIST1D_MODELS, check_mnist1d_weights

    names = list(names or MNIST1D_MODELS)
    root = check_mnist1d_weights(weights_dir, names)
    return {name: SignalPredictor(load_model(root / f"mnist1d_{name}.keras"), name) for name in names}
