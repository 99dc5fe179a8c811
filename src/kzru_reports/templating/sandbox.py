"""The sandbox's bounds: what a template may do before it is stopped.

Templates run in Jinja's ``ImmutableSandboxedEnvironment`` (no Python internals, no
changing the data), and beyond that everything that could make a template run away
is bounded: output size (checked by the renderer), ``range()`` length, string
repetition and concatenation, padding widths, integer size, ``join``/``replace``/
``indent``/``sum`` growth, and time (a timer signal in the main thread, and a check
on every attribute access, item access, call and operator everywhere, so that a
runaway loop stops even where signals are unavailable). Every number is in
``limits``.
"""

from __future__ import annotations

import contextlib
import functools
import re
import signal
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import jinja2
import jinja2.compiler
import jinja2.nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment

from kzru_reports import limits
from kzru_reports.errors import TemplateError

MAX_OUTPUT = limits.TEMPLATE_OUTPUT_CHARS
MAX_REPEAT = limits.TEMPLATE_REPEAT
MAX_SECONDS = limits.TEMPLATE_SECONDS
_WIDE = re.compile(r"(?<![0-9])[0-9]{7,}")  # a field width of a million or more
_WIDTH_METHODS = frozenset(["ljust", "rjust", "center", "zfill", "expandtabs"])
_WIDTH_FILTERS = ("center", "indent", "truncate", "wordwrap")


class Timeout(Exception):
    """Raised inside a template that ran past its time limit."""


_deadline = threading.local()


def tick() -> None:
    """Stop a template that has run past its deadline (the signal-free check)."""
    limit = getattr(_deadline, "at", None)
    if limit is not None and time.monotonic() > limit:
        raise Timeout()


