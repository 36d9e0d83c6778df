"""Greedy and beam-search decoding, one traced step per model for any input length.

`Translator` wraps a trained model and the subword vocabulary: raw English in, French out.
The encoder and the one-token step are each a `tf.function` whose input signature leaves the
batch and length axes open, so a sentence of any length reuses the same trace (`traces()`).
Greedy decoding runs a whole batch of sentences at once (the held-out scores); beam search
decodes one sentence with `beam` hypotheses in one batch, normalising scores by length.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import tensorflow as tf

from cnnrnn.tasks.translation.config import MAX_INPUT_CHARS, MAX_OUTPUT_TOKENS, MAX_SOURCE_TOKENS
from cnnrnn.tasks.translation.text import END_ID, PAD_ID, START_ID, UNK_ID, detokenise, normalise

LENGTH_PENALTY = 0.6  # beam scores are log-probability / length ** 0.6 (Wu et al. 2016)


def _open_spec(tensor):
    tensor = tf.convert_to_tensor(tensor)
    if tensor.dtype == tf.bool:  # the source mask: [batch, source length]
        return tf.TensorSpec([None] * tensor.shape.rank, tf.bool)
    return tf.TensorSpec([None] * (tensor.shape.rank - 1) + [tensor.shape[-1]], tensor.dtype)


def output_limit(source_length: int) -> int:
    """The most tokens a translation of `source_length` tokens may have."""
    return int(min(MAX_OUTPUT_TOKENS, 2 * source_length + 10))


@dataclass
class Translation:
    """One translation, with what the page shows beside it."""

    text: str
    source_pieces: list[str]
    output_pieces: list[str]
    attention: np.ndarray | None  # [output tokens, source tokens]; None for rnn_fixed
    vector: np.ndarray | None = None  # rnn_fixed: the one vector the decoder sees
    notices: list[str] = field(default_factory=list)
    score: float = 0.0


class Translator:
    """A model and its vocabulary, with traced encode and step functions."""

    def __init__(self, model, subwords, name: str | None = None):
        self.model, self.subwords, self.name = model, subwords, name or model.kind
        self.state_axis = model.state_batch_axis
        probe_src = tf.constant([[4, 5]], tf.int32)
        memory = model.encode(probe_src)
        state = model.initial_state(memory)
        mem_spec = tf.nest.map_structure(_open_spec, memory)
        state_spec = tf.nest.map_structure(_open_spec, state)
        self._encode = tf.function(self._encode_fn, input_signature=[tf.TensorSpec([None, None], tf.int32)])
        # Added to a step's log-probabilities: never padding or a second start (-inf there, 0 elsewhere).
        self._never = tf.tensor_scatter_nd_update(
            tf.zeros([model.vocab_size]), [[PAD_ID], [START_ID]], [-np.inf, -np.inf]
        )
        self._step = tf.function(
            self._step_fn,
            input_signature=[
                tf.TensorSpec([None], tf.int32),
                tf.TensorSpec([], tf.int32),
                state_spec,
                mem_spec,
                tf.TensorSpec([None], tf.int32),
            ],
        )

    def _encode_fn(self, src):
        memory = self.model.encode(src)
        return memory, self.model.initial_state(memory)

    def _step_fn(self, token, position, state, memory, parent):
        state = tf.nest.map_structure(lambda s: tf.gather(s, parent, axis=self.state_axis), state)
        logits, state, weights = self.model.step(token, position, state, memory)
        return tf.nn.log_softmax(logits), state, weights

    def traces(self) -> dict:
        return {
            "encode": self._encode.experimental_get_tracing_count(),
            "step": self._step.experimental_get_tracing_count(),
        }

    # ---- input ----
    def prepare(self, text: str) -> tuple[list[int], list[str], list[str]]:
        """Ids and pieces of an English text, with notices for what was cut; ValueError for nothing to translate."""
        notices = []
        if not isinstance(text, str):
            raise ValueError("type an English sentence to translate")
        if len(text) > MAX_INPUT_CHARS:
            notices.append(f"Only the first {MAX_INPUT_CHARS:,} characters were read.")
            text = text[:MAX_INPUT_CHARS]
        clean = normalise(text)
        if not clean:
            raise ValueError("type an English sentence to translate (the text is empty)")
        pieces = self.subwords.tokenise(clean)
        if len(pieces) > MAX_SOURCE_TOKENS:
            notices.append(
                f"The text was cut to its first {MAX_SOURCE_TOKENS} subword tokens "
                f"(of {len(pieces)}); the models were trained on sentences of up to about 20 words."
            )
            pieces = pieces[:MAX_SOURCE_TOKENS]
        ids = self.subwords.ids(pieces)
        unknown = sorted({p for p, i in zip(pieces, ids) if i == UNK_ID})
        if unknown:
            notices.append("Characters the models never saw are read as <unk>: " + " ".join(unknown)[:80])
        return ids, pieces, notices

    # ---- decoding ----
    def greedy_ids(self, sources: list[list[int]]) -> list[list[int]]:
        """Greedy translations of a batch of id lists (any lengths), as id lists without the end mark."""
        if not sources:
            return []
        width = max(1, max(len(s) for s in sources))
        src = np.full((len(sources), width), PAD_ID, np.int32)
        for k, s in enumerate(sources):
            src[k, : len(s)] = s
        memory, state = self._encode(tf.constant(src))
        limits = np.array([output_limit(len(s)) for s in sources])  # each sentence its own, as alone
        limit = int(limits.max())
        token = tf.fill([len(sources)], START_ID)
        keep = tf.range(len(sources), dtype=tf.int32)
        out = np.zeros((len(sources), limit), np.int32)
        done = np.zeros(len(sources), bool)
        for t in range(limit):
            logp, state, _ = self._step(token, tf.constant(t, tf.int32), state, memory, keep)
            logp = logp.numpy()
            logp[:, PAD_ID] = logp[:, START_ID] = -np.inf  # never padding or a second start (as in beam search)
            next_ids = np.argmax(logp, -1).astype(np.int32)
            next_ids[done] = PAD_ID
            out[:, t] = next_ids
            done |= (next_ids == END_ID) | (t + 1 >= limits)
            if done.all():
                break
            token = tf.constant(next_ids)
        results = []
        for row in out:
            ids = []
            for i in row:
                if i in (END_ID, PAD_ID):
                    break
                ids.append(int(i))
            results.append(ids)
        return results

    def translate_texts(self, texts: list[str], beam: int = 1, batch_size: int = 200) -> list[str]:
        """Translations of many texts, batched by length (held-out scoring): greedy, or a beam of `beam`.

        A batch holds `batch_size` sentences (times `beam` hypotheses for beam search)."""
        ids = [self.subwords.encode(t)[:MAX_SOURCE_TOKENS] or [UNK_ID] for t in texts]
        order = np.argsort([len(i) for i in ids], kind="stable")
        out: list[str] = [""] * len(texts)
        for start in range(0, len(order), batch_size):
            chunk = order[start : start + batch_size]
            batch = [ids[k] for k in chunk]
            results = self.greedy_ids(batch) if beam <= 1 else self.beam_batch_ids(batch, beam)
            for k, result in zip(chunk, results):
                out[k] = self.subwords.decode(result)
        return out

    def beam_batch_ids(self, sources: list[list[int]], beam: int = 4) -> list[list[int]]:
        """Beam search for a batch of sentences at once (rows sentence-major: n * beam + k), best ids each.

        The same search as `beam_ids` (length-normalised scores, finished when no live hypothesis can
        beat the best finished one), so held-out scores with a beam take one pass per batch.
        """
        n, beam = len(sources), max(1, int(beam))
        if n == 0:
            return []
        width = max(1, max(len(s) for s in sources))
        src = np.full((n, width), PAD_ID, np.int32)
        for i, s in enumerate(sources):
            src[i, : len(s)] = s
        memory, state = self._encode(tf.constant(src))
        memory = tf.nest.map_structure(lambda m: tf.repeat(m, beam, axis=0), memory)
        state = tf.nest.map_structure(lambda s: tf.repeat(s, beam, axis=self.state_axis), state)
        limits = np.array([output_limit(len(s)) for s in sources])
        scores = np.full((n, beam), -np.inf)
        scores[:, 0] = 0.0
        tokens = np.full(n * beam, START_ID, np.int32)
        parents = np.arange(n * beam, dtype=np.int32)
        history = np.zeros((n, beam, 0), np.int32)
        best = np.full(n, -np.inf)
        best_seq: list[list[int]] = [[] for _ in range(n)]
        done = np.zeros(n, bool)
        finished = np.zeros(n, int)  # hypotheses that reached the end mark, per sentence
        rows = np.arange(n)[:, None]
        width = 2 * beam  # candidates kept per hypothesis
        for t in range(int(limits.max())):
            logp, state, _ = self._step(
                tf.constant(tokens), tf.constant(t, tf.int32), state, memory, tf.constant(parents)
            )
            # The best 2 * beam continuations of a sentence are among the best 2 * beam words of each of its
            # hypotheses: TensorFlow picks those (sorted, ties to the lower word id), NumPy sorts the few.
            values, words = tf.math.top_k(logp + self._never, k=width)
            total = (scores[:, :, None] + values.numpy().reshape(n, beam, width)).reshape(n, -1)
            top = np.argsort(-total, axis=1, kind="stable")[:, : 2 * beam]  # ties: the lower hypothesis, word
            top_scores = np.take_along_axis(total, top, 1)
            top_beam, top_word = top // width, np.take_along_axis(words.numpy().reshape(n, -1), top, 1)
            # finished candidates: the end mark among the top 2 * beam
            ended = (top_word == END_ID) & np.isfinite(top_scores) & ~done[:, None]
            norm = top_scores / (t + 1) ** LENGTH_PENALTY
            for i, j in zip(*np.nonzero(ended)):
                finished[i] += 1
                if norm[i, j] > best[i]:
                    best[i] = norm[i, j]
                    best_seq[i] = history[i, top_beam[i, j]].tolist()
            # the live candidates: the best `beam` that did not end
            live = np.where(top_word == END_ID, np.inf, -top_scores)
            pick = np.argsort(live, axis=1, kind="stable")[:, :beam]
            new_scores = np.take_along_axis(top_scores, pick, 1)
            new_scores[np.take_along_axis(top_word, pick, 1) == END_ID] = -np.inf
            new_beam = np.take_along_axis(top_beam, pick, 1)
            new_word = np.take_along_axis(top_word, pick, 1)
            history = np.concatenate([history[rows, new_beam], new_word[:, :, None]], axis=2)
            scores = new_scores
            best_live = scores.max(1) / (t + 1) ** LENGTH_PENALTY
            at_limit = t + 1 >= limits
            for i in np.nonzero(at_limit & ~done & ~np.isfinite(best))[0]:  # ran out: the best live one
                best_seq[i] = history[i, int(np.argmax(scores[i]))].tolist()
                best[i] = best_live[i]
            done |= at_limit | ((finished >= beam) & (best >= best_live)) | ~np.isfinite(best_live)
            if done.all():
                break
            scores[done] = -np.inf  # finished sentences: keep feeding them, never extend them
            scores[done, 0] = 0.0
            tokens = new_word.reshape(-1).astype(np.int32)
            parents = (np.arange(n)[:, None] * beam + new_beam).reshape(-1).astype(np.int32)
        return best_seq

    def beam_ids(self, source: list[int], beam: int = 4):
        """The best hypothesis of a beam search: (ids, attention rows [tokens, source], score, vector)."""
        beam = max(1, int(beam))
        memory, state = self._encode(tf.constant([source], tf.int32))
        vector = memory[0].numpy()[0] if self.model.kind == "rnn_fixed" else None
        memory = tf.nest.map_structure(lambda m: tf.repeat(m, beam, axis=0), memory)
        state = tf.nest.map_structure(lambda s: tf.repeat(s, beam, axis=self.state_axis), state)
        limit = output_limit(len(source))
        tokens = np.full(beam, START_ID, np.int32)
        parents = np.arange(beam, dtype=np.int32)
        scores = np.full(beam, -np.inf)
        scores[0] = 0.0  # one live hypothesis at the start (the others are copies)
        history: list[list[int]] = [[] for _ in range(beam)]
        attn: list[list[np.ndarray]] = [[] for _ in range(beam)]
        finished = []
        for t in range(limit):
            logp, state, weights = self._step(
                tf.constant(tokens), tf.constant(t, tf.int32), state, memory, tf.constant(parents)
            )
            logp, weights = logp.numpy(), weights.numpy()
            logp[:, PAD_ID] = logp[:, START_ID] = -np.inf
            total = scores[:, None] + logp
            flat = np.argpartition(-total, 2 * beam - 1, axis=None)[: 2 * beam]
            flat = flat[np.argsort(-total.ravel()[flat], kind="stable")]
            new_tokens, new_parents, new_scores, new_hist, new_attn = [], [], [], [], []
            for f in flat:
                b, w = divmod(int(f), logp.shape[1])
                if not np.isfinite(total[b, w]):
                    continue
                seq, rows = history[b] + [w], attn[b] + [weights[b]]
                if w == END_ID:
                    finished.append((total[b, w] / len(seq) ** LENGTH_PENALTY, seq[:-1], rows[:-1]))
                    continue
                if len(new_tokens) < beam:
                    new_tokens.append(w), new_parents.append(b), new_scores.append(total[b, w])
                    new_hist.append(seq), new_attn.append(rows)
            best_live = max(new_scores) / (t + 1) ** LENGTH_PENALTY if new_scores else -np.inf
            if not new_tokens or (len(finished) >= beam and max(f[0] for f in finished) >= best_live):
                break
            while len(new_tokens) < beam:  # keep the batch full with dead copies
                new_tokens.append(new_tokens[0]), new_parents.append(new_parents[0]), new_scores.append(-np.inf)
                new_hist.append(new_hist[0]), new_attn.append(new_attn[0])
            tokens, parents = np.array(new_tokens, np.int32), np.array(new_parents, np.int32)
            scores, history, attn = np.array(new_scores), new_hist, new_attn
        if not finished:  # ran to the limit: the best live hypothesis
            b = int(np.argmax(scores))
            finished.append((scores[b] / max(1, len(history[b])) ** LENGTH_PENALTY, history[b], attn[b]))
        score, seq, rows = max(finished, key=lambda f: f[0])
        matrix = np.stack(rows)[:, : len(source)] if rows else np.zeros((0, len(source)))
        return seq, matrix, float(score), vector

    def translate(self, text: str, beam: int = 4) -> Translation:
        """One text: beam search (beam 1 is greedy), with its pieces, attention rows and notices."""
        ids, pieces, notices = self.prepare(text)
        seq, matrix, score, vector = self.beam_ids(ids, beam)
        out_pieces = [self.subwords.piece(i) for i in seq]
        return Translation(
            text=detokenise(out_pieces),
            source_pieces=pieces,
            output_pieces=out_pieces,
            attention=None if self.model.kind == "rnn_fixed" else matrix,
            vector=vector,
            notices=notices,
            score=score,
        )
