"""Evaluate parsed Painless: variables, params access, string building, control flow, a few methods."""

from collections.abc import Callable
from typing import Any

from mlgitops.engine.executor.javafmt import escape_json, java_string
from mlgitops.engine.executor.painless.lexer import Token
from mlgitops.engine.executor.painless.methods import StringBuilder, call_method, call_static, get_field
from mlgitops.engine.executor.painless.parser import Node, parse
from mlgitops.errors import EngineError

MAX_LOOP_ITERATIONS = 1_000_000


class ScriptError(EngineError):
    """A Painless runtime failure (null access, bad index, wrong type...)."""


class _ReturnSignal(Exception):  # noqa: N818 - control flow, not an error
    def __init__(self, value: Any) -> None:
        self.value = value


class _BreakSignal(Exception):  # noqa: N818 - control flow
    pass


class _ContinueSignal(Exception):  # noqa: N818 - control flow
    pass


def fail(token: Token, message: str) -> ScriptError:
    """A runtime error located at ``token``."""
    return ScriptError(f"Painless script error at {token.where}: {message}")


def _concat_or_add(token: Token, left: Any, right: Any) -> Any:
    if isinstance(left, str | StringBuilder) or isinstance(right, str | StringBuilder):
        return java_string(left) + java_string(right)
    return _arith(token, "+", left, right)


def _arith(token: Token, op: str, left: Any, right: Any) -> Any:
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in (left, right)):
        raise fail(token, f"cannot apply '{op}' to {java_string(left)} and {java_string(right)}")
    if op in "/%" and right == 0 and isinstance(right, int):
        raise fail(token, "/ by zero")
    if op == "+":
        return left + right
    if op == "-":
        return left - right
    if op == "*":
        return left * right
    if isinstance(left, int) and isinstance(right, int):
        quotient = abs(left) // abs(right) * (1 if (left >= 0) == (right >= 0) else -1)
        return quotient if op == "/" else left - quotient * right
    return left / right if op == "/" else left % right


def _compare(token: Token, op: str, left: Any, right: Any) -> bool:
    if op in ("==", "==="):
        return bool(left == right)
    if op in ("!=", "!=="):
        return bool(left != right)
    try:
        return bool({"<": left < right, ">": left > right, "<=": left <= right, ">=": left >= right}[op])
    except TypeError:
        raise fail(token, f"cannot compare {java_string(left)} and {java_string(right)}") from None


