"""A small, safe condition language: `student.inactive_days >= 7 and student.status == "active"`.

Parsed with `ast` and walked by our own interpreter; nothing is ever passed to `eval`. Allowed:
`and`/`or`/`not`, comparisons (`== != < <= > >= in not in`), `subject.field` names from a
whitelist, and constants (strings, numbers, booleans, None, and lists or tuples of them).
"""

import ast
import operator
from collections.abc import Callable, Mapping
from typing import Any

_COMPARE: dict[type[ast.cmpop], Callable[[Any, Any], bool]] = {
    ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
    ast.Gt: operator.gt, ast.GtE: operator.ge,
    ast.In: lambda a, b: a in b, ast.NotIn: lambda a, b: a not in b,
}


class ConditionError(ValueError):
    """Why a condition is refused."""


def parse(text: str, fields: Mapping[str, frozenset[str]]) -> ast.expr | None:
    """The checked syntax tree of a condition (None when empty, meaning always true)."""
    if not text.strip():
        return None
    try:
        tree = ast.parse(text.strip(), mode="eval").body
    except SyntaxError as exc:
        raise ConditionError(f"syntax error at column {exc.offset}: {exc.msg}") from exc
    _check(tree, fields)
    return tree


def _check(node: ast.AST, fields: Mapping[str, frozenset[str]]) -> None:
    if isinstance(node, ast.BoolOp):
        for value in node.values:
            _check(value, fields)
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        _check(node.operand, fields)
    elif isinstance(node, ast.Compare):
        for op in node.ops:
            if type(op) not in _COMPARE:
                raise ConditionError(f"operator {type(op).__name__} is not allowed")
        for part in (node.left, *node.comparators):
            _check(part, fields)
    elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        allowed = fields.get(node.value.id)
        if allowed is None:
            raise ConditionError(f"unknown name '{node.value.id}' (use {', '.join(sorted(fields))})")
        if node.attr not in allowed:
            raise ConditionError(f"unknown field '{node.value.id}.{node.attr}' "
                                 f"(known: {', '.join(sorted(allowed))})")
    elif isinstance(node, ast.Constant) and (node.value is None or isinstance(node.value, str | int | float)):
        return
    elif isinstance(node, ast.List | ast.Tuple):
        for item in node.elts:
            if not isinstance(item, ast.Constant):
                raise ConditionError("lists may hold constants only")
    else:
        raise ConditionError(f"'{ast.unparse(node)}' is not allowed in a condition")


def evaluate(tree: ast.expr | None, env: Mapping[str, Mapping[str, Any]]) -> bool:
    """Whether the condition holds for the values in `env` (a type mismatch counts as false)."""
    return True if tree is None else bool(_value(tree, env))


def _value(node: ast.expr, env: Mapping[str, Mapping[str, Any]]) -> Any:
    if isinstance(node, ast.BoolOp):
        values = (_value(v, env) for v in node.values)
        return all(values) if isinstance(node.op, ast.And) else any(values)
    if isinstance(node, ast.UnaryOp):
        return not _value(node.operand, env)
    if isinstance(node, ast.Compare):
        left = _value(node.left, env)
        for op, comparator in zip(node.ops, node.comparators, strict=True):
            right = _value(comparator, env)
            try:
                if not _COMPARE[type(op)](left, right):
                    return False
            except TypeError:
                return False
            left = right
        return True
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        return env[node.value.id].get(node.attr)
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.List | ast.Tuple):
        return [_value(item, env) for item in node.elts]
    raise ConditionError(f"'{ast.unparse(node)}' is not allowed in a condition")
