"""Active content in FHIR narrative: removed before the narrative is read, so it is never text.

FHIR narrative must not contain scripts, styles, frames, objects or forms, nor event-handler
attributes. :func:`strip_active` removes those elements with everything inside them from a parsed
``div`` (the text after a removed element is kept) and returns a :class:`DroppedNote` for each
removal and each ``on*`` attribute, so the reader can report them.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from ingest.readers.fhir.safe_xml import XNode

ACTIVE_TAGS = {"script", "style", "noscript", "iframe", "frame", "frameset", "object", "embed", "applet", "form",
               "input", "button", "select", "textarea", "link", "meta", "base"}


@dataclass
class DroppedNote:
    locator: str
    what: str  # "<script> element" | "onclick attribute" ...
    line: int



def strip_active(node: XNode, loc: str) -> list[DroppedNote]:
    """Remove scripts, styles and other active elements (with their content) from the tree, in place;
    note them and any event-handler attributes. Text after a removed element is kept."""
    notes = [DroppedNote(loc, f"{a} attribute", node.line) for a in node.attrs if a.lower().startswith("on")]
    counts: Counter[str] = Counter()
    kept: list[XNode] = []
    for c in node.children:
        counts[c.tag] += 1
        cloc = f"{loc}/{c.tag}[{counts[c.tag]}]"
        if c.tag.lower() in ACTIVE_TAGS:
            notes.append(DroppedNote(cloc, f"<{c.tag}> element", c.line))
            if kept:
                kept[-1].tail += c.tail
            else:
                node.text += c.tail
            continue
        notes.extend(strip_active(c, cloc))
        kept.append(c)
    node.children = kept
    return notes