def _on_alarm(signum: int, frame: Any) -> None:
    """Stop the template, but only from the template's own code: raised inside a
    garbage-collector callback or a ``__del__`` the exception would be lost. Elsewhere
    the timer tries again a moment later (and ``tick`` checks the deadline too)."""
    if getattr(_deadline, "at", None) is None:
        return
    if frame is not None and frame.f_globals.get("__jinja_template__") is not None:
        raise Timeout()
    signal.setitimer(signal.ITIMER_REAL, 0.01)


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Bound the time of the block: a real timer (SIGALRM) in the main thread of a
    platform that has one, and in any case a deadline checked by ``tick``."""
    _deadline.at = time.monotonic() + seconds
    use_signal = hasattr(signal, "setitimer") and (
        threading.current_thread() is threading.main_thread()
    )
    previous: Any = None
    old_timer = (0.0, 0.0)
    if use_signal:
        previous = signal.signal(signal.SIGALRM, _on_alarm)
        old_timer = signal.setitimer(signal.ITIMER_REAL, seconds)
    started = time.monotonic()
    try:
        yield
    finally:
        _deadline.at = None
        if use_signal:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
            if old_timer[0]:  # someone else's timer was running: give back what is left
                left = max(old_timer[0] - (time.monotonic() - started), 0.001)
                signal.setitimer(signal.ITIMER_REAL, left, old_timer[1])


def _too_wide(fmt: str) -> bool:
    return bool(_WIDE.search(fmt))


_SAFE: dict[tuple[type, str], bool] = {}  # (type, attribute) -> whether templates may read it
_SAFE_KEPT = 4096


class SandboxedEnvironment(ImmutableSandboxedEnvironment):
    intercepted_binops = frozenset(["*", "**", "%", "+"])

    def getattr(self, obj: Any, attribute: str) -> Any:
        tick()
        return super().getattr(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        tick()
        return super().getitem(obj, argument)

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        """Jinja's answer, which depends only on the object's type and the attribute's
        name, kept for each pair: templates read the same attributes of the same kinds
        of objects thousands of times a document."""
        key = (type(obj), attr)
        safe = _SAFE.get(key)
        if safe is None:
            safe = super().is_safe_attribute(obj, attr, value)
            if len(_SAFE) >= _SAFE_KEPT:
                _SAFE.clear()
            _SAFE[key] = safe
        return safe

    def call(self, context: Any, obj: Any, /, *args: Any, **kwargs: Any) -> Any:
        tick()
        owner = getattr(obj, "__self__", None)
        if isinstance(owner, str):
            _check_str_call(owner, getattr(obj, "__name__", ""), args, kwargs)
        return super().call(context, obj, *args, **kwargs)

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        wrapper = super().wrap_str_format(value)
        if wrapper is not None and _too_wide(value.__self__):
            raise jinja2.exceptions.SecurityError("a format field width is over the limit")
        return wrapper

    def join_path(self, template: str, parent: str) -> str:
        """A template that extends, imports or includes its own name means the one it
        overrides: ``memo.xml.j2`` saying ``{% extends "memo.xml.j2" %}`` gets the
        built-in memo (the same as ``builtin/memo.xml.j2``), never itself."""
        if template == parent.split("/")[-1] and not parent.startswith("builtin/"):
            return f"builtin/{template}"
        return template

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        tick()
        if operator == "%" and isinstance(left, str) and _too_wide(left):
            raise jinja2.exceptions.SecurityError("a format field width is over the limit")
        _check_binop(operator, left, right)
        return super().call_binop(context, operator, left, right)

    def bounded_concat(self, value: Any) -> Any:
        """The result of ``~`` (joining pieces into one string), refused when long."""
        _check_length(value, "joining with ~")
        return value


class _CodeGenerator(jinja2.compiler.CodeGenerator):
    """Compiles ``a ~ b`` so that its result passes ``bounded_concat``: the only
    operator that builds strings which the sandbox does not intercept itself."""

    def visit_Concat(self, node: jinja2.nodes.Concat, frame: Any) -> None:
        self.write("environment.bounded_concat(")
        super().visit_Concat(node, frame)
        self.write(")")


SandboxedEnvironment.code_generator_class = _CodeGenerator


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_binop(operator: str, left: Any, right: Any) -> None:
    """Refuse an operation whose result would be over a limit, before making it:
    integers of more than ``TEMPLATE_INT_BITS`` bits, strings and lists longer than
    ``TEMPLATE_STRING_CHARS`` (``+``) or ``TEMPLATE_REPEAT`` items (``*``)."""
    bits = limits.TEMPLATE_INT_BITS
    if operator == "**" and isinstance(right, int | float):
        if abs(right) > limits.TEMPLATE_EXPONENT:
            raise jinja2.exceptions.SecurityError(
                f"exponent over the limit of {limits.TEMPLATE_EXPONENT}"
            )
        if _is_int(left) and _is_int(right) and left.bit_length() * max(right, 0) > bits:
            raise jinja2.exceptions.SecurityError(f"an integer of more than {bits:,} bits")
    if operator == "*":
        if _is_int(left) and _is_int(right) and left.bit_length() + right.bit_length() > bits:
            raise jinja2.exceptions.SecurityError(f"an integer of more than {bits:,} bits")
        for a, b in ((left, right), (right, left)):
            if isinstance(a, str | list | tuple) and _is_int(b) and len(a) * b > MAX_REPEAT:
                raise jinja2.exceptions.SecurityError(
                    f"repetition producing {len(a) * b:,} items is over the limit"
                )
    if operator == "+":
        if _is_int(left) and _is_int(right) and max(left.bit_length(), right.bit_length()) >= bits:
            raise jinja2.exceptions.SecurityError(f"an integer of more than {bits:,} bits")
        if isinstance(left, str | list | tuple) and isinstance(right, str | list | tuple):
            _check_length(len(left) + len(right), "+")


def _check_length(value: Any, what: str) -> None:
    size = value if isinstance(value, int) else len(value)
    if size > limits.TEMPLATE_STRING_CHARS:
        raise jinja2.exceptions.SecurityError(
            f"{what} would make {size:,} characters or items, over the limit of "
            f"{limits.TEMPLATE_STRING_CHARS:,}"
        )


def _check_str_call(owner: str, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """Refuse string methods that would build a huge string from small inputs."""
    if name in _WIDTH_METHODS and any(
        isinstance(a, int) and a > MAX_REPEAT for a in (*args, *kwargs.values())
    ):
        raise jinja2.exceptions.SecurityError(f"{name}() width over the limit")
    if name == "replace" and len(args) >= 2 and all(isinstance(a, str) for a in args[:2]):
        old, new = args[0], args[1]
        hits = owner.count(old) if old else len(owner) + 1
        if len(owner) + hits * max(0, len(new) - len(old)) > MAX_OUTPUT:
            raise jinja2.exceptions.SecurityError("replace() result over the limit")


def _bounded_filter(name: str, original: Callable[..., Any]) -> Callable[..., Any]:
    """A filter whose numeric arguments (widths, lengths) are capped."""

    @functools.wraps(original)
    def bounded(*args: Any, **kwargs: Any) -> Any:
        if any(
            isinstance(a, int) and not isinstance(a, bool) and a > MAX_REPEAT
            for a in (*args[1:], *kwargs.values())
        ):
            raise jinja2.exceptions.SecurityError(f"{name} width over the limit")
        return original(*args, **kwargs)

    return bounded


def _bounded_join(original: Callable[..., Any]) -> Callable[..., Any]:
    """``join``, refused before joining when the result would be over the limit."""

    @functools.wraps(original)
    def join(eval_ctx: Any, value: Any, d: str = "", attribute: Any = None) -> Any:
        items = list(value)
        size = len(str(d)) * max(len(items) - 1, 0)
        if attribute is None:
            size += sum(len(x) if isinstance(x, str) else len(str(x)) for x in items)
        _check_length(size, "join")
        return _checked(original(eval_ctx, items, d, attribute), "join")

    return join


def _bounded_replace(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def replace(eval_ctx: Any, s: Any, old: Any, new: Any, count: Any = None) -> Any:
        text, old_s, new_s = str(s), str(old), str(new)
        hits = text.count(old_s) if old_s else len(text) + 1
        if _is_int(count):
            hits = min(hits, max(count, 0))
        _check_length(len(text) + hits * max(0, len(new_s) - len(old_s)), "replace")
        return original(eval_ctx, s, old, new, count)

    return replace


def _bounded_indent(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def indent(s: Any, width: Any = 4, *args: Any, **kwargs: Any) -> Any:
        pad = width if _is_int(width) else len(str(width))
        text = str(s)
        _check_length(len(text) + (text.count("\n") + 1) * max(pad, 0), "indent")
        return original(s, width, *args, **kwargs)

    return indent


def _bounded_sum(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def total(environment: Any, iterable: Any, attribute: Any = None, start: Any = 0) -> Any:
        if not isinstance(start, int | float):
            raise jinja2.exceptions.SecurityError(
                "sum adds numbers; join strings with join, lists with a loop"
            )
        return original(environment, iterable, attribute, start)

    return total


def _checked(value: Any, what: str) -> Any:
    _check_length(value, what)
    return value


def _safe_lipsum(n: int = 5, html: bool = True, min: int = 20, max: int = 100) -> str:
    """``lipsum``, with no more than ``TEMPLATE_REPEAT`` words in all."""
    if not all(_is_int(v) for v in (n, min, max)) or n < 0 or min < 1 or max < min:
        raise jinja2.exceptions.SecurityError("lipsum takes small whole numbers")
    if n * max > MAX_REPEAT:
        raise jinja2.exceptions.SecurityError(
            f"lipsum of {n:,} paragraphs of up to {max:,} words is over the limit "
            f"of {MAX_REPEAT:,} words"
        )
    return str(jinja2.utils.generate_lorem_ipsum(n, html, min, max))


def _bounded_format(value: Any, *args: Any, **kwargs: Any) -> str:
    if isinstance(value, str) and _too_wide(value):
        raise jinja2.exceptions.SecurityError("a format field width is over the limit")
    return str(jinja2.filters.do_format(value, *args, **kwargs))


@jinja2.pass_eval_context  # never folded at compile time, where autoescaping would
def finalize(eval_ctx: Any, value: Any) -> Any:  # turn a literal None into "None" first
    if value is None:
        raise TemplateError(
            "a template printed a value that is absent (None); "
            "guard optional fields with {% if ... %}"
        )
    return value


def _safe_range(*args: int) -> range:
    r = range(*args)
    if len(r) > MAX_REPEAT:
        raise jinja2.exceptions.SecurityError(f"range of {len(r):,} items is over the limit")
    return r


def bound(env: jinja2.Environment) -> None:
    """Put the sandbox's bounded ``range``, ``lipsum`` and size-checked filters in
    place of Jinja's own."""
    env.globals["range"] = _safe_range
    for name in _WIDTH_FILTERS:
        env.filters[name] = _bounded_filter(name, env.filters[name])
    env.filters["format"] = _bounded_format
    env.filters["join"] = _bounded_join(env.filters["join"])
    env.filters["replace"] = _bounded_replace(env.filters["replace"])
    env.filters["indent"] = _bounded_indent(env.filters["indent"])
    env.filters["sum"] = _bounded_sum(env.filters["sum"])
    env.globals["lipsum"] = _safe_lipsum
