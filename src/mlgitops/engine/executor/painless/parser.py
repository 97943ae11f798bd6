"""Recursive-descent parser for the Painless subset; anything else is refused with its position."""

from dataclasses import dataclass
from typing import Any

from mlgitops.engine.executor.painless.lexer import KEYWORDS, TYPE_NAMES, Token, tokenize, unsupported

STATIC_CLASSES = frozenset({"String", "Math", "Integer", "Double", "Float", "Long", "Boolean"})
_ASSIGN_OPS = frozenset({"=", "+=", "-=", "*=", "/="})
_BINARY_LEVELS: tuple[frozenset[str], ...] = (
    frozenset({"||"}),
    frozenset({"&&"}),
    frozenset({"==", "!=", "===", "!=="}),
    frozenset({"<", ">", "<=", ">="}),
    frozenset({"+", "-"}),
    frozenset({"*", "/", "%"}),
)


_NAMED_CONSTRUCTS = {"->": "lambda '->'", "::": "method reference '::'", "?:": "elvis operator '?:'"}


def describe(token: Token) -> str:
    """How an unexpected token is named in errors."""
    if token.kind == "eof":
        return "'end of script'"
    return _NAMED_CONSTRUCTS.get(token.text, f"'{token.text}'")


@dataclass(frozen=True)
class Node:
    """An AST node: ``kind`` names it, ``token`` locates it, ``parts`` holds children and values."""

    kind: str
    token: Token
    parts: tuple[Any, ...] = ()


