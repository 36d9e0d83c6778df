"""Generation and scoring with a character model, and loading the shipped ones.

`CharPredictor` generates text statefully (one compiled step per character, sampling in
the graph) and scores each character of a text; it works for either model through the
model's own stepper (`model.stepper_for`). tf.function calls are thread-safe, so one
predictor serves every session of the dashboard.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from cnnrnn.core.inflight import inference
from cnnrnn.core.predictor import load_model
from cnnrnn.core.weights import require_files
from cnnrnn.tasks.charlm.config import CHARLM_NAMES
from cnnrnn.tasks.charlm.data import CharVocab, check_generation_settings, show_chars
from cnnrnn.tasks.charlm.model import model_kind, stepper_for

GREEDY_BELOW = 1e-3  # temperatures at or below this pick the most likely character (argmax)
SHOW_TOP = 5  # candidates recorded per generated character
CHUNK = 32  # characters per call of the compiled sampling function (the same for every caller)
MAX_PRIME_CHARS = 4000  # a longer prime is cut to its last characters
MAX_READ_CHARS = 5000  # "read my text" scores at most this many characters

CHARLM_VOCAB = "charlm_vocab.json"


# The server's LSTMs step without XLA: XLA's compiler costs the process about 50 MB of resident memory per
# model set (measured: +89 -> +35 MB for the two character models) for a step about 20% faster (4,300 ->
# 3,600 characters per second), and the page streams at a fraction of either. The command line and the
# benchmark keep XLA (CharPredictor's default).
SERVER_JIT = False


def model_file(name: str) -> str:
    """The shipped file of character model `name`: "charlm_lstm.keras"."""
    return f"charlm_{name}.keras"


def check_charlm_weights(weights_dir=None, names=CHARLM_NAMES) -> Path:
    """The weights directory, once its character-model files are known to exist (else FileNotFoundError)."""
    return require_files([CHARLM_VOCAB] + [model_file(name) for name in names], weights_dir, task="charlm")


class GenerationRun:
    """One generation, iterated for its text pieces (what `st.write_stream` takes).

    After (or during) iteration: `text` is what was generated, `steps` one dict
    per character (step, char, probability, entropy in nats, top: [(char, probability)]:
    the model's own distribution, before temperature and top-k), `prime` the prime
    actually fed, `notes` plain-language remarks (dropped characters, ...),
    `seconds` the time spent generating so far (not the time the consumer took between pieces),
    `finished` whether the model wrote its stop character (the predictor's `stop`: the text ends
    before it; its step is the last one recorded).
    """

    def __init__(
        self, predictor, ids, prime: str, notes: list[str], length: int, temperature: float, top_k: int, seed: int
    ):
        self.predictor, self._ids, self.prime, self.notes = predictor, ids, prime, notes
        self.length, self.temperature, self.top_k, self.seed = length, temperature, top_k, seed
        self.text, self.steps, self.seconds, self.finished = "", [], 0.0, False

    def __iter__(self):
        p = self.predictor
        start = time.perf_counter()
        state, logits = p._call("_feed", p.stepper.initial_state(), tf.constant(self._ids, tf.int32))
        done = 0
        while done < self.length:
            if done:
                start = time.perf_counter()  # time spent by the consumer between pieces does not count
            n = min(CHUNK, self.length - done)
            out = p._call(
                "_sample",
                state,
                logits,
                tf.constant(n, tf.int32),
                tf.constant(self.temperature, tf.float32),
                tf.constant(self.top_k, tf.int32),
                tf.constant(self.seed, tf.int64),
                tf.constant(done, tf.int64),
            )
            ids, top_ids, top_probs, entropy, chosen = (t.numpy() for t in out[:5])
            state, logits = out[5], out[6]
            piece = full = p.vocab.decode(ids)
            chars = p.vocab.chars
            if p.stop is not None and p.stop in piece:  # the model ended the text: keep what came before
                n = piece.index(p.stop) + 1
                piece, self.finished = piece[: n - 1], True
            for j in range(n):
                self.steps.append(
                    {
                        "step": done + j,
                        "char": full[j],
                        "probability": float(chosen[j]),
                        "entropy": float(entropy[j]),
                        "top": [(chars[c], float(q)) for c, q in zip(top_ids[j], top_probs[j])],
                    }
                )
            self.text += piece
            done += n
            self.seconds += time.perf_counter() - start
            if piece:
                yield piece
            if self.finished:
                return


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
    `banned`: characters never sampled (marks, padding); `stop`: a character that ends a
    generation (the Tang poems' end mark), or None.
    """

    def __init__(
        self,
        model: keras.Model,
        vocab,
        name: str | None = None,
        live: bool = False,
        jit_step: bool | None = None,
        banned: str = "",
        stop: str | None = None,
    ):
        self.model, self.vocab = model, vocab
        self.stop = stop
        bias = np.zeros(len(vocab), np.float32)
        bias[[vocab.index[c] for c in dict.fromkeys(banned) if c in vocab]] = -1e9
        self._bias = tf.constant(bias)
        self.kind = model_kind(model)
        self.name = name or self.kind
        self.stepper = stepper_for(model, live)
        self.receptive_field = self.stepper.receptive_field
        # XLA-compiling the step (not the loop) makes the LSTM's small matrix-vector products
        # about 4x faster on CPU and compiles in about a second; the CNN gains nothing from it.
        self.jit_step = self.kind == "lstm" if jit_step is None else bool(jit_step)
        self._rebuild = threading.Lock()  # sessions share a predictor: one thread rebuilds it without XLA
        self._build()
        self._forward = tf.function(
            lambda ids: model(ids, training=False), input_signature=[tf.TensorSpec([None, None], tf.int32)]
        )

    def _build(self):
        """The compiled step, feed and sample functions (rebuilt without XLA if XLA fails here)."""
        specs = self.stepper.state_specs
        vocab = self.vocab
        self._step = tf.function(self.stepper.__call__, jit_compile=True) if self.jit_step else self.stepper
        scalar = lambda dtype: tf.TensorSpec([], dtype)  # noqa: E731
        self._feed = tf.function(self._feed_impl, input_signature=[specs, tf.TensorSpec([None], tf.int32)])
        self._sample = tf.function(
            self._sample_impl,
            input_signature=[
                specs,
                tf.TensorSpec([len(vocab)], tf.float32),
                scalar(tf.int32),
                scalar(tf.float32),
                scalar(tf.int32),
                scalar(tf.int64),
                scalar(tf.int64),
            ],
        )
        self._batch = tf.function(
            self._batch_impl,
            input_signature=[
                tf.TensorSpec([None, None], tf.int32),
                tf.TensorSpec([], tf.int32),
                tf.TensorSpec([], tf.float32),
                tf.TensorSpec([], tf.int64),
            ],
        )

    def _call(self, name: str, *args):
        """self._feed / self._sample, falling back once to a step without XLA should XLA fail."""
        jit = self.jit_step
        try:
            with inference():  # live training waits between its batches while a piece is generated
                return getattr(self, name)(*args)
        except (tf.errors.InvalidArgumentError, tf.errors.UnimplementedError, tf.errors.InternalError):
            if not jit:
                raise
            with self._rebuild:  # sessions share the predictor: the first to fail rebuilds, the others use it
                if self.jit_step:
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
        uniform = tf.random.stateless_uniform(
            [CHUNK, vocab_size], seed=tf.stack([seed, offset]), minval=1e-12, maxval=1.0
        )
        noise = tf.where(greedy, tf.zeros_like(uniform), -tf.math.log(-tf.math.log(uniform)))
        k = tf.where((top_k > 0) & (top_k < vocab_size), top_k, vocab_size)

        def truncate(scaled):
            kth = tf.math.top_k(scaled, k).values[k - 1]
            return tf.where(scaled >= kth, scaled, tf.fill(tf.shape(scaled), -1e30))

        def body(i, state, logits, ids, seen):
            scaled = logits * inverse_t + self._bias
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

    def _batch_impl(self, prefix, length, temperature, seed):
        """Feed (batch, P) prefixes, then sample `length` characters for each: (batch, length) int32."""
        weights = self.stepper.weights()
        batch = tf.shape(prefix)[0]
        state = self.stepper.batch_state(batch)
        logits = tf.zeros([batch, len(self.vocab)], tf.float32)

        def feed(i, state, logits):
            state, logits = self.stepper.step_batch(weights, state, prefix[:, i])
            return i + 1, state, logits

        _, state, logits = tf.while_loop(lambda i, *_: i < tf.shape(prefix)[1], feed, (tf.constant(0), state, logits))
        greedy = temperature <= GREEDY_BELOW
        inverse_t = tf.where(greedy, 1.0, 1.0 / tf.maximum(temperature, GREEDY_BELOW))

        def body(i, state, logits, ids):
            uniform = tf.random.stateless_uniform(
                tf.shape(logits), seed=tf.stack([seed, tf.cast(i, tf.int64)]), minval=1e-12, maxval=1.0
            )
            noise = tf.where(greedy, tf.zeros_like(uniform), -tf.math.log(-tf.math.log(uniform)))
            char_ids = tf.argmax(logits * inverse_t + self._bias + noise, axis=1, output_type=tf.int32)
            state, logits = self.stepper.step_batch(weights, state, char_ids)
            return i + 1, state, logits, ids.write(i, char_ids)

        ids = tf.TensorArray(tf.int32, size=length)
        _, _, _, ids = tf.while_loop(lambda i, *_: i < length, body, (tf.constant(0), state, logits, ids))
        return tf.transpose(ids.stack())

    def generate_batch(self, prefixes: np.ndarray, length: int, temperature: float = 1.0, seed: int = 0) -> np.ndarray:
        """Many texts at once: (batch, P) int32 prefix ids -> (batch, length) int32 sampled ids.

        Each row samples from its own prefix (no top-k); the noise of step i is drawn for the
        whole batch from (seed, i), so a row's text depends on the seed and on its place in
        the batch. Rows go on past the stop character: cut them there (`vocab.decode` first).
        """
        out = self._batch(
            tf.constant(np.asarray(prefixes, np.int32)),
            tf.constant(int(length), tf.int32),
            tf.constant(float(temperature), tf.float32),
            tf.constant(int(seed), tf.int64),
        )
        return out.numpy()

    # --- Python API ---------------------------------------------------------
    def prepare_prime(self, prime: str) -> tuple[np.ndarray, str, list[str]]:
        """(ids int32, the prime fed, notes): unknown characters dropped, long primes cut, empty -> newline."""
        notes = []
        prime = prime if isinstance(prime, str) else ""
        prime = prime.replace("\r\n", "\n").replace("\r", "\n")
        ids, kept, unknown = self.vocab.encode_known(prime)
        if unknown:
            dropped = len(prime) - len(kept)
            notes.append(
                f"Left out {dropped:,} character{'s' if dropped != 1 else ''} this model has never seen: "
                f"{show_chars(unknown)}."
            )
        if len(kept) > MAX_PRIME_CHARS:
            notes.append(f"The prime is {len(kept):,} characters long; only its last {MAX_PRIME_CHARS:,} are read.")
            kept, ids = kept[-MAX_PRIME_CHARS:], ids[-MAX_PRIME_CHARS:]
        if not kept:
            start = "\n" if "\n" in self.vocab else self.vocab.chars[0]
            if prime:
                notes.append("None of the prime's characters are known to this model; it starts from a new line.")
            kept, ids = start, self.vocab.encode(start)
        return ids, kept, notes

    def stream(
        self, prime: str, length: int = 400, temperature: float = 1.0, top_k: int = 0, seed: int = 0
    ) -> GenerationRun:
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


def load_charlm(weights_dir=None, names=None, jit_step: bool | None = None) -> dict:
    """The shipped character models, name -> CharPredictor ("lstm", "cnn"), sharing one vocabulary.

    jit_step: compile the LSTM's step with XLA (None: CharPredictor's default, yes for the LSTM)."""
    names = tuple(names or CHARLM_NAMES)
    root = check_charlm_weights(weights_dir, names)
    vocab = CharVocab.load(root / CHARLM_VOCAB)
    return {name: CharPredictor(load_model(root / model_file(name)), vocab, name, jit_step=jit_step) for name in names}
