"""The population of a fact as data: age range, weight, disease, biomarkers,
prior therapy, combination partners, therapy role and other criteria.

Every wording cue is generic and lives in ``ontology/data/clinical-terms.json``.
"""
from __future__ import annotations

import re
from functools import lru_cache

from ingest.quantities import number
from ingest.quotes import sentences
from ingest.records import Paragraph, Population, PriorTherapy, Quantity, Section
from ingest.scheme import load_json


@lru_cache(maxsize=1)
def terms() -> dict:
    return load_json("clinical-terms.json")


def rx(pattern: str) -> re.Pattern:
    return re.compile(pattern, re.I)


def content(sec: Section | None) -> list[Paragraph]:
    return [p for p in (sec.paragraphs if sec else []) if not p.artefact and p.text]


_ABBREVIATION = re.compile(r"\(([A-Z][A-Za-z0-9-]{1,8})\)")


def abbreviations(original: str) -> dict[str, str]:
    """'acute lymphoblastic leukemia (ALL)' -> {'ALL': 'acute lymphoblastic leukemia'}."""
    out: dict[str, str] = {}
    for abbr, phrase in _abbreviated(original.replace("\n", " ")):
        words = phrase.split()
        initials = [w for w in words if w[0].isalpha()]
        take = []
        for w in reversed(initials):
            take.insert(0, w)
            if len(take) >= len(abbr.replace("-", "")) or w[0].upper() == abbr[0]:
                if w[0].upper() == abbr[0]:
                    break
        if take and take[0][0].upper() == abbr[0] and abbr not in out:
            out[abbr] = " ".join(take)
    return out


def _abbreviated(text: str):
    r"""(abbreviation, the one to six words before it) as ``re.finditer`` of
    ``((?:[\w-]+\s+){1,6}?)\(([A-Z][A-Za-z0-9-]{1,8})\)`` finds them, without trying that
    pattern at every character of the label (40 ms for a label): each "(ABBR)" is found first,
    then its words are read backwards, no further back than the end of the previous match."""
    floor = 0
    for m in _ABBREVIATION.finditer(text):
        at = start = m.start()
        for _ in range(6):  # a group is a word run and the whitespace after it
            space = at
            while space > floor and text[space - 1].isspace():
                space -= 1
            word = space
            while word > floor and (text[word - 1].isalnum() or text[word - 1] in "_-"):
                word -= 1
            if space == at or word == space:
                break
            at = word
        if at == start:
            continue
        floor = m.end()
        yield m.group(1), text[at:start]


def _age_unit(word: str) -> str:
    return "a" if word.lower().startswith("y") else "mo"


def _ages(pop: Population, text: str) -> None:
    """Age group(s) named, and the lowest age: stated ('from 2 years of age'), else
    implied by the groups named only when every group named has a lowest age
    ('adults and children' has none)."""
    t = terms()
    implied: list[float] = []
    open_ended = False
    printed: list[tuple[int, str]] = []
    for g in t["age_groups"]:
        m = rx(g["pattern"]).search(text)
        if m:
            pop.age_group = pop.age_group or g["group"]
            printed.append((m.start(), g["group"]))
            if g.get("min_age_years"):
                implied.append(float(g["min_age_years"]))
            else:
                open_ended = True
    for _, group in sorted(printed):  # "adults and adolescents aged 12 years and older": both, as printed
        if group not in pop.age_groups:
            pop.age_groups.append(group)
    for pattern in t["min_age_patterns"]:
        m = rx(pattern).search(text)
        if m:
            pop.min_age = Quantity(number(m.group(1)), _age_unit(m.group(2)), comparator=">=", text=m.group(0))
            return
    if implied and not open_ended:
        group = next(g["group"] for g in t["age_groups"] if g.get("min_age_years") == min(implied))
        pop.min_age = Quantity(min(implied), "a", comparator=">=", text=group)


