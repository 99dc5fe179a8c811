"""Turning a template's rendered output (a small XML vocabulary) into model nodes.

Templates write structure as elements (``<h1>``, ``<p>``, ``<table>``...) and put data
in with ``{{ }}``, which the environment always escapes: a string from the data can
never open an element, so it reaches the model, and every output, literally.

The vocabulary is closed: an unknown element or attribute is an error naming the
template and the line of its output.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator

from kzru_reports import limits
from kzru_reports.errors import TemplateError
from kzru_reports.model import nodes as n
from kzru_reports.templating.typography import tie

# Runs of the template's own layout whitespace become one space; no-break spaces (the
# formatter's: "20\u00a0млрд\u00a0долл.\u00a0США", "60\u202f000") stay, so a number
# is never parted from its unit or split between its digit groups at a line end.
_SPACE = re.compile(r"[ \t\n\r\f\v]+")
# A dash between words ("Аягоз — Бахты", "talks – and") never begins a line: the space
# before it is a no-break one, as Russian and Kazakh typography (and English) ask.
_BEFORE_DASH = re.compile(r" (?=[—–](?:\s|$))")
_URL_OK = re.compile(r"^(https?://|mailto:)[^\s]+$", re.IGNORECASE)
_DOC_ATTRS = {
    "title",
    "subject",
    "keywords",
    "author",
    "marking",
    "audience",
    "lang",
    "date",
    "footer",
    "page-label",
    "handling",
}


class _Fail(Exception):
    pass


def parse_document(markup: str, template: str, name: str = "") -> n.Document:
    """Parse rendered template output into a ``Document``."""
    root = _parse(markup, template)
    if root.tag != "document":
        raise TemplateError(
            f"the output must be one <document> element, not <{root.tag}>", template
        )
    try:
        _attrs(root, _DOC_ATTRS)
        if not root.get("title"):
            raise _Fail("<document> needs a title")
        meta = n.Meta(  # document properties: no bidirectional controls (see _meta)
            title=_meta(root.get("title", "")),
            subject=_meta(root.get("subject", "")),
            keywords=tuple(k for k in (_meta(k) for k in root.get("keywords", "").split(";")) if k),
            author=_meta(root.get("author", "")),
            marking=_meta(root.get("marking", "")),
            audience=_meta(root.get("audience", "")),
            lang=root.get("lang", "en"),
            date=_meta(root.get("date", "")),
            footer=_meta(root.get("footer", "")),
            page_label=root.get("page-label", "Page {page} of {pages}"),
            handling=_handling(root),
        )
        tie(root, meta.lang)
        # data is escaped, so only the template can have written a page reference
        refers = "<pageref" in markup
        return n.Document(meta=meta, body=tuple(_blocks(root)), name=name, refers=refers)
    except _Fail as exc:
        raise TemplateError(f"document markup: {exc}", template) from None


def parse_blocks(markup: str, template: str) -> tuple[n.Block, ...]:
    """Parse a fragment of block elements (a pack's cover) into nodes."""
    root = _parse(f"<blocks>{markup}</blocks>", template)
    try:
        return tuple(_blocks(root))
    except _Fail as exc:
        raise TemplateError(f"document markup: {exc}", template) from None


def _parse(markup: str, template: str) -> ET.Element:
    if "<!DOCTYPE" in markup or "<!ENTITY" in markup:
        raise TemplateError("document markup may not declare a DOCTYPE or entities", template)
    try:
        return _bounded_parse(markup, template)
    except ET.ParseError as exc:
        line = exc.position[0]
        text = markup.splitlines()[line - 1].strip() if line <= markup.count("\n") + 1 else ""
        raise TemplateError(
            f"the template's output is not well-formed markup ({exc.msg}) at "
            f"output line {line}: {text[:120]!r}",
            template,
        ) from None


def _bounded_parse(markup: str, template: str) -> ET.Element:
    """Parse in pieces, counting elements as they open: output with more elements
    than a document may have is refused before the tree for all of them is made."""
    parser = ET.XMLPullParser(events=("start",))
    count, step = 0, 1 << 16
    root: ET.Element | None = None
    for at in range(0, max(len(markup), 1), step):
        parser.feed(markup[at : at + step])
        for _, element in parser.read_events():
            root = element if root is None else root
            count += 1
        if count > limits.MODEL_NODES:
            raise TemplateError(
                f"the output has more than {limits.MODEL_NODES:,} elements, the limit "
                "of one document",
                template,
            )
    parser.close()
    if root is None:  # close() has said so already; kept for the type checker
        raise TemplateError("the template's output is empty", template)
    return root


def _handling(el: ET.Element) -> str:
    """The handling level an element is tagged with (checked against the scale later)."""
    return el.get("handling", "").strip()


_BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _meta(text: str) -> str:
    """A document property (title, subject, keywords...): bidirectional controls
    (U+202E and the like) are removed, since a file manager or a mail client shows
    these properties bare, where an override can make a title read backwards."""
    return _clean(_BIDI.sub("", text))


def _role(el: ET.Element, node: type) -> str:
    """The element's ``role``, one of the closed list the model knows for ``node``."""
    role = el.get("role", "")
    known = n.ROLES[node]
    if role not in known:
        listed = ", ".join(repr(r) for r in known if r)
        raise _Fail(f"<{el.tag} role={role!r}>: unknown role (roles of <{el.tag}>: {listed})")
    return role


def _clean(text: str) -> str:
    return _spaced(text).strip()


def _spaced(text: str) -> str:
    """Text as it is set: layout whitespace one space, a dash held to the word before."""
    return _BEFORE_DASH.sub("\u00a0", _SPACE.sub(" ", text))


def _attrs(el: ET.Element, allowed: set[str]) -> None:
    extra = set(el.attrib) - allowed
    if extra:
        raise _Fail(
            f"<{el.tag}> has no attribute {sorted(extra)[0]!r} "
            f"(allowed: {', '.join(sorted(allowed)) or 'none'})"
        )


def _no_text(el: ET.Element) -> None:
    for piece in [el.text, *(c.tail for c in el)]:
        if piece and piece.strip():
            raise _Fail(f"text {piece.strip()[:40]!r} directly inside <{el.tag}>")


def _number(el: ET.Element, key: str, default: float | None = None) -> float | None:
    value = el.get(key)
    if value is None or value == "":
        return default
    try:
        return float(value)
    except ValueError:
        raise _Fail(f"<{el.tag} {key}=...> must be a number, not {value!r}") from None


# ------------------------------------------------------------------ inlines


def _inlines(el: ET.Element) -> n.Inlines:
    """The inline content of ``el`` with white space folded as in HTML."""
    out = list(_inline_parts(el))
    # trim at the block's edges
    while out and isinstance(out[0], n.Text) and not out[0].text.strip():
        out.pop(0)
    while out and isinstance(out[-1], n.Text) and not out[-1].text.strip():
        out.pop()
    if out and isinstance(out[0], n.Text):
        out[0] = n.Text(out[0].text.lstrip())
    if out and isinstance(out[-1], n.Text):
        out[-1] = n.Text(out[-1].text.rstrip())
    return tuple(out)


def _inline_parts(el: ET.Element) -> Iterator[n.Inline]:
    if el.text:
        yield n.Text(_spaced(el.text))
    for child in el:
        if child.tag == "b":
            _attrs(child, set())
            yield n.Strong(_inlines_keep(child))
        elif child.tag == "i":
            _attrs(child, set())
            yield n.Emph(_inlines_keep(child))
        elif child.tag == "a":
            _attrs(child, {"href"})
            url = child.get("href", "").strip()
            if not _URL_OK.match(url):
                # Not a web or mail address: show the text, never make a live link.
                yield from _inlines_keep(child)
            else:
                yield n.Link(_inlines_keep(child), url)
        elif child.tag == "br":
            _attrs(child, set())
            yield n.LineBreak()
        elif child.tag == "pageref":
            yield _pageref(child)
        else:
            raise _Fail(
                f"<{child.tag}> is not allowed inside <{el.tag}> "
                "(inline elements: b, i, a, br, pageref)"
            )
        if child.tail:
            yield n.Text(_spaced(child.tail))


_REF = re.compile(r"^([a-z][a-z0-9-]*#)?[A-Za-z0-9][A-Za-z0-9_.-]*$")


def _pageref(el: ET.Element) -> n.PageRef:
    """``<pageref to="agreements#all"/>``: the page a heading is on. ``to`` is a
    heading's ``id`` in the same document, ``DOC#id`` one in another document of the
    pack, or ``DOC`` the start of that document."""
    _attrs(el, {"to"})
    if (el.text or "").strip() or len(el):
        raise _Fail("<pageref> is empty: the page number is its content")
    to = el.get("to", "").strip()
    if not _REF.match(to):
        raise _Fail(f"<pageref to=...> names a heading id or DOC#id, not {to!r}")
    return n.PageRef(to)


def _inlines_keep(el: ET.Element) -> n.Inlines:
    return tuple(_inline_parts(el))


# ------------------------------------------------------------------ blocks


def _blocks(parent: ET.Element) -> Iterator[n.Block]:
    _no_text(parent)
    for el in parent:
        handler = _BLOCKS.get(el.tag)
        if handler is None:
            raise _Fail(
                f"unknown element <{el.tag}> (block elements: {', '.join(sorted(_BLOCKS))})"
            )
        block = handler(el)
        if isinstance(block, tuple):  # one element that makes more than one block
            yield from block
        elif block is not None:
            yield block


def _heading(el: ET.Element) -> n.Heading:
    _attrs(el, {"id", "role", "handling"})
    return n.Heading(
        int(el.tag[1]), _inlines(el), el.get("id", ""), _role(el, n.Heading), _handling(el)
    )


def _paragraph(el: ET.Element) -> n.Paragraph | None:
    _attrs(el, {"role", "handling"})
    children = _inlines(el)
    role = _role(el, n.Paragraph)
    return n.Paragraph(children, role, _handling(el)) if children else None


def _list(el: ET.Element) -> n.List | None:
    _attrs(el, {"role", "handling"})
    _no_text(el)
    items = []
    for li in el:
        if li.tag != "li":
            raise _Fail(f"<{el.tag}> holds <li> elements, not <{li.tag}>")
        _attrs(li, {"handling"})
        sub = [c for c in li if c.tag in ("ul", "ol")]
        for c in sub:
            li.remove(c)
        sublist = _list(sub[0]) if sub else None
        items.append(n.ListItem(_inlines(li), sublist, _handling(li)))
    if not items:
        return None
    return n.List(tuple(items), el.tag == "ol", _role(el, n.List), _handling(el))


def _quote(el: ET.Element) -> n.Quote:
    _attrs(el, {"handling"})
    _no_text(el)
    paras: list[n.Paragraph] = []
    attribution: n.Inlines = ()
    for child in el:
        if child.tag == "p":
            para = _paragraph(child)
            if para:
                paras.append(para)
        elif child.tag == "by":
            _attrs(child, set())
            attribution = _inlines(child)
        else:
            raise _Fail(f"<quote> holds <p> and <by>, not <{child.tag}>")
    return n.Quote(tuple(paras), attribution, _handling(el))


def _fields(el: ET.Element) -> n.FieldList | None:
    _attrs(el, {"role", "handling"})
    _no_text(el)
    fields = []
    for child in el:
        if child.tag != "field":
            raise _Fail(f"<fields> holds <field> elements, not <{child.tag}>")
        _attrs(child, {"label"})
        value = _inlines(child)
        if value:
            fields.append(n.Field((n.Text(_clean(child.get("label", ""))),), value))
    role = _role(el, n.FieldList)
    return n.FieldList(tuple(fields), role, _handling(el)) if fields else None


def _figures(el: ET.Element) -> n.KeyFigures | None:
    _attrs(el, {"handling"})
    _no_text(el)
    items = []
    for child in el:
        if child.tag != "figure":
            raise _Fail(f"<figures> holds <figure> elements, not <{child.tag}>")
        _attrs(child, {"value", "label", "note", "qualifier", "handling"})
        items.append(
            n.KeyFigure(
                _clean(child.get("value", "")),
                _clean(child.get("label", "")),
                _clean(child.get("note", "")),
                _clean(child.get("qualifier", "")),
                _handling(child),
            )
        )
    return n.KeyFigures(tuple(items), _handling(el)) if items else None


def _chart(el: ET.Element) -> n.BarChart | tuple[n.Block, ...] | None:
    """A bar chart of at most ``CHART_BARS`` bars (in the template's order); further
    bars are listed in a table after it, so a chart's size never grows with the data."""
    _attrs(el, {"title", "value-label", "target-label", "handling", "note"})
    _no_text(el)
    bars = []
    for child in el:
        if child.tag != "bar":
            raise _Fail(f"<chart> holds <bar> elements, not <{child.tag}>")
        _attrs(
            child,
            {"label", "value", "target", "value-text", "target-text", "handling", "better"}
            | {"reading"},
        )
        better = child.get("better", "higher")
        if better not in ("higher", "lower"):
            raise _Fail(f"<bar better=...> is higher or lower, not {better!r}")
        bars.append(
            n.Bar(
                _clean(child.get("label", "")),
                _number(child, "value", 0.0) or 0.0,
                _number(child, "target"),
                _clean(child.get("value-text", "")),
                _clean(child.get("target-text", "")),
                _handling(child),
                better=better,
                reading=_clean(child.get("reading", "")),
            )
        )
    if not bars:
        return None
    value_label, target_label = (
        _clean(el.get("value-label", "")),
        _clean(el.get("target-label", "")),
    )
    handling = _handling(el)
    chart = n.BarChart(
        tuple(bars[: limits.CHART_BARS]),
        _clean(el.get("title", "")),
        value_label,
        target_label,
        handling,
        note=_clean(el.get("note", "")),
    )
    rest = bars[limits.CHART_BARS :]
    if not rest:
        return chart
    rows = tuple(
        n.Row(
            (
                n.Cell((n.Text(b.label),)),
                n.Cell((n.Text(b.value_text or f"{b.value:g}"),), "right"),
                n.Cell((n.Text(b.target_text or ("" if b.target is None else f"{b.target:g}")),)),
            )
        )
        for b in rest
    )
    header = (n.Cell(()), n.Cell((n.Text(value_label),), "right"), n.Cell((n.Text(target_label),)))
    return chart, n.Table(header, rows, (3.0, 1.2, 1.8), "compact", handling)


def _cells(row: ET.Element) -> tuple[n.Cell, ...]:
    _no_text(row)
    cells = []
    for c in row:
        if c.tag != "cell":
            raise _Fail(f"<{row.tag}> holds <cell> elements, not <{c.tag}>")
        _attrs(c, {"align"})
        align = c.get("align", "left")
        if align not in ("left", "right", "center"):
            raise _Fail(f"<cell align=...> is left, right or center, not {align!r}")
        cells.append(n.Cell(_inlines(c), align))
    return tuple(cells)


def _table(el: ET.Element) -> n.Table | None:
    _attrs(el, {"widths", "role", "handling"})
    _no_text(el)
    header: tuple[n.Cell, ...] = ()
    rows = []
    for child in el:
        if child.tag == "head":
            _attrs(child, set())
            header = _cells(child)
        elif child.tag == "row":
            _attrs(child, {"role", "handling"})
            rows.append(n.Row(_cells(child), _role(child, n.Row), _handling(child)))
        else:
            raise _Fail(f"<table> holds <head> and <row>, not <{child.tag}>")
    try:
        widths = tuple(float(w) for w in el.get("widths", "").split())
    except ValueError:
        raise _Fail(
            f"<table widths=...> is numbers with spaces between, not {el.get('widths')!r}"
        ) from None
    columns = len(header) or max((len(r.cells) for r in rows if r.role != "group"), default=0)
    if widths and len(widths) != columns:
        raise _Fail(f"<table> has {columns} columns but {len(widths)} widths")
    for r in rows:
        if r.role != "group" and len(r.cells) != columns:
            raise _Fail(f"a <row> has {len(r.cells)} cells; the table has {columns} columns")
    if not rows:
        return None
    return n.Table(header, tuple(rows), widths, _role(el, n.Table), _handling(el))


def _pagebreak(el: ET.Element) -> n.PageBreak:
    _attrs(el, set())
    return n.PageBreak()


_BLOCKS: dict[str, Callable[[ET.Element], n.Block | None]] = {
    "h1": _heading,
    "h2": _heading,
    "h3": _heading,
    "p": _paragraph,
    "ul": _list,
    "ol": _list,
    "quote": _quote,
    "fields": _fields,
    "figures": _figures,
    "chart": _chart,
    "table": _table,
    "pagebreak": _pagebreak,
}
