"""One automaton over all keywords: whole words, quoted phrases and trailing-* prefixes."""

from __future__ import annotations

from dataclasses import dataclass, field

from router.text import words


@dataclass(frozen=True)
class Keyword:
    """A compiled keyword: its words; the last may be a prefix."""

    text: str
    parts: tuple[str, ...]
    prefix: bool


@dataclass
class _Node:
    exact: dict[str, _Node] = field(default_factory=dict)
    prefixes: dict[str, _Node] = field(default_factory=dict)  # char trie of prefix edges
    ends: list[int] = field(default_factory=list)  # keywords ending here on an exact word
    prefix_ends: list[int] = field(default_factory=list)  # keywords ending at a prefix edge


def compile_keyword(text: str) -> Keyword:
    """Turn `obat*` or `rumah sakit` into a keyword of folded words."""
    prefix = text.endswith("*")
    parts = tuple(words(text.rstrip("*")))
    return Keyword(text=text, parts=parts, prefix=prefix)


@dataclass(frozen=True)
class Match:
    """One keyword found in a text: which keyword, and the word span it covers."""

    keyword: int
    start: int
    end: int


class Matcher:
    """Find every keyword occurrence in a text in one pass over its words."""

    def __init__(self, keywords: list[Keyword]) -> None:
        self.keywords = keywords
        self._root = _Node()
        for index, kw in enumerate(keywords):
            node = self._root
            for i, part in enumerate(kw.parts):
                last = i == len(kw.parts) - 1
                if last and kw.prefix:
                    trie = node.prefixes
                    leaf = None
                    for ch in part:
                        leaf = trie.setdefault(ch, _Node())
                        trie = leaf.prefixes
                    assert leaf is not None
                    leaf.prefix_ends.append(index)
                else:
                    node = node.exact.setdefault(part, _Node())
                    if last:
                        node.ends.append(index)

    def find(self, tokens: list[str]) -> list[Match]:
        """Return every keyword match in the word list, in order of position."""
        found: list[Match] = []
        root = self._root
        n = len(tokens)
        for start in range(n):
            frontier = [root]
            pos = start
            while frontier and pos < n:
                token = tokens[pos]
                nxt = []
                for node in frontier:
                    if node.prefixes:
                        trie = node.prefixes
                        for ch in token:
                            leaf = trie.get(ch)
                            if leaf is None:
                                break
                            for kw in leaf.prefix_ends:
                                found.append(Match(kw, start, pos + 1))
                            trie = leaf.prefixes
                    child = node.exact.get(token)
                    if child is not None:
                        for kw in child.ends:
                            found.append(Match(kw, start, pos + 1))
                        if child.exact or child.prefixes:
                            nxt.append(child)
                frontier = nxt
                pos += 1
        return found
