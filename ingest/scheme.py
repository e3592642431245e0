"""The SmPC section scheme, read from ``ontology/data/smpc-sections.json``."""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from functools import lru_cache

from .data_location import ontology_json



@dataclass(frozen=True)
class SchemeSection:
    number: str
    titles: tuple[str, ...]
    required: bool
    role: str
    subheadings: tuple[str, ...] = ()  # the QRD template's standard sub-headings of the section

    @property
    def level(self) -> int:
        return self.number.count(".") + 1

    @property
    def parent(self) -> str | None:
        return self.number.rsplit(".", 1)[0] if "." in self.number else None


def load_json(name: str) -> dict:
    """A generic-knowledge file of ``ontology/data``, read once (:func:`ingest.data_location.ontology_json`)."""
    return ontology_json(name)


@lru_cache(maxsize=1)
def scheme() -> dict[str, SchemeSection]:
    data = load_json("smpc-sections.json")
    return {
        s["number"]: SchemeSection(s["number"], tuple(s["titles"]), bool(s["required"]), s["role"],
                                   tuple(s.get("subheadings", ())))
        for s in data["sections"]
    }


def is_standard_subheading(number: str, text: str) -> bool:
    """Is ``text`` one of the template's standard sub-headings of section ``number`` (case, British
    or American spelling and punctuation aside)?"""
    return _norm(text) in _subheadings(number)


@lru_cache(maxsize=64)
def _subheadings(number: str) -> frozenset[str]:
    sec = scheme().get(number)
    return frozenset(_norm(t) for t in sec.subheadings) if sec is not None else frozenset()


def number_for_role(role: str) -> str | None:
    for s in scheme().values():
        if s.role == role:
            return s.number
    return None


_NON_ALNUM = re.compile(r"[^a-z0-9]+")


@lru_cache(maxsize=1024)
def _norm(t: str) -> str:
    t = t.lower().replace("isation", "ization").replace("licence", "license")
    t = t.replace("paediatric", "pediatric").replace("anaem", "anem").replace("oedem", "edem")
    return _NON_ALNUM.sub(" ", t).strip()


@lru_cache(maxsize=8192)
def title_matches(number: str, title: str) -> bool:
    """Does ``title`` fit one of the scheme's titles for ``number``? (Asked about every heading
    candidate of a label, often the same line again: answered once per title. The similarity is
    computed only when its cheap upper bounds reach 0.8, as ``difflib.get_close_matches`` does.)"""
    entry = scheme().get(number)
    if entry is None:
        return False
    t = _norm(title)
    if not t:
        return False
    for known in entry.titles:
        k = _norm(known)
        if t == k or t.startswith(k) or k.startswith(t) and len(t) >= 8:
            return True
        m = difflib.SequenceMatcher(None, t, k)
        if m.real_quick_ratio() >= 0.8 and m.quick_ratio() >= 0.8 and m.ratio() >= 0.8:
            return True
    return False


def required_numbers() -> list[str]:
    return [n for n, s in scheme().items() if s.required]
