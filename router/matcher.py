"""One index over all keywords: whole words, quoted phrases and trailing-* prefixes, found in one pass."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from router.text import words


@dataclass(frozen=True)
class Keyword:
    """A compiled keyword: its words; the last may be a prefix."""

    text: str
    parts: tuple[str, ...]
    prefix: bool


def compile_keyword(text: str) -> Keyword:
    """Turn `obat*` or `rumah sakit` into a keyword of folded words."""
    prefix = text.endswith("*")
    parts = tuple(words(text.rstrip("*")))
    return Keyword(text=text, parts=parts, prefix=prefix)


class Match(NamedTuple):
    """One keyword found in a text: which keyword, and the word span it covers."""

    keyword: int
    start: int
    end: int


class Matcher:
    """Find every keyword occurrence in a text with a few dictionary lookups per word.

    One-word keywords are looked up by the word itself; prefixes by the word's first N letters for
    each prefix length in use; phrases by their first word, then checked word by word.
    """

    def __init__(self, keywords: list[Keyword]) -> None:
        self.keywords = keywords
        self._exact: dict[str, list[int]] = {}
        prefixes: dict[int, dict[str, list[int]]] = {}
        self._phrases: dict[str, list[tuple[int, tuple[str, ...], bool]]] = {}
        for index, kw in enumerate(keywords):
            if not kw.parts:
                continue
            if len(kw.parts) > 1:
                self._phrases.setdefault(kw.parts[0], []).append((index, kw.parts[1:], kw.prefix))
            elif kw.prefix:
                prefixes.setdefault(len(kw.parts[0]), {}).setdefault(kw.parts[0], []).append(index)
            else:
                self._exact.setdefault(kw.parts[0], []).append(index)
        self._prefixes = sorted(prefixes.items())
        # Every prefix is at least `_shortest` letters: a word whose first letters begin none of them skips the tables.
        self._shortest = self._prefixes[0][0] if self._prefixes else 0
        self._heads = {p[: self._shortest] for _, table in self._prefixes for p in table}

    def find(self, tokens: list[str]) -> list[Match]:
        """Return every keyword match in the word list, in order of position."""
        found: list[Match] = []
        exact, prefixes, phrases = self._exact, self._prefixes, self._phrases
        shortest, heads = self._shortest, self._heads
        n = len(tokens)
        for i, token in enumerate(tokens):
            hit = exact.get(token)
            if hit:
                found.extend(Match(kw, i, i + 1) for kw in hit)
            if prefixes and token[:shortest] in heads:
                size = len(token)
                for length, table in prefixes:
                    if length > size:
                        break
                    hit = table.get(token[:length])
                    if hit:
                        found.extend(Match(kw, i, i + 1) for kw in hit)
            candidates = phrases.get(token)
            if candidates:
                for kw, rest, prefix in candidates:
                    end = i + 1 + len(rest)
                    if end > n:
                        continue
                    following = tokens[i + 1 : end]
                    if prefix:
                        ok = following[:-1] == list(rest[:-1]) and following[-1].startswith(rest[-1])
                    else:
                        ok = following == list(rest)
                    if ok:
                        found.append(Match(kw, i, end))
        return found
