"""The book's maths as MathML, written at build time: no script typesets it.

Every formula (Sphinx's math and math_block nodes: MyST's ``$...$`` and ``$$...$$``,
amsmath environments) is converted by latex2mathml when the page is written, then made
MathML Core as Chromium (>= 109), Firefox and Safari render it natively (:func:`core`):
latex2mathml writes some MathML 3 that Chromium ignores or shows wrong (``mathvariant``
other than an upright single letter, ``columnalign``, operator names as operators,
accents not marked as such, a few delimiters left as TeX). A formula that cannot be
converted, or whose MathML still holds TeX or an element MathML Core lacks, fails the
build with its page and its TeX: a reader never sees raw TeX instead.

The page then loads no maths script at all: MathJax (1.17 MB, and a long task of a
phone's CPU to start and typeset) left the site with this module. The browser draws
the maths in the first paint, with the site's math font (tools/sphinx_ext/math_font.py).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from docutils import nodes
from sphinx.errors import ExtensionError
from sphinx.locale import _
from sphinx.util.math import get_node_equation_number

NAME = "mathml"
MATHML_NS = "{http://www.w3.org/1998/Math/MathML}"
#: the elements of MathML Core (https://w3c.github.io/mathml-core/)
CORE = {"math", "mi", "mn", "mo", "ms", "mtext", "mspace", "mrow", "mfrac", "msqrt",
        "mroot", "mstyle", "mpadded", "mphantom", "msub", "msup", "msubsup", "munder",
        "mover", "munderover", "mmultiscripts", "mprescripts", "none", "mtable", "mtr",
        "mtd", "semantics", "annotation", "annotation-xml"}
#: delimiters latex2mathml leaves as TeX after ``\\bigl`` and the like
DELIMITERS = {"\\lVert": "\u2016", "\\rVert": "\u2016", "\\|": "\u2016", "\\Vert": "\u2016",
              "\\lvert": "|", "\\rvert": "|", "\\vert": "|", "\\{": "{", "\\}": "}",
              "\\langle": "\u27e8", "\\rangle": "\u27e9", "\\lfloor": "\u230a",
              "\\rfloor": "\u230b", "\\lceil": "\u2308", "\\rceil": "\u2309"}
#: characters latex2mathml writes as identifiers that are operators (fences, \\sim)
AS_OPERATOR = {"\u230a": "\u230a", "\u230b": "\u230b", "\u2308": "\u2308",
               "\u2309": "\u2309", "~": "\u223c"}
#: symbols latex2mathml writes as operators that TeX sets as letters (``\partial``)
AS_IDENTIFIER = {"\u2202"}
#: accents (``\\tilde`` ...): the character MathML Core's operator dictionary knows
ACCENTS = {"~": "\u02dc", "\u00af": "\u00af", "^": "\u02c6", "\u02c7": "\u02c7",
           "\u02d9": "\u02d9", "\u2192": "\u2192"}
#: delimiters MathML Core's operator dictionary stretches to the row's height: in TeX they
#: keep their size unless ``\\left``, ``\\bigl``... say otherwise
FENCES = set("()[]{}|\u2016\u27e8\u27e9\u230a\u230b\u2308\u2309")
#: capital Greek letters: upright in TeX, italic in a browser's single-letter <mi>
CAPITAL_GREEK = {chr(c) for c in range(0x391, 0x3AA)}
#: primes: a math font draws them raised already, at the size of the letter they follow
PRIMES = {"\u2032", "\u2033", "\u2034"}
#: signs that are unary where an operand cannot stand before them (``-1``, ``(-x)``, ``= -2``)
SIGNS = {"\u2212", "+", "\u00b1", "-"}
#: operators after which an operand has ended: a sign after them is binary
CLOSERS = set(")]}\u230b\u2309\u27e9|\u2016") | PRIMES
#: TeX's ordinary symbols that the operator dictionary spaces: no space around them
ORDINARY = {"/", "."}
#: operator names whose limits go under them in display maths (``\\max_i``)
LIMITS = {"max", "min", "lim", "sup", "inf", "argmax", "argmin"}
#: bold digits (``\\mathbf 1``): Unicode's Mathematical Alphanumeric Symbols
BOLD_DIGIT = {str(d): chr(0x1D7CE + d) for d in range(10)}
#: elements whose children are a row (the others' children are their arguments)
ROWS = {"math", "mrow", "mstyle", "mtd", "msqrt", "mpadded", "mphantom"}
THIN = "0.167em"


class MathMLError(ValueError):
    """A formula that cannot be written as MathML Core."""


def local(tag: str) -> str:
    return tag[len(MATHML_NS):] if tag.startswith(MATHML_NS) else tag


def is_name(el: ET.Element) -> bool:
    """An operator name (``\\ln``, ``\\operatorname{relu}``): a multi-letter identifier."""
    return local(el.tag) == "mi" and len(el.text or "") > 1 and (el.text or "").isalpha()


def core(mathml: str, tex: str = "") -> str:
    """latex2mathml's ``mathml`` as MathML Core (see the module's text), without its
    namespace declaration; :class:`MathMLError` naming ``tex`` where it cannot be."""
    try:
        root = ET.fromstring(mathml)
    except ET.ParseError as error:
        raise MathMLError(f"unreadable MathML for {tex!r}: {error}") from None
    for el in root.iter():
        el.tag = local(el.tag)
        if el.tag not in CORE:
            raise MathMLError(f"<{el.tag}> (not MathML Core) in the MathML of {tex!r}")
        text = (el.text or "").strip()
        if text in DELIMITERS:
            el.text = DELIMITERS[text]
        if el.tag == "mo" and text.isalpha() and len(text) > 1:
            el.tag = "mi"  # \operatorname, \max: an upright name, not an operator
        elif el.tag == "mi" and text in AS_OPERATOR:
            el.tag, el.text = "mo", AS_OPERATOR[text]
        elif el.tag == "mo" and text in AS_IDENTIFIER:
            el.tag = "mi"
        if el.tag == "mo" and el.text in ORDINARY:
            el.attrib.update(lspace="0", rspace="0")
        if el.tag == "mo" and el.text in FENCES:
            # TeX spaces none of them; the operator dictionary spaces |, ‖ and the
            # \bigl ones inside a row (plain parentheses and brackets it does not)
            if el.text not in "()[]" or "fence" in el.attrib:
                el.attrib.update(lspace="0", rspace="0")
            if "stretchy" not in el.attrib:
                el.set("stretchy", "false")
        if el.tag == "mi" and el.text in CAPITAL_GREEK:
            el.set("mathvariant", "normal")
        if el.tag == "mrow" and len(el) == 1 and local(el[0].tag) == "mo":
            el[0].attrib.update(lspace="0", rspace="0")  # {,}: punctuation as a symbol
        if "\\" in (el.text or ""):
            raise MathMLError(f"TeX left in the MathML of {tex!r}: {el.text!r}")
        variant = el.attrib.pop("mathvariant", None)
        if variant == "bold" and el.tag == "mn" and all(c in BOLD_DIGIT for c in text):
            el.text = "".join(BOLD_DIGIT[c] for c in text)
        elif variant == "normal" and el.tag == "mi" and len(el.text or "") == 1:
            el.set("mathvariant", variant)  # the one mathvariant MathML Core keeps
        elif variant is not None:
            raise MathMLError(f'mathvariant="{variant}" on <{el.tag}>{text}</{el.tag}> '
                              f"(MathML Core ignores it) in {tex!r}")
        align = el.attrib.pop("columnalign", None)
        if align is not None:  # MathML Core has no columnalign: the cell's own style
            el.set("style", f"text-align: {align}")
        if el.tag == "mover" and len(el) == 2 and local(el[1].tag) == "mo":
            accent = (el[1].text or "").strip()
            if accent in ACCENTS:
                el.set("accent", "true")
                el[1].text = ACCENTS[accent]
                if accent == "\u00af":  # \bar: TeX's macron does not stretch
                    el[1].set("stretchy", "false")
    unscript_primes(root)
    mark_unary_signs(root)
    space_operator_names(root)
    root.attrib.pop("xmlns", None)
    if root.get("display") == "inline":
        del root.attrib["display"]  # the default
    return ET.tostring(root, encoding="unicode", short_empty_elements=True)


def unscript_primes(root: ET.Element) -> None:
    """``x'`` (latex2mathml's ``<msup>x ′</msup>``) as ``x`` followed by ``′``: in a
    superscript a browser draws the prime, already raised, small and higher still."""
    for parent in list(root.iter()):
        for i, child in enumerate(list(parent)):
            scripts = {"msup": 1, "msubsup": 2}.get(local(child.tag))
            if scripts is None or len(child) != scripts + 1:
                continue
            prime = child[scripts]
            if (prime.text or "").strip() not in PRIMES or len(prime):
                continue
            child.remove(prime)
            base = child[0] if scripts == 1 else child
            if scripts == 2:
                child.tag = "msub"
            row = ET.Element("mrow")
            row.append(base)
            row.append(ET.Element("mo", lspace="0", rspace="0"))
            row[1].text = prime.text.strip()
            parent.remove(child)
            parent.insert(i, row)


def mark_unary_signs(root: ET.Element) -> None:
    """A sign first in its row or after an operator (not a closing one) is a prefix:
    TeX spaces ``-1`` and ``(-x)`` as a unary minus; MathML Core takes a sign inside a
    row for a binary one."""
    for parent in [el for el in root.iter() if local(el.tag) in ROWS]:
        before = None
        for child in parent:
            if (local(child.tag) == "mo" and (child.text or "").strip() in SIGNS
                    and "form" not in child.attrib
                    and (before is None or (local(before.tag) == "mo"
                                            and (before.text or "").strip() not in CLOSERS))):
                child.set("form", "prefix")
            if local(child.tag) != "mspace":
                before = child


def space_operator_names(root: ET.Element) -> None:
    """TeX's thin space after an operator name followed by an operand (``\\ln x``), none
    before a parenthesis or a relation (``\\max(0, x)``); limits under ``\\max`` in
    display maths (``munder`` with ``movablelimits``: a subscript inline)."""
    for parent in [el for el in root.iter() if local(el.tag) in ROWS]:
        children = list(parent)
        for i, child in enumerate(children):
            base = child[0] if local(child.tag) in ("msub", "msup", "msubsup") else child
            if not is_name(base):
                continue
            if local(child.tag) == "msub" and base.text in LIMITS and child is not base:
                child.tag = "munder"
                base.tag = "mo"
                base.attrib.update(movablelimits="true", lspace="0", rspace="0")
            following = children[i + 1] if i + 1 < len(children) else None
            if following is not None and local(following.tag) not in ("mo", "mspace"):
                parent.insert(list(parent).index(child) + 1, ET.Element("mspace", width=THIN))
            before = children[i - 1] if i else None  # 2\tanh x: a thin space before too
            if before is not None and local(before.tag) not in ("mo", "mspace"):
                parent.insert(list(parent).index(child), ET.Element("mspace", width=THIN))


def to_mathml(tex: str, display: bool = False) -> str:
    """``tex`` as a MathML Core ``<math>`` element (``display="block"`` if ``display``)."""
    from latex2mathml.converter import convert

    if not tex.strip():
        raise MathMLError("empty formula")
    try:
        mathml = convert(tex, display="block" if display else "inline")
    except Exception as error:  # latex2mathml raises its own errors, and others
        raise MathMLError(f"latex2mathml cannot convert {tex!r}: "
                          f"{type(error).__name__}: {error}") from None
    return core(mathml, tex)


def convert_or_fail(self, node, tex: str, display: bool) -> str:
    try:
        return to_mathml(tex, display)
    except MathMLError as error:
        where = self.builder.current_docname
        line = node.line or (node.parent.line if node.parent is not None else None)
        at = f"{where}:{line}" if line else where
        raise ExtensionError(f"mathml: {at}: {error}") from None


def visit_math(self, node: nodes.math) -> None:
    self.body.append(convert_or_fail(self, node, node.astext(), display=False))
    raise nodes.SkipNode


def visit_displaymath(self, node: nodes.math_block) -> None:
    """A display formula as Sphinx's MathJax renderer writes it (a ``div.math`` with its
    equation number and permalink), its TeX as MathML: one ``<math display="block">``
    per part (Sphinx's parts: separated by a blank line)."""
    self.body.append(self.starttag(node, "div", CLASS="math"))
    if node["number"]:
        number = get_node_equation_number(self, node)
        self.body.append(f'<span class="eqno">({number})')
        self.add_permalink_ref(node, _("Link to this equation"))
        self.body.append("</span>")
    parts = ([node.astext()] if node["nowrap"]
             else [part for part in node.astext().split("\n\n") if part.strip()])
    for part in parts:
        self.body.append(convert_or_fail(self, node, part, display=True))
    self.body.append("</div>\n")
    raise nodes.SkipNode


def choose(app, config):
    config.html_math_renderer = NAME


def setup(app):
    app.add_html_math_renderer(NAME, (visit_math, None), (visit_displaymath, None))
    app.connect("config-inited", choose)
    # it converts each formula where the page is written, from that node alone
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
