"""The form checker and the poems' data helpers (pure Python, no TensorFlow): the anthology's regular poems
pass, broken poems fail, the held-out split is fixed."""

from __future__ import annotations

import pytest

from cnnrnn.core.data import data_dir
from cnnrnn.tasks.charlm.tang.data import (
    ANY_FORM,
    END,
    FORM_MARKS,
    TITLE_END,
    Poem,
    clean_poem,
    heldout_mask,
    sequence_text,
)
from cnnrnn.tasks.charlm.tang.form import FORMS, check_form, form_of, in_form, quatrain_for

QUATRAIN = "白日依山盡，黃河入海流。欲窮千里目，更上一層樓。"
OCTAVE = "國破山河在，城春草木深。感時花濺淚，恨別鳥驚心。烽火連三月，家書抵萬金。白頭搔更短，渾欲不勝簪。"
SEVEN = "朝辭白帝彩雲間，千里江陵一日還。兩岸猿聲啼不住，輕舟已過萬重山。"
HAVE_DATA = data_dir() is not None and (data_dir() / "tang-poems" / "tangshi300.tsv").is_file()


def test_regular_poems_pass_and_say_their_form():
    assert in_form(QUATRAIN, "五言絕句") and form_of(QUATRAIN) == "五言絕句"
    assert in_form(OCTAVE, "五言律詩") and form_of(OCTAVE) == "五言律詩"
    assert in_form(SEVEN, "七言絕句") and form_of(SEVEN) == "七言絕句"
    assert in_form("床前明月光，疑是地上霜，舉頭望明月，低頭思故鄉。", "五言絕句"), "a couplet may run on with a comma"
    assert in_form("君自故鄉來，應知故鄉事。來日綺窗前，寒梅著花未？", "五言絕句"), "a question may end the poem"
    assert in_form("白日依山盡，\n黃河入海流。\n欲窮千里目，\n更上一層樓。\n", "五言絕句"), "line breaks are ignored"
    assert quatrain_for("床前明月光，") == "五言絕句" and quatrain_for("朝辭白帝彩雲間，") == "七言絕句"
    assert quatrain_for("床前明月") is None and quatrain_for("") is None


@pytest.mark.parametrize(
    "broken, why",
    [
        ("白日依山盡，黃河入海流。欲窮千里目，更上一層。", "line 4 has 4 characters, not 5"),
        ("白日依山盡，黃河入海流。欲窮千里目，更上一層樓樓。", "line 4 has 6 characters, not 5"),
        ("白日依山盡。黃河入海流。欲窮千里目，更上一層樓。", "line 1 ends with 。"),
        ("白日依山盡，黃河入海流。欲窮千里目，更上一層樓，", "line 4 ends with ，"),
        ("白日依山盡，黃河入海流。欲窮千里目，更上一層樓", "1 line missing"),
        ("白日依山盡，黃河入海流。欲窮千里目，", "1 line missing"),
        ("白日依山盡，黃河入海流。欲窮千里目，更上一層樓。黃河入海流。", "text after the last line"),
        ("白日依山盡黃河，入海流。欲窮千里目，更上一層樓。", "line 1 has 7 characters, not 5"),
        ("", "4 lines missing"),
    ],
)
def test_broken_quatrains_fail_with_the_reason(broken, why):
    check = check_form(broken, "五言絕句")
    assert not check.ok and not in_form(broken, "五言絕句")
    assert any(why in problem for problem in check.problems()), check.problems()


def test_a_poem_of_another_form_fails_and_unknown_forms_are_refused():
    assert not in_form(QUATRAIN, "七言絕句") and not in_form(QUATRAIN, "五言律詩")
    assert not in_form(OCTAVE, "五言絕句"), "an octave is not a quatrain: its lines 5 to 8 are extra"
    assert check_form(OCTAVE[:24], "五言律詩").missing == 4 and check_form(OCTAVE[:24], "五言律詩").kept_lines() == 4
    assert form_of("長風破浪會有時，直掛雲帆濟滄海。") is None, "two lines are no regular form"
    with pytest.raises(ValueError, match="unknown form"):
        check_form(QUATRAIN, "sonnet")


@pytest.mark.skipif(not HAVE_DATA, reason="the Tang poems are not in the data directory")
def test_every_regular_poem_of_the_300_anthology_passes_and_broken_copies_fail():
    from cnnrnn.tasks.charlm.tang.data import load_anthology

    rows = [row for row in load_anthology() if row["form"] in FORMS]
    assert len(rows) == 213
    for row in rows:
        assert in_form(row["text"], row["form"]), (row["title"], row["text"])
        assert form_of(row["text"]) == row["form"]
        chars, _ = FORMS[row["form"]]
        cut = row["text"][: chars - 1] + row["text"][chars:]  # the first line one character short
        assert not in_form(cut, row["form"]) and form_of(cut) is None
        assert not in_form(row["text"][:-1], row["form"]), "without its last mark"
    others = [row for row in load_anthology() if row["form"] not in FORMS]
    assert sum(form_of(row["text"]) is None for row in others) > len(others) // 2, "most 古詩 and 樂府 are irregular"


def test_editors_notes_and_spaces_are_cleaned_off():
    assert clean_poem("邏人（一作「叉」）橫鳥道，江祖出魚梁。 (梁 一作：樑)") == "邏人橫鳥道，江祖出魚梁。"
    assert clean_poem("回樂烽前沙似雪，(回樂一作：回樂）受降城外月如霜。") == "回樂烽前沙似雪，受降城外月如霜。"


def test_the_heldout_split_is_a_fixed_seeded_share_of_the_poems():
    mask = heldout_mask(57_599)
    assert mask.sum() == round(57_599 * 0.05) and (mask == heldout_mask(57_599)).all()
    assert (mask != heldout_mask(57_599, seed=20)).any()


def test_a_sequence_is_a_mark_maybe_a_title_the_poem_and_the_end_mark():
    poem = Poem("登鸛雀樓", "王之渙", QUATRAIN, "五言絕句")
    texts = {sequence_text(poem, i) for i in range(40)}
    assert all(t.endswith(QUATRAIN + END) for t in texts)
    assert {t[0] for t in texts} == {FORM_MARKS["五言絕句"], ANY_FORM}, "the form's mark, or now and then 'any form'"
    assert any(t[1:].startswith("登鸛雀樓" + TITLE_END) for t in texts) and any(t[1:].startswith("白日") for t in texts)
    assert sequence_text(poem, 7) == sequence_text(poem, 7), "seeded by the poem's index"
