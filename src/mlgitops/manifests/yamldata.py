"""Python data from a composed YAML document, as PyYAML's safe constructor builds it, in one walk.

The safe constructor is generic (generators, deferred state, a resolver per node); manifests are plain
mappings, lists and scalars. This builds those directly and gives up (``Unusual``) on anything else:
merge keys, non-scalar keys, or any tag other than the plain ones (sets, ordered maps, custom tags),
for which the caller uses the safe constructor itself.
"""

from typing import Any

import yaml

_TAG = "tag:yaml.org,2002:"
_STR, _MAP, _SEQ = _TAG + "str", _TAG + "map", _TAG + "seq"
_SCALAR_TAGS = frozenset(_TAG + name for name in ("null", "bool", "int", "float", "timestamp", "binary"))


class UnusualError(Exception):
    """A node this builder leaves to the safe constructor."""


def build_data(loader: yaml.constructor.SafeConstructor, root: yaml.Node) -> Any:
    """The value of ``root``: equal to ``loader.construct_document(root)``, aliases shared alike.

    Raises UnusualError for what only the safe constructor handles, and the safe constructor's own
    errors for a scalar it cannot build.
    """
    return _build(loader, root, {})


def _build(loader: yaml.constructor.SafeConstructor, node: yaml.Node, built: dict[int, Any]) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return _scalar(loader, node)
    if id(node) in built:  # an alias: the same object, as the safe constructor shares it
        return built[id(node)]
    if isinstance(node, yaml.MappingNode) and node.tag == _MAP:
        mapping: dict[Any, Any] = {}
        built[id(node)] = mapping
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag not in _KEY_TAGS:
                raise UnusualError(key_node.tag)
            mapping[_scalar(loader, key_node)] = _build(loader, value_node, built)
        return mapping
    if isinstance(node, yaml.SequenceNode) and node.tag == _SEQ:
        items: list[Any] = []
        built[id(node)] = items
        items.extend(_build(loader, item, built) for item in node.value)
        return items
    raise UnusualError(node.tag)


_KEY_TAGS = frozenset({_STR, *_SCALAR_TAGS}) - {_TAG + "binary"}  # bytes keys: left to the constructor


def _scalar(loader: yaml.constructor.SafeConstructor, node: yaml.ScalarNode) -> Any:
    if node.tag == _STR:
        return node.value
    if node.tag in _SCALAR_TAGS:
        return loader.yaml_constructors[node.tag](loader, node)
    raise UnusualError(node.tag)