class Parser:
    """Parse one script into a ``block`` node."""

    def __init__(self, source: str) -> None:
        self.tokens = tokenize(source)
        self.pos = 0

    @property
    def tok(self) -> Token:
        return self.tokens[self.pos]

    def peek(self, offset: int = 1) -> Token:
        return self.tokens[min(self.pos + offset, len(self.tokens) - 1)]

    def at(self, *texts: str) -> bool:
        return self.tok.kind in ("op", "name") and self.tok.text in texts

    def take(self) -> Token:
        token = self.tok
        self.pos += 1
        return token

    def expect(self, text: str) -> Token:
        if not self.at(text):
            raise unsupported(f"{describe(self.tok)} (expected '{text}')", self.tok)
        return self.take()

    def parse_program(self) -> Node:
        start = self.tok
        statements = []
        while self.tok.kind != "eof":
            statements.append(self.statement())
        return Node("block", start, tuple(statements))

    def statement(self) -> Node:
        token = self.tok
        if self.at("{"):
            return self.block()
        if self.at(";"):
            self.take()
            return Node("block", token, ())
        if self.at("if"):
            return self.if_statement()
        if self.at("for"):
            return self.for_statement()
        if self.at("while"):
            self.take()
            self.expect("(")
            condition = self.expression()
            self.expect(")")
            return Node("while", token, (condition, self.statement()))
        if self.at("return"):
            self.take()
            value = None if self.at(";") or self.tok.kind == "eof" else self.expression()
            self.end_statement()
            return Node("return", token, (value,))
        if self.at("break", "continue"):
            self.take()
            self.end_statement()
            return Node(token.text, token)
        node = self.declaration() if self.is_declaration() else self.expression()
        self.end_statement()
        return node

    def end_statement(self) -> None:
        """A ``;``, optional after the script's last statement (as Painless allows)."""
        if self.tok.kind != "eof":
            self.expect(";")

    def block(self) -> Node:
        token = self.expect("{")
        statements = []
        while not self.at("}"):
            if self.tok.kind == "eof":
                raise unsupported("unterminated block", token)
            statements.append(self.statement())
        self.take()
        return Node("block", token, tuple(statements))

    def if_statement(self) -> Node:
        token = self.take()
        self.expect("(")
        condition = self.expression()
        self.expect(")")
        then = self.statement()
        otherwise = None
        if self.at("else"):
            self.take()
            otherwise = self.statement()
        return Node("if", token, (condition, then, otherwise))

    def for_statement(self) -> Node:
        token = self.take()
        self.expect("(")
        if self.is_declaration() and self.peek(2).text in (":", "in"):
            self.take()
            name = self.take().text
            self.take()
            iterable = self.expression()
            self.expect(")")
            return Node("foreach", token, (name, iterable, self.statement()))
        init = None if self.at(";") else (self.declaration() if self.is_declaration() else self.expression())
        self.expect(";")
        condition = None if self.at(";") else self.expression()
        self.expect(";")
        update = None if self.at(")") else self.expression()
        self.expect(")")
        return Node("for", token, (init, condition, update, self.statement()))

    def is_declaration(self) -> bool:
        return self.tok.kind == "name" and self.tok.text in TYPE_NAMES and self.peek().kind == "name"

    def declaration(self) -> Node:
        token = self.take()
        names: list[tuple[str, Node | None]] = []
        while True:
            name = self.take()
            if name.kind != "name" or name.text in KEYWORDS:
                raise unsupported(f"'{name.text}' as a variable name", name)
            value = None
            if self.at("="):
                self.take()
                value = self.expression()
            names.append((name.text, value))
            if not self.at(","):
                return Node("declare", token, tuple(names))
            self.take()

    def expression(self) -> Node:
        target = self.ternary()
        if self.tok.kind == "op" and self.tok.text in _ASSIGN_OPS:
            token = self.take()
            if target.kind not in ("name", "field", "index"):
                raise unsupported("assignment to an expression", token)
            return Node("assign", token, (token.text, target, self.expression()))
        return target

    def ternary(self) -> Node:
        condition = self.binary(0)
        if not self.at("?"):
            return condition
        token = self.take()
        then = self.expression()
        self.expect(":")
        return Node("ternary", token, (condition, then, self.ternary()))

    def binary(self, level: int) -> Node:
        if level == len(_BINARY_LEVELS):
            return self.unary()
        left = self.binary(level + 1)
        while self.tok.kind == "op" and self.tok.text in _BINARY_LEVELS[level]:
            token = self.take()
            left = Node("binary", token, (token.text, left, self.binary(level + 1)))
        return left

    def unary(self) -> Node:
        token = self.tok
        if self.at("!", "-", "+"):
            self.take()
            return Node("unary", token, (token.text, self.unary()))
        if self.at("++", "--"):
            self.take()
            return Node("incdec", token, (token.text, self.unary(), True))
        if self.at("(") and self.peek().text in TYPE_NAMES and self.peek(2).text == ")":
            self.pos += 3
            return Node("cast", token, (self.peek(-2).text, self.unary()))
        return self.postfix(self.primary())

    def postfix(self, node: Node) -> Node:
        while True:
            token = self.tok
            if self.at(".", "?."):
                self.take()
                name = self.take()
                if name.kind != "name":
                    raise unsupported(f"'{name.text}' after '.'", name)
                if self.at("("):
                    node = Node("call", name, (node, name.text, self.arguments(), token.text == "?."))
                else:
                    node = Node("field", name, (node, name.text, token.text == "?."))
            elif self.at("["):
                self.take()
                index = self.expression()
                self.expect("]")
                node = Node("index", token, (node, index))
            elif self.at("++", "--"):
                self.take()
                node = Node("incdec", token, (token.text, node, False))
            else:
                return node

    def arguments(self) -> tuple[Node, ...]:
        self.expect("(")
        args: list[Node] = []
        while not self.at(")"):
            args.append(self.expression())
            if not self.at(")"):
                self.expect(",")
        self.take()
        return tuple(args)

    def primary(self) -> Node:
        token = self.tok
        if token.kind in ("num", "str"):
            self.take()
            return Node("literal", token, (token.value,))
        if self.at("true", "false", "null"):
            self.take()
            return Node("literal", token, ({"true": True, "false": False, "null": None}[token.text],))
        if self.at("("):
            self.take()
            inner = self.expression()
            self.expect(")")
            return inner
        if self.at("["):
            return self.collection_literal()
        if self.at("new"):
            return self.new_object()
        if token.kind == "name" and token.text in STATIC_CLASSES and self.peek().text == ".":
            self.take()
            return Node("class", token, (token.text,))
        if token.kind == "name" and token.text not in KEYWORDS and token.text not in TYPE_NAMES:
            self.take()
            if self.at("("):
                return Node("function", token, (token.text, self.arguments()))
            return Node("name", token, (token.text,))
        raise unsupported(describe(token), token)

    def collection_literal(self) -> Node:
        token = self.expect("[")
        if self.at(":"):
            self.take()
            self.expect("]")
            return Node("map", token, ())
        items: list[Node] = []
        pairs: list[tuple[Node, Node]] = []
        while not self.at("]"):
            item = self.expression()
            if self.at(":"):
                self.take()
                pairs.append((item, self.expression()))
            else:
                items.append(item)
            if not self.at("]"):
                self.expect(",")
        self.take()
        if pairs and items:
            raise unsupported("mixed list/map literal", token)
        return Node("map", token, tuple(pairs)) if pairs else Node("list", token, tuple(items))

    def new_object(self) -> Node:
        token = self.take()
        type_token = self.take()
        if type_token.text not in ("StringBuilder", "ArrayList", "HashMap"):
            raise unsupported(f"'new {type_token.text}'", type_token)
        if self.at("<"):
            raise unsupported("generic type arguments", self.tok)
        return Node("new", token, (type_token.text, self.arguments()))


def parse(source: str) -> Node:
    """The ``block`` node of a whole script."""
    return Parser(source).parse_program()
