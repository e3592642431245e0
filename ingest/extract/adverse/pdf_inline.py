"""Section 4.8 lists outside tables in structured labels (PDF, FHIR): organ-class
sub-headings, each followed by lines that start with their frequency label
("Common: dizziness, orthostatic dizziness*"), the layout of a table printed
without rules and read as paragraphs.

``inline_entries(record, ids)`` returns one AdverseReaction per term. A
sentence after the label ("Raised sodium occurred more often in ...") gives its
subject as the term. Nothing here knows a product.
"""
from __future__ import annotations

import re
from dataclasses import replace
from functools import lru_cache

from ingest.extract.adverse.cells import band_segments, layouts, noun_phrase, split_terms
from ingest.extract.adverse.data import band_of_percent, bands, heading_band, match_soc_exact, term_key
from ingest.extract.adverse.incidence import population_age_group
from ingest.extract.adverse.records import AdverseReaction, Incidence
from ingest.ids import IdMaker
from ingest.records import LabelRecord


def inline_entries(record: LabelRecord, ids: IdMaker) -> list[AdverseReaction]:
    out: list[AdverseReaction] = []
    for sec in record.sections:
        if sec.number != "4.8" or sec.key == "4.8":
            continue
        soc = match_soc_exact(sec.title.rstrip(":"))
        if soc is None:
            continue
        for p in sec.paragraphs:
            if p.kind == "table-row":
                continue
            segments = band_segments(p.text)
            pct_pop = None
            if not segments:  # "In N% of <population>, a rise in X, which ..., has been observed."
                m = _INCIDENCE_SENTENCE.match(p.text)
                if m:
                    rest = _RELATIVE.sub(" ", m.group("rest"))
                    segments = [(band_of_percent(float(m.group("pct"))), _ARTICLE.sub("", noun_phrase(rest)))]
                    pct_pop = (float(m.group("pct")), m.group("pop").strip())
            for freq, rest in segments:
                for term, notes in split_terms(noun_phrase(rest)):
                    e = AdverseReaction(
                        id=ids(f"{soc.abbrev}-{term}"), term=term, soc=soc.name, frequency=freq,
                        source=replace(p.source, quote=p.text), soc_as_printed=sec.title,
                        frequency_basis="stated", footnotes=list(notes),
                    )
                    if pct_pop:
                        _add_incidence(e, p, sec, term, *pct_pop)
                    out.append(e)
    return out


_INCIDENCE_SENTENCE = re.compile(r"^\s*In\s+(?P<pct>\d+(?:\.\d+)?)\s*%\s+of\s+(?P<pop>[^,]+),\s*(?P<rest>.+)$")
_RELATIVE = re.compile(r",\s*which\b[^,]*,")
_ARTICLE = re.compile(r"^\s*(?:a|an|the)\s+", re.I)


_PERCENT_ITEM = re.compile(r"^(?P<term>[^()%:]+?)\s*\(\s*(?P<pct>\d+(?:[.,]\d+)?)\s*%\s*\)$")


_PERCENT_IN_ITEM = re.compile(r"^(?P<term>[^()%:]+?)\s+in\s+(?P<pct>\d+(?:[.,]\d+)?)\s*%\s+of\b.*$")
_LIST = re.compile(r"^(?P<lead>[^:]*?)(?::|\s(?:were|are)\s)(?P<items>.+)$")


def _soc_cues() -> dict[str, str]:
    return {c["cue"]: c["soc"] for c in layouts()["soc_cues"]}


def _names_people(pop: str | None) -> bool:
    return bool(pop) and bool(set(re.findall(r"[a-z]+", pop.lower())) & set(layouts()["people_words"]))