class Interpreter:
    """Run one parsed script against ``params``."""

    def __init__(self, params: Any) -> None:
        self.scopes: list[dict[str, Any]] = [{"params": params}]
        self.iterations = 0
        self.functions: dict[str, Callable[..., Any]] = {"escape": self._escape}

    @staticmethod
    def _escape(value: Any) -> str:
        return escape_json(java_string(value))

    def run(self, program: Node) -> Any:
        try:
            self.execute(program)
        except _ReturnSignal as done:
            return done.value
        except (_BreakSignal, _ContinueSignal):
            raise fail(program.token, "break/continue outside a loop") from None
        return None

    # statements -------------------------------------------------------------------------------
    def execute(self, node: Node) -> None:
        handler = getattr(self, f"_stmt_{node.kind}", None)
        if handler is None:
            self.evaluate(node)
        else:
            handler(node)

    def _stmt_block(self, node: Node) -> None:
        self.scopes.append({})
        try:
            for statement in node.parts:
                self.execute(statement)
        finally:
            self.scopes.pop()

    def _stmt_declare(self, node: Node) -> None:
        for name, value in node.parts:
            self.scopes[-1][name] = None if value is None else self.evaluate(value)

    def _stmt_if(self, node: Node) -> None:
        condition, then, otherwise = node.parts
        if self.truth(condition):
            self.execute(then)
        elif otherwise is not None:
            self.execute(otherwise)

    def _stmt_return(self, node: Node) -> None:
        raise _ReturnSignal(None if node.parts[0] is None else self.evaluate(node.parts[0]))

    def _stmt_break(self, _node: Node) -> None:
        raise _BreakSignal

    def _stmt_continue(self, _node: Node) -> None:
        raise _ContinueSignal

    def _loop_body(self, body: Node, token: Token) -> bool:
        """Run one iteration; False when the loop must stop (break)."""
        self.iterations += 1
        if self.iterations > MAX_LOOP_ITERATIONS:
            raise fail(
                token, "The maximum number of statements that can be executed in a loop has been reached."
            )
        try:
            self.execute(body)
        except _BreakSignal:
            return False
        except _ContinueSignal:
            pass
        return True

    def _stmt_while(self, node: Node) -> None:
        condition, body = node.parts
        while self.truth(condition) and self._loop_body(body, node.token):
            pass

    def _stmt_foreach(self, node: Node) -> None:
        name, iterable_node, body = node.parts
        iterable = self.evaluate(iterable_node)
        if isinstance(iterable, dict):
            iterable = list(iterable)
        if not isinstance(iterable, list | str):
            raise fail(node.token, f"cannot iterate over {java_string(iterable)}")
        self.scopes.append({})
        try:
            for item in list(iterable):
                self.scopes[-1][name] = item
                if not self._loop_body(body, node.token):
                    break
        finally:
            self.scopes.pop()

    def _stmt_for(self, node: Node) -> None:
        init, condition, update, body = node.parts
        self.scopes.append({})
        try:
            if init is not None:
                self.execute(init)
            while (condition is None or self.truth(condition)) and self._loop_body(body, node.token):
                if update is not None:
                    self.evaluate(update)
        finally:
            self.scopes.pop()

    # expressions ------------------------------------------------------------------------------
    def truth(self, node: Node) -> bool:
        value = self.evaluate(node)
        if not isinstance(value, bool):
            raise fail(node.token, f"condition is not a boolean: {java_string(value)}")
        return value

    def evaluate(self, node: Node) -> Any:
        handler = getattr(self, f"_expr_{node.kind}", None)
        if handler is None:
            raise fail(node.token, f"'{node.token.text}' cannot be used as an expression")
        return handler(node)

    def _expr_literal(self, node: Node) -> Any:
        return node.parts[0]

    def _expr_list(self, node: Node) -> Any:
        return [self.evaluate(item) for item in node.parts]

    def _expr_map(self, node: Node) -> Any:
        return {self.evaluate(key): self.evaluate(value) for key, value in node.parts}

    def _scope_of(self, name: str) -> dict[str, Any] | None:
        return next((scope for scope in reversed(self.scopes) if name in scope), None)

    def _expr_name(self, node: Node) -> Any:
        scope = self._scope_of(node.parts[0])
        if scope is None:
            raise fail(node.token, f"cannot resolve symbol [{node.parts[0]}]")
        return scope[node.parts[0]]

    def _expr_class(self, node: Node) -> Any:
        raise fail(node.token, f"'{node.parts[0]}' can only be used to call a static method")

    def _expr_field(self, node: Node) -> Any:
        target_node, name, null_safe = node.parts
        target = self.evaluate(target_node)
        if target is None:
            if null_safe:
                return None
            raise fail(node.token, f"null pointer: cannot access [{name}] of null")
        return get_field(target, name, lambda msg: fail(node.token, msg))

    def _expr_index(self, node: Node) -> Any:
        target, index = self.evaluate(node.parts[0]), self.evaluate(node.parts[1])
        if isinstance(target, dict):
            return target.get(index)
        if isinstance(target, list) and isinstance(index, int) and not isinstance(index, bool):
            if 0 <= index < len(target):
                return target[index]
            raise fail(node.token, f"index {index} out of bounds for length {len(target)}")
        raise fail(node.token, f"cannot index {java_string(target)} with {java_string(index)}")

    def _expr_call(self, node: Node) -> Any:
        target_node, name, arg_nodes, null_safe = node.parts
        args = [self.evaluate(arg) for arg in arg_nodes]
        if target_node.kind == "class":
            return call_static(target_node.parts[0], name, args, lambda msg: fail(node.token, msg))
        target = self.evaluate(target_node)
        if target is None:
            if null_safe:
                return None
            raise fail(node.token, f"null pointer: cannot call {name}() on null")
        return call_method(target, name, args, lambda msg: fail(node.token, msg))

    def _expr_function(self, node: Node) -> Any:
        name, arg_nodes = node.parts
        function = self.functions.get(name)
        if function is None:
            raise EngineError(f"Unsupported Painless construct function '{name}()' at {node.token.where}")
        return function(*[self.evaluate(arg) for arg in arg_nodes])

    def _expr_new(self, node: Node) -> Any:
        type_name, arg_nodes = node.parts
        args = [self.evaluate(arg) for arg in arg_nodes]
        if type_name == "StringBuilder":
            return StringBuilder(java_string(args[0]) if args else "")
        return [] if type_name == "ArrayList" else {}

    def _expr_cast(self, node: Node) -> Any:
        type_name, inner = node.parts
        value = self.evaluate(inner)
        if type_name in ("int", "long") and isinstance(value, int | float):
            return int(value)
        if type_name in ("float", "double") and isinstance(value, int | float):
            return float(value)
        return value

    def _expr_unary(self, node: Node) -> Any:
        op, operand = node.parts
        value = self.evaluate(operand)
        if op == "!":
            if not isinstance(value, bool):
                raise fail(node.token, "'!' needs a boolean")
            return not value
        return _arith(node.token, "-" if op == "-" else "+", 0, value)

    def _expr_binary(self, node: Node) -> Any:
        op, left_node, right_node = node.parts
        if op in ("&&", "||"):
            left = self.truth(left_node)
            if (op == "&&" and not left) or (op == "||" and left):
                return left
            return self.truth(right_node)
        left, right = self.evaluate(left_node), self.evaluate(right_node)
        if op == "+":
            return _concat_or_add(node.token, left, right)
        if op in ("-", "*", "/", "%"):
            return _arith(node.token, op, left, right)
        return _compare(node.token, op, left, right)

    def _expr_ternary(self, node: Node) -> Any:
        condition, then, otherwise = node.parts
        return self.evaluate(then) if self.truth(condition) else self.evaluate(otherwise)

    def _expr_assign(self, node: Node) -> Any:
        op, target, value_node = node.parts
        value = self.evaluate(value_node)
        if op != "=":
            current = self.evaluate(target)
            value = (
                _concat_or_add(node.token, current, value)
                if op == "+="
                else _arith(node.token, op[0], current, value)
            )
        self._store(target, value)
        return value

    def _expr_incdec(self, node: Node) -> Any:
        op, target, prefix = node.parts
        old = self.evaluate(target)
        new = _arith(node.token, op[0], old, 1)
        self._store(target, new)
        return new if prefix else old

    def _store(self, target: Node, value: Any) -> None:
        if target.kind == "name":
            scope = self._scope_of(target.parts[0])
            if scope is None:
                raise fail(target.token, f"cannot resolve symbol [{target.parts[0]}]")
            scope[target.parts[0]] = value
            return
        container = self.evaluate(target.parts[0])
        key = target.parts[1] if target.kind == "field" else self.evaluate(target.parts[1])
        if isinstance(container, dict) or (
            isinstance(container, list) and isinstance(key, int) and 0 <= key < len(container)
        ):
            container[key] = value
        else:
            raise fail(target.token, f"cannot assign to {java_string(key)} of {java_string(container)}")


def run_script(source: str, params: Any) -> Any:
    """Parse and run ``source`` with ``params`` bound; returns the script's return value."""
    try:
        return Interpreter(params).run(parse(source))
    except RecursionError:
        raise EngineError("Painless script is nested too deeply") from None
