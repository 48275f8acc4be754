"""Read a YAML document into plain Python values plus the line of every key and item."""

from __future__ import annotations

from dataclasses import dataclass, field

import yaml

Path_ = tuple[str | int, ...]


class YamlError(Exception):
    """A YAML file that cannot be read; carries the line of the problem."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


@dataclass
class Document:
    """A parsed YAML document and where each of its parts stands."""

    data: object
    lines: dict[Path_, int] = field(default_factory=dict)

    def line_of(self, path: Path_) -> int:
        """Return the line of the deepest known part of `path` (1 for the whole file)."""
        path = tuple(path)
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get((), 1)


def _convert(node: yaml.Node, path: Path_, lines: dict[Path_, int], loader: yaml.SafeLoader) -> object:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out: dict[str, object] = {}
        for key_node, value_node in node.value:
            key = loader.construct_scalar(key_node) if isinstance(key_node, yaml.ScalarNode) else None
            if not isinstance(key, str):
                raise YamlError(key_node.start_mark.line + 1, "mapping keys must be plain strings")
            if key in out:
                raise YamlError(key_node.start_mark.line + 1, f'duplicate key "{key}"')
            out[key] = _convert(value_node, path + (key,), lines, loader)
            lines[path + (key,)] = key_node.start_mark.line + 1
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_convert(item, path + (i,), lines, loader) for i, item in enumerate(node.value)]
    return loader.construct_object(node, deep=True)


# libyaml's composer where PyYAML was built with it: the same nodes and lines, about ten times faster. It words
# its errors differently, so a file it cannot read is read again by the pure-Python loader for the message.
FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse(text: str) -> Document:
    """Parse one YAML document; raise YamlError with a line for syntax errors."""
    try:
        try:
            node = yaml.compose(text, Loader=FAST_LOADER)
        except yaml.YAMLError:
            node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        raise YamlError(line, f"YAML syntax error: {exc.problem or exc}") from None
    except yaml.YAMLError as exc:
        raise YamlError(1, f"YAML syntax error: {exc}") from None
    doc = Document(data=None)
    if node is None:
        doc.data = {}
        return doc
    doc.data = _convert(node, (), doc.lines, yaml.SafeLoader(""))
    return doc
