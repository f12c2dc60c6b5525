"""Where Chinese text may break into lines (标点禁则).

fpdf2 breaks Chinese between any two characters, so a line could start with "，" or end
with "（". `wrap` chooses the breaks the way Chinese typesetting does and hands fpdf2
lines that already fit: a closing mark stays on its line and pulls the character before
it down with it; an opening mark goes down with the character it opens; a Latin word or
a number (a phone number, a serial) is not cut unless it is longer than a line can hold.
"""

from collections.abc import Callable

# 行首禁则: never at the start of a line.
NO_START = frozenset("，。、；：？！）》」』】〕〉”’…—·%‰,.;:?!)]}>")
# 行尾禁则: never at the end of a line.
NO_END = frozenset("（《「『【〔〈“‘([{<")
# A run of marks this long may break anyway rather than pull the whole line down.
MAX_PULLED = 4
# Latin letters and digits stay together up to this length.
MAX_WORD = 24


def _is_latin(char: str) -> bool:
    return char.isascii() and char.isalnum()


def _pull(last: str, tail: str) -> bool:
    """Whether `last`, the end of a full line, must go down with `tail`."""
    if len(tail) <= MAX_PULLED and (tail[0] in NO_START or last in NO_END):
        return True
    return len(tail) <= MAX_WORD and _is_latin(last) and _is_latin(tail[0])


def wrap(text: str, width: float, measure: Callable[[str], float]) -> list[str]:
    """Lines of `text`, each at most `width` wide as `measure` sees it.

    Explicit line breaks are kept; a single character wider than `width` gets its own line.
    """
    lines: list[str] = []
    for source in text.split("\n"):
        line, line_width = "", 0.0
        for char in source:
            char_width = measure(char)
            if not line or line_width + char_width <= width:
                line, line_width = line + char, line_width + char_width
                continue
            if char == " ":
                lines.append(line.rstrip(" "))
                line, line_width = "", 0.0
                continue
            head, tail = line, char
            while _pull(head[-1], tail):
                if len(head) == 1:  # no break keeps the rules: cut where the line is full
                    head, tail = line, char
                    break
                head, tail = head[:-1], head[-1] + tail
            lines.append(head.rstrip(" "))
            line, line_width = tail, measure(tail)
        lines.append(line)
    return lines
