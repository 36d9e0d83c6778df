"""The regular forms of Tang poetry and the checker that tells whether a text keeps one. Pure Python.

A regular poem (近體詩) has 4 lines (絕句, a quatrain) or 8 lines (律詩, an octave) of exactly 5
(五言) or 7 (七言) characters. Each line ends with a punctuation mark. The first line of a couplet
ends with a pause (，；) or a question or exclamation (？！), never a full stop; the couplet ends
with a full stop (。) or ？！; the poem's last line always ends with 。？！. A couplet that runs on
into the next may end with a comma (the 300 anthology punctuates 靜夜思 as one sentence:
床前明月光，疑是地上霜，舉頭望明月，低頭思故鄉。), the last one never.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

FORMS = {"五言絕句": (5, 4), "七言絕句": (7, 4), "五言律詩": (5, 8), "七言律詩": (7, 8)}  # form -> (chars, lines)
FORM_NAMES = tuple(FORMS)
FORM_ENGLISH = {
    "五言絕句": "five-character quatrain",
    "七言絕句": "seven-character quatrain",
    "五言律詩": "five-character octave",
    "七言律詩": "seven-character octave",
}
AUTO = "auto"  # the form `generate` writes by default: a quatrain as long as the prime's first line
ANY = "any"  # no form asked for: the model chooses
FORM_CHOICES = (AUTO, ANY, *FORM_NAMES)
LINE_MARKS = "，。？！；"  # what ends a line
STOPS = "。？！"  # what may end a couplet (and must end the poem)
PAUSES = "，；？！"  # what may end the first line of a couplet
_LINE = re.compile(f"[^{LINE_MARKS}]*[{LINE_MARKS}]")


def split_lines(text: str) -> tuple[list[str], str]:
    """(lines, rest): each line its characters and its closing mark; rest: what follows the last mark."""
    lines = _LINE.findall(text)
    return lines, text[sum(len(line) for line in lines) :]


@dataclass(frozen=True)
class LineCheck:
    """One line of a poem against its form: its text, and whether its length and its mark are right."""

    text: str
    length_ok: bool
    mark_ok: bool

    @property
    def ok(self) -> bool:
        return self.length_ok and self.mark_ok


@dataclass(frozen=True)
class FormCheck:
    """A text against a form: every line checked, and what is missing or extra."""

    form: str
    lines: tuple[LineCheck, ...]
    missing: int  # lines the form needs that the text does not have
    extra: str  # text after the form's last line ("" when none)

    @property
    def ok(self) -> bool:
        return not self.missing and not self.extra and all(line.ok for line in self.lines)

    def kept_lines(self) -> int:
        """How many lines from the first keep their length and mark (the poem's form so far)."""
        count = 0
        for line in self.lines:
            if not line.ok:
                break
            count += 1
        return count

    def problems(self) -> list[str]:
        """Plain-language reasons the text is not in form ([] when it is)."""
        chars, _ = FORMS[self.form]
        out = []
        for i, line in enumerate(self.lines, start=1):
            if not line.length_ok:
                out.append(f"line {i} has {len(line.text) - 1} characters, not {chars}")
            elif not line.mark_ok:
                out.append(f"line {i} ends with {line.text[-1]}")
        if self.missing:
            out.append(f"{self.missing} line{'s' if self.missing != 1 else ''} missing")
        if self.extra:
            out.append(f"text after the last line: {self.extra[:12]}")
        return out


def check_form(text: str, form: str) -> FormCheck:
    """Check `text` (a whole poem, punctuation included, no line breaks needed) against `form`.

    Whitespace and line breaks are ignored. Raises ValueError for an unknown form name.
    """
    if form not in FORMS:
        raise ValueError(f"unknown form {form!r}; choose one of {', '.join(FORM_NAMES)}")
    chars, count = FORMS[form]
    text = "".join(str(text).split())
    lines, rest = split_lines(text)
    checked = []
    for i, line in enumerate(lines[:count]):
        last = i == count - 1
        mark = line[-1]
        if last:
            mark_ok = mark in STOPS
        elif i % 2 == 0:
            mark_ok = mark in PAUSES
        else:
            mark_ok = mark in STOPS or mark == "，"
        body = line[:-1]
        length_ok = len(body) == chars and not any(c in LINE_MARKS for c in body)
        checked.append(LineCheck(line, length_ok, mark_ok))
    extra = "".join(lines[count:]) + rest
    return FormCheck(form, tuple(checked), max(count - len(lines), 0), extra)


def in_form(text: str, form: str) -> bool:
    """Whether `text` is a poem of `form` (every line's length and mark right, nothing missing or extra)."""
    return check_form(text, form).ok


def form_of(text: str) -> str | None:
    """The regular form `text` keeps, or None (irregular: 古詩, 樂府, broken)."""
    lines, rest = split_lines("".join(str(text).split()))
    if rest or len(lines) not in (4, 8):
        return None
    for form, (chars, count) in FORMS.items():
        if count == len(lines) and len(lines[0]) == chars + 1 and in_form(text, form):
            return form
    return None


def quatrain_for(first_line: str) -> str | None:
    """The quatrain form whose lines are as long as `first_line`'s first line (5 or 7 characters), or None."""
    lines, _ = split_lines("".join(str(first_line).split()))
    if not lines:
        return None
    return {5: "五言絕句", 7: "七言絕句"}.get(len(lines[0]) - 1)
