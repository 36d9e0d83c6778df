"""core.streaming.paced: a stream's pieces joined into chunks of about 50 ms for the browser."""

from __future__ import annotations

from cnnrnn.core.streaming import paced


def test_pieces_are_joined_into_chunks_of_the_given_time_and_nothing_is_lost():
    clock = iter([0.00, 0.01, 0.02, 0.06, 0.07, 0.08, 0.20, 0.21]).__next__  # one reading per non-empty piece
    pieces = ["a", "b", "", "c", "d", "e", "f", "g", "h"]
    chunks = list(paced(pieces, every=0.05, clock=clock))
    assert chunks == ["a", "bcd", "efg", "h"]  # the first at once, then every >= 50 ms; the rest at the end
    assert "".join(chunks) == "".join(pieces)


def test_a_slow_source_sends_every_piece_as_it_comes_and_an_empty_one_sends_nothing():
    clock = iter([0.0, 0.1, 0.2]).__next__
    assert list(paced(["x", "y", "z"], every=0.05, clock=clock)) == ["x", "y", "z"]
    assert list(paced([], every=0.05)) == []