def _known_socs(entries: list[AdverseReaction]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for e in entries:
        if e.soc:
            out.setdefault(term_key(e.term), set()).add(e.soc)
    return out


@lru_cache(maxsize=1)
def _meddra_socs() -> dict[str, str]:
    """MedDRA terms with their primary organ class (``term_socs`` of ``adverse-layouts.json``)."""
    return {term_key(t): soc for t, soc in layouts()["term_socs"].items()}


def _head_socs(known: dict[str, set[str]], term: str) -> set[str]:
    """The organ classes of the table terms that are this term with a qualifier before it
    ("hypotension" stated in prose, "orthostatic hypotension" in the table): the label's own
    class for that reaction; empty when the table holds no such term."""
    key = term_key(term)
    if not key:
        return set()
    return {soc for k, socs in known.items() if k.endswith(" " + key) for soc in socs}


def _restated_band() -> re.Pattern:
    heads = sorted({h for b in bands() for h in b.headings}, key=len, reverse=True)
    cues = "|".join(re.escape(c).replace(r"\ ", r"\s*") for c in layouts()["band_restatement"])
    return re.compile(rf"\(\s*(?:{cues})\s*,?\s*({'|'.join(map(re.escape, heads))})\s*\)", re.I)


def prose_entries(record: LabelRecord, ids: IdMaker, entries: list[AdverseReaction]) -> list[AdverseReaction]:
    """Reactions stated in 4.8 sentences outside tables and organ-class lists:

    * a list of reactions with their incidence after a colon ("the following
      adverse reactions occurred ...: headache (7.9%), cough (0.9%)"), each
      with the band its percentage falls in;
    * a sentence restating the band in words ("X and Y were reported in 0.5%
      of the patients (i.e., uncommon)").

    The organ class is not printed there: it is the class the same term has in
    the label's own table, else the one class of the table's terms that name
    the same reaction with a qualifier before it ("orthostatic hypotension" for
    "hypotension"), else the primary class of the MedDRA term where the data
    lists it (``term_socs``). A term none of these settles becomes an
    unresolved item, never a guess."""
    known = _known_socs(entries)
    out: list[AdverseReaction] = []
    words = [w.lower() for w in layouts()["reaction_words"]]
    for sec in record.sections:
        if sec.number != "4.8":
            continue

        if match_soc_exact(sec.title.rstrip(":")):
            continue
        for p in sec.paragraphs:
            if p.kind == "table-row" or p.artefact:
                continue
            # (term, band, percent, population, organ-class hint, band printed in words)
            found: list[tuple[str, str, float | None, str | None, str | None, bool]] = []
            flat = " ".join(p.text.lower().split())
            if any(c in flat for c in layouts()["unknown_frequency"]) and sec.key != "4.8" and not record.children(sec.key):
                found.append((sec.title, "not known", None, None, None, True))  # "The frequency of this is unknown"
            last_pop = None
            for sentence in re.split(r"(?<=[a-z)%])\.\s+(?=[A-Z])", p.text):
                pop, n = _population(sentence)
                if not _names_people(pop):
                    pop = last_pop  # "In the open-label period of this trial": the population above
                last_pop = pop
                m = _restated_band().search(sentence)
                if m:
                    subject = noun_phrase(sentence[: m.start()])
                    subject = subject.rsplit(",", 1)[-1].strip()
                    b = heading_band(m.group(1))
                    pct = re.search(r"(\d+(?:\.\d+)?)\s*%", sentence[: m.start()])
                    for t in re.split(r",|\s+and\s+", subject):
                        if t.strip():
                            found.append((t.strip(), b, float(pct.group(1)) if pct else None, pop, None, True))
                    continue
                lm = _LIST.match(sentence)
                if pop is None:
                    continue  # incidences of the whole study: a summary of the table, not entries of their own
                if lm is None or not any(w in lm.group("lead").lower() for w in words + list(_soc_cues())):
                    continue
                hint = next((soc for cue, soc in _soc_cues().items() if cue in lm.group("lead").lower()), None)
                items = [x.strip(" .") for x in re.split(r",|\s+and\s+", lm.group("items"))]
                hits = [_PERCENT_ITEM.match(x) or _PERCENT_IN_ITEM.match(x) for x in items if x]
                if len(hits) >= 2 and all(hits):
                    for h in hits:
                        pct = float(h.group("pct").replace(",", "."))
                        found.append((h.group("term").strip(), band_of_percent(pct), pct, pop, hint, False))
            for term, b, pct, pop, hint, printed in found:
                same = next((e for e in entries + out if term_key(term) == term_key(e.term) and e.frequency == b), None)
                if same is not None:  # restates an entry: it keeps the population the sentence gives
                    _add_incidence(same, p, sec, term, pct, pop)
                    continue
                socs_ = known.get(term_key(term), set()) or ({hint} if hint else set())
                head = not socs_ and _head_socs(known, term)
                listed = not socs_ and not head and _meddra_socs().get(term_key(term))
                socs_ = socs_ or head or ({listed} if listed else set())
                if len(socs_) != 1:
                    record.add_unresolved("adverse-row", p.text, f"'{term}' ({b}) is stated outside the tables "
                                          "without its organ class, and the tables do not settle it",
                                          replace(p.source, quote=p.text))
                    continue
                soc_rule = ("organ class of the same term in the label's table" if term_key(term) in known else
                            "organ class of the table's terms naming the same reaction with a qualifier before it"
                            if head else "primary organ class of the MedDRA term" if listed
                            else "organ class named by the sentence's wording")
                # a band printed in words is stated; one worked out from a percentage is inferred, by that rule
                band_rule = None if printed or pct is None else f"the band the stated incidence ({pct:g}%) falls in"
                e = AdverseReaction(
                    id=ids(f"prose-{term}"), term=term, soc=next(iter(socs_)), frequency=b,
                    source=replace(p.source, quote=p.text, derivation="inferred" if band_rule else p.source.derivation),
                    soc_as_printed=None, frequency_basis="inferred" if band_rule else "stated",
                    frequency_rule=f"{band_rule}; {soc_rule}" if band_rule else soc_rule,
                )
                _add_incidence(e, p, sec, term, pct, pop)
                out.append(e)
    return out


def _add_incidence(e: AdverseReaction, p, sec, term: str, pct: float | None, pop: str | None) -> None:
    """The incidence and population a sentence states for an entry."""
    if pct is None and not pop:
        return
    e.incidences.append(Incidence("any grade", replace(p.source, quote=p.text), percent=pct, unit="%",
                                  population=pop, subject=term, entry_id=e.id,
                                  age_group=population_age_group(f"{sec.title} {pop or ''}"), section_key=sec.key))


def _population(sentence: str) -> tuple[str | None, int | None]:
    """The population a sentence states its figures for: its leading "In ...,"
    clause, without a leading study description ("a trial of N")."""
    m = re.match(r"\s*In\s+([^,:;]+),", sentence)
    if not m:
        return None, None
    pop = m.group(1).strip()
    k = re.search(r"\bof\s+(\d[\d,]*)\s+(?=[a-z])", pop)
    if k:
        return pop[k.end():], int(k.group(1).replace(",", ""))
    return pop, None
