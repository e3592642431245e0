"""Section 4.8 printed as inline lists: "Very common: nausea, headache. Common: rash."

An organ class may head a paragraph ("Gastrointestinal disorders: Very common:
nausea; common: ...") or stand as its own line/sub-heading; frequency labels
are the headings of adverse-frequency.json.  Frequencies here are stated.
"""
from __future__ import annotations

import re
from dataclasses import replace

from ingest.extract.adverse.data import bands, soc_by_name, soc_prefix
from ingest.extract.adverse.footnotes import strip_markers
from ingest.extract.adverse.records import AdverseReaction, AdverseReactionSet, FrequencyBand
from ingest.ids import IdMaker
from ingest.records import Issue, LabelRecord, Section

_HEAD = sorted({h for b in bands() for h in b.headings}, key=len, reverse=True)
_FREQ = re.compile(r"(?<![\w-])(" + "|".join(re.escape(h) for h in _HEAD) + r")\s*(?:\([^)]*\))?\s*:\s*", re.I)


def _band_name(label: str) -> str:
    low = label.lower()
    return next(b.name for b in bands() if low in b.headings)


def parse_inline(record: LabelRecord, sections: list[Section]) -> AdverseReactionSet | None:
    ids = IdMaker()
    out = AdverseReactionSet(style="inline-list")
    for sec in sections:
        soc = None
        soc_printed = None
        for p in sec.paragraphs:
            if p.artefact:
                continue
            text = p.text
            hit = soc_prefix(text)
            first_freq = _FREQ.search(text)
            lead = re.match(r"^([A-Z][^:]{3,80}?)\s*:", text[:first_freq.start()] if first_freq else "")
            if hit and (len(text) == len(hit[1]) or text[len(hit[1]):].lstrip().startswith(":")):
                soc, soc_printed = hit[0], hit[1]
                text = text[len(hit[1]):].lstrip(" :")
            elif lead and re.search(r"disorders|conditions|complications|infestations", lead.group(1)):
                # an organ class heading this paragraph that is not a MedDRA class: its entries are
                # unresolved, never filed under the class of the paragraph before
                record.issues.append(Issue("warning", f"unknown system organ class '{lead.group(1)}'", sec.key,
                                           p.source.line_start, "adverse.unknown-soc"))
                soc, soc_printed = None, lead.group(1)
                text = text[lead.end():]
            elif not first_freq:
                m = re.match(r"^([A-Z][^:]{3,80}?):\s*$", text) or re.match(r"^([A-Z][^:]{3,80}?(?:disorders|conditions))\s*:", text)
                if m and soc_by_name(m.group(1)) is None and re.search(r"disorders|conditions|complications", m.group(1)):
                    record.issues.append(Issue("warning", f"unknown system organ class '{m.group(1)}'", sec.key,
                                               p.source.line_start, "adverse.unknown-soc"))
                    soc, soc_printed = None, m.group(1)
                continue
            parts = _FREQ.split(text)
            for k in range(1, len(parts) - 1, 2):
                freq = _band_name(parts[k])
                body = re.split(r"(?<=[a-z)])\.\s+(?=[A-Z])", parts[k + 1].strip())[0].rstrip(" .;")
                for term in re.split(r"\s*[,;]\s*|\s+and\s+", body):
                    term = term.strip(" .")
                    if not term:
                        continue
                    clean, markers = strip_markers(term, set())
                    src = replace(p.source, section=sec.key, derivation="stated", rule=None, confidence=None)
                    name = clean[:1].upper() + clean[1:]
                    if soc is None:  # no official organ class: not an entry
                        why = (f"organ class '{soc_printed}' is not a MedDRA system organ class" if soc_printed
                               else "listed without an organ class")
                        if soc_printed is None:
                            record.issues.append(Issue("warning", f"'{clean}' listed without an organ class",
                                                       sec.key, p.source.line_start, "adverse.cell-without-soc"))
                        record.add_unresolved("adverse-cell", f"{parts[k].strip()}: {term}",
                                              f"'{name}' ({freq}): {why}; not read as an entry", src)
                        continue
                    out.entries.append(AdverseReaction(
                        ids(f"{soc.abbrev if soc else 'unknown'}-{clean}"), name, soc.name if soc else None, freq,
                        src, soc_as_printed=soc_printed, frequency_basis="stated",
                        frequency_rule=f"listed under '{parts[k].strip()}'", footnotes=markers, frequency_source=src))
    if not out.entries:
        return None
    out.bands = [FrequencyBand(b.name, None, b.low, b.high, b.legend) for b in bands()]
    return out