def _weights(pop: Population, text: str) -> None:
    t = terms()
    m = rx(t["min_weight"]).search(text)
    if m:
        pop.min_weight = Quantity(number(m.group(1).replace(",", ".")), "kg", comparator=">=", text=m.group(0))
    m = rx(t["max_weight"]).search(text)
    if m:
        pop.max_weight = Quantity(number(m.group(1).replace(",", ".")), "kg", comparator="<", text=m.group(0))


def _add(items: list[str], value: str) -> None:
    value = re.sub(r"\s+", " ", value).strip(" ,;.")
    if value and value not in items:
        items.append(value)


def population_of(text: str, abbrev: dict[str, str] | None = None, heading: str | None = None) -> Population:
    t = terms()
    pop = Population(description=text)
    _ages(pop, text)
    _weights(pop, text)
    head = re.split(r"\.\s", text, maxsplit=1)[0]
    for m in rx(t["markers"]).finditer(head):
        pop.markers[re.sub(r"\s+", " ", m.group(1))] = m.group(2).lower()
    for s in t["disease_states"]:
        if rx(s["pattern"]).search(head):
            pop.disease_states.extend(x for x in s["states"] if x not in pop.disease_states)
    m = rx(t["remission"]).search(head)
    if m:
        pop.remission = [x for x in re.split(r"\s+or\s+", m.group(1).lower())]
    m = rx(t["threshold"]).search(head)
    if m:
        pop.mrd_threshold = Quantity(float(m.group(1)), "%", comparator=">=", text=m.group(0))
    sub = rx(t["subgroup"])
    for sent in sentences(text):
        sm = sub.search(sent)
        applies = sm.group(1) if sm else None
        for rule in t["prior_therapy"]:
            for pm in rx(rule["pattern"]).finditer(sent):
                count = number(pm.group(1)) if pm.group(1) else None
                therapy = pm.group(2).strip(" ,")
                pop.prior_therapy.append(
                    PriorTherapy(pm.group(0).strip(" ,"), rule["relation"], therapy, int(count) if count else None, applies)
                )
    for m in rx(t["combination"]).finditer(head):
        _add(pop.combination_with, m.group(1))
    for pattern in t["criteria"]:
        for m in rx(pattern).finditer(head):
            _add(pop.criteria, m.group(0))
    for r in t["therapy_roles"]:
        if rx(r["pattern"]).search(text):
            pop.therapy_role.append(r["role"])
    pop.disease = disease(head, abbrev or {}) or _heading_disease(heading)
    return pop


def _heading_disease(heading: str | None) -> str | None:
    """A heading that names a disease ('Metastatic breast cancer') gives its items their disease."""
    if not heading:
        return None
    last = heading.split(" / ")[-1].strip()
    return last if 0 < len(last.split()) <= terms()["heading_max_words"] else None


def disease(head: str, abbrev: dict[str, str]) -> str | None:
    """The disease of an indication sentence: the first disease phrase that names one
    (not its population, and not only criteria), abbreviations expanded."""
    t = terms()
    people = rx(t["population_words"])
    for pattern in t["disease_phrases"]:
        for m in re.finditer(pattern, head, re.I):
            if people.match(m.group(1)):
                continue
            d = _clean(m.group(1), abbrev)
            if d:
                return d
    return None


def _clean(phrase: str, abbrev: dict[str, str]) -> str | None:
    t = terms()
    d = re.split(t["disease_stop"], phrase)[0]
    d = rx(t["markers"]).sub("", d)
    for s in t["disease_states"]:
        d = rx(s["pattern"]).sub("", d)
    for pattern in t["criteria"]:
        d = rx(pattern).sub("", d)
    d = re.sub(r"\b(?:relapsed|refractory|first|high-risk)\b", "", d, flags=re.I)
    d = re.sub(r"\s+", " ", d).strip(" .,-")
    d = re.sub(r"\s*\(([A-Z][A-Za-z0-9-]{1,8})\)$", "", d)
    words = d.split()
    if words and words[-1] in abbrev:
        words[-1] = abbrev[words[-1]]
        d = " ".join(words)
    return d or None
