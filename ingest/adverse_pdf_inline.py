"""Section 4.8 lists outside tables in structured labels (PDF, FHIR): organ-class
sub-headings, each followed by lines that start with their frequency label
("Common: dizziness, orthostatic dizziness*"), the layout of a table printed
without rules and read as paragraphs.

``inline_entries(record, ids)`` returns one AdverseReaction per term. A
sentence after the label ("Hyperkalaemia occurred more often in ...") gives its
subject as the term. Nothing here knows a product.
"""
from __future__ import annotations

from dataclasses import replace

from .adverse_cells import band_segments, noun_phrase, split_terms
from .adverse_records import AdverseReaction
from .ids import IdMaker
from .records import LabelRecord


def inline_entries(record: LabelRecord, ids: IdMaker) -> list[AdverseReaction]:
    from .adverse_table_html import match_soc_exact

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
            for freq, rest in band_segments(p.text):
                for term, notes in split_terms(noun_phrase(rest)):
                    out.append(AdverseReaction(
                        id=ids(f"{soc.abbrev}-{term}"), term=term, soc=soc.name, frequency=freq,
                        source=replace(p.source, quote=p.text), soc_as_printed=sec.title,
                        frequency_basis="stated", footnotes=list(notes),
                    ))
    return out
