"""Raw text to subword pieces and back: exact round trips, French spacing, merges, unknown characters."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from cnnrnn.tasks.translation.text import (
    END_ID,
    PAD_ID,
    SPACE,
    START_ID,
    UNK_ID,
    Subwords,
    detokenise,
    learn_merges,
    normalise,
    words,
)

SENTENCES = [
    "Qu'est-ce que c'est ?",
    "Va !",
    "Je n'ai pas d'argent.",
    "Tom's car is red.",
    "Il fait 20 °C aujourd’hui…",
    "« Bonjour », dit-elle.",
]


def test_normalise_makes_every_space_plain_and_drops_control_characters():
    assert normalise("Va\u202f!\u00a0 Cours\t\n!") == "Va ! Cours !"
    assert normalise("a\x00b\x07c\u200bd") == "abcd"
    assert normalise("   ") == ""


def test_words_mark_the_pieces_that_follow_a_space():
    assert words("Qu'est-ce que c'est ?") == [
        f"{SPACE}Qu",
        "'",
        "est",
        "-",
        "ce",
        f"{SPACE}que",
        f"{SPACE}c",
        "'",
        "est",
        f"{SPACE}?",
    ]


def test_detokenising_the_pieces_gives_the_normalised_text_back():
    subwords = Subwords.learn(SENTENCES * 3, n_merges=40)
    for sentence in SENTENCES + ["Zanzibar's ßtraße: 12,5 %!"]:
        assert detokenise(subwords.tokenise(sentence)) == normalise(sentence)


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=80))
def test_any_text_round_trips_through_the_pieces(text):
    subwords = Subwords.learn(SENTENCES, n_merges=30)
    assert detokenise(subwords.tokenise(text)) == normalise(text)


def test_the_most_frequent_pair_is_merged_first_and_learning_is_deterministic():
    counts = {"abab": 5, "ab": 3, "cd": 2}
    merges = learn_merges(counts, 3)
    assert merges[0] == ("a", "b")
    assert merges == learn_merges(dict(counts), 3)
    assert ("ab", "ab") in merges  # abab -> ab ab -> abab


def test_ids_round_trip_and_unknown_characters_become_unk():
    subwords = Subwords.learn(SENTENCES, n_merges=50)
    ids = subwords.encode("Va !")
    assert subwords.decode(ids) == "Va !"
    assert UNK_ID in subwords.encode("Va 你好 !")
    assert subwords.decode([START_ID, *ids, END_ID, *ids]) == "Va !"  # stops at the end mark
    assert subwords.decode([PAD_ID, *ids, PAD_ID]) == "Va !"
    again = Subwords.from_json(subwords.to_json())
    assert again.encode("Qu'est-ce que c'est ?") == subwords.encode("Qu'est-ce que c'est ?")
