"""Plain data of a label diff: comparable facts, changes, and text normalisation.

A :class:`Fact` is one comparable thing read from a label-version graph (an
indication, a warning, an adverse reaction, a storage statement ...): a kind,
a generic matching key, a human subject, the fields compared, and where it was
read. A :class:`Change` is one difference between two versions, with the
quotes of both sides. Nothing here knows RDF or any product.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from dataclasses import field as _field

KINDS = ("indication", "contraindication", "warning", "adverse_reaction", "dosing", "product", "text")
CHANGES = ("added", "removed", "changed", "renamed", "moved")
REVERSED = {"added": "removed", "removed": "added", "changed": "changed", "renamed": "renamed", "moved": "moved"}


@dataclass(frozen=True)
class SourceRef:
    """Where a fact or passage was read in one version: section, lines, quote."""

    section: str
    line_start: int
    line_end: int
    quote: str
    fact: str | None = None  # IRI of the fact (or passage) in its version graph
    span: str | None = None  # IRI of the smpc:TextSpan

    def as_dict(self, side: str) -> dict:
        return {"side": side, "section": self.section, "lines": [self.line_start, self.line_end],
                "quote": self.quote, "fact": self.fact}


@dataclass
class Fact:
    kind: str  # one of KINDS (not "text")
    key: str  # generic matching key; facts with equal keys are the same thing
    subject: str  # what to call it in a report
    fields: dict[str, str]  # field -> comparable value (already normalised for display)
    text: str  # for similarity matching
    iri: str
    source: SourceRef | None = None
    field_sources: dict[str, SourceRef] = field(default_factory=dict)
    group: str | None = None  # facts only match inside a group (e.g. a statement kind)
    move_field: str | None = None  # a change of only this field is a "moved" change
    # field -> values the reader could not choose between (an unsettled frequency):
    # a value on the other side among them is no change
    possible: dict[str, set[str]] = field(default_factory=dict)

    def source_for(self, name: str | None) -> SourceRef | None:
        return self.field_sources.get(name or "", self.source)


@dataclass
class Change:
    kind: str
    change: str
    subject: str
    field: str | None = None
    before: str | None = None
    after: str | None = None
    before_source: SourceRef | None = None
    after_source: SourceRef | None = None
    before_fact: str | None = None
    after_fact: str | None = None
    words: list[tuple[str, str]] | None = None  # text changes: ("equal"|"delete"|"insert", text)
    related: list["Change"] = _field(default_factory=list)  # consequences (e.g. a dosing link of a new indication)

    @property
    def sources(self) -> list[dict]:
        out = []
        if self.before_source is not None:
            out.append(self.before_source.as_dict("before"))
        if self.after_source is not None:
            out.append(self.after_source.as_dict("after"))
        return out

    def as_dict(self) -> dict:
        d = {"kind": self.kind, "change": self.change, "subject": self.subject, "field": self.field,
             "before": self.before, "after": self.after, "sources": self.sources}
        if self.words is not None:
            d["words"] = [list(w) for w in self.words]
        if self.related:
            d["related"] = [r.as_dict() for r in self.related]
        return d

    def reversed(self) -> "Change":
        return Change(self.kind, REVERSED[self.change], self.subject, self.field, self.after, self.before,
                      self.after_source, self.before_source, self.after_fact, self.before_fact,
                      [({"delete": "insert", "insert": "delete"}.get(op, op), t) for op, t in self.words]
                      if self.words is not None else None, [r.reversed() for r in self.related])

    def signature(self) -> tuple:
        """What a change says, without where it was read (for comparing diffs)."""
        return (self.kind, self.change, self.subject, self.field, self.before, self.after)


# -- text normalisation ----------------------------------------------------
_BULLETS = "\uf0b7\u2022\u25cf\u25aa\u2023\u2043\uf0a7\uf0d8\u25e6\u2219\u00b7"
_DASHES = {"\u2013": "-", "\u2014": "-", "\u2212": "-", "\u2010": "-", "\u2011": "-"}
_SPACE = re.compile(r"\s+")


def layout_free(text: str) -> str:
    """Layout-free text: one space between words, no bullet glyphs, plain dashes,
    hyphenated line breaks joined ("life- threatening" -> "life-threatening")."""
    t = unicodedata.normalize("NFKC", text or "")
    t = t.replace("\u00ad", "")
    for k, v in _DASHES.items():
        t = t.replace(k, v)
    for g in _BULLETS:
        t = t.replace(g, " ")
    t = _SPACE.sub(" ", t).strip()
    t = re.sub(r"(?<=\w)- (?=[a-z])", "-", t)
    t = re.sub(r"\s+([,.;:)\]])", r"\1", t)
    t = re.sub(r"([(\[])\s+", r"\1", t)
    return t


def word_key(token: str) -> str:
    """Comparison key of one word: hyphens (a layout split or a compound) do not count."""
    return token.replace("-", "").replace("\u00ad", "")


def text_key(text: str) -> str:
    """Comparison key of a text: equal keys mean 'no change but layout'."""
    return "".join(word_key(w) for w in layout_free(text).split(" "))


def similarity(a: str, b: str) -> float:
    """0..1 similarity of two texts by their words (order-aware, layout-free)."""
    from difflib import SequenceMatcher

    wa = [word_key(w).lower() for w in layout_free(a).split(" ") if w]
    wb = [word_key(w).lower() for w in layout_free(b).split(" ") if w]
    if not wa and not wb:
        return 1.0
    if not wa or not wb:
        return 0.0
    return SequenceMatcher(None, wa, wb, autojunk=False).ratio()


def norm_name(text: str | None) -> str:
    return re.sub(r"[^a-z0-9]+", " ", layout_free(text or "").lower()).strip()
