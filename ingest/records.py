"""Typed records that every reader and extractor produces.

These dataclasses are the contract between ``ingest`` (which knows nothing of
RDF) and ``kb`` (which turns them into a graph).  Every fact carries a
:class:`Source` that points back to the label text it came from.

Conventions
-----------
* Line numbers are 1-based and inclusive, counted in the original file.
* Character offsets are 0-based, ``char_end`` exclusive, into the original
  file's text (after decoding), so ``original[char_start:char_end]`` is the
  raw passage, artefacts and all.
* For structured inputs (FHIR ePI) ``locator`` holds the path of the element in
  the source document and line numbers may be 0.
* ``section`` is the section key: ``"4.4"`` for a numbered (sub)section and
  ``"4.4/infections"`` for a named sub-heading inside it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Source:
    """Where a fact was read: section key, line span, char span, verbatim quote."""

    section: str
    line_start: int
    line_end: int
    char_start: int
    char_end: int
    quote: str
    locator: str | None = None  # e.g. FHIR element path
    derivation: str = "stated"  # stated | inferred | curated
    rule: str | None = None  # the rule used when inferred, or the curator's reason
    confidence: float | None = None
    page: int | None = None  # 1-based page of the input document (PDF), when known


@dataclass
class Paragraph:
    """One passage of a section: a paragraph, list item or table row."""

    text: str  # cleaned
    source: Source
    kind: str = "paragraph"  # paragraph | list-item | table-row | heading
    artefact: str | None = None  # why it is not label content (e.g. duplicated text box)


@dataclass
class Section:
    key: str  # "4.4" or "4.4/infections"
    number: str  # "4.4" (for sub-headings: the number of the numbered parent)
    title: str
    level: int  # 1 for "4.", 2 for "4.4", 3 for sub-headings
    parent: str | None
    text: str  # cleaned text of the body (artefacts removed)
    raw: str  # original text of the whole span including the heading
    source: Source
    paragraphs: list[Paragraph] = field(default_factory=list)
    tables: list["Table"] = field(default_factory=list)

    @property
    def is_subheading(self) -> bool:
        return "/" in self.key


@dataclass
class Table:
    """A table kept as structure (FHIR/HTML input); text input keeps rows as paragraphs.

    ``cell_sources[i][j]`` holds one Source per line of cell ``rows[i][j]`` and
    ``header_sources[j]`` one per header cell, where the reader knows them
    (XHTML, PDF); empty otherwise."""

    caption: str | None
    header: list[str]
    rows: list[list[str]]
    source: Source
    cell_sources: list[list[list[Source]]] = field(default_factory=list)
    header_sources: list[Source] = field(default_factory=list)
    # what the reader established about cells whose column rules were lost (a table recovered from
    # flattened text), by (row, column) of every slot the cell covers; empty when the layout states them
    readings: dict[tuple[int, int], "CellReading"] = field(default_factory=dict)
    # rows the reader could not place in the table (an unknown organ class ...): (reason, source)
    unread: list[tuple[str, Source]] = field(default_factory=list)
    # the legend printed under a frequency column's heading: band -> (legend as printed, its source)
    legends: dict[str, tuple[str, Source]] = field(default_factory=dict)
    # the notes printed under the table, as (marker, text, source), where the reader tells them apart
    footnotes: list[tuple[str, str, Source]] = field(default_factory=list)


@dataclass
class CellReading:
    """A cell of a table whose column rules were lost, as its reader could establish it.

    The cell spans header columns ``first``..``last`` (it repeats in every slot it
    covers): one column when the reader settled it, several when it stays open
    between them; the reader never guesses among them. ``term`` is the cell as
    printed without the footnote markers glued to it, ``markers`` those markers;
    ``rule`` says how the columns were inferred and ``confidence`` how sure a settled
    column is. ``row_markers``: the markers belong to every entry of the row (an
    organ-class cell)."""

    first: int
    last: int
    term: str
    markers: list[str] = field(default_factory=list)
    rule: str | None = None
    confidence: float | None = None
    row_markers: bool = False

    @property
    def settled(self) -> bool:
        return self.first == self.last


@dataclass
class RecoveredTable(Table):
    """A table the text reader recovered from flattened text (columns lost in extraction).

    Handed over in the shape every reader's table has: ``header`` names the
    organ-class column and the frequency columns; each printed reaction has a row
    of its own (its organ class repeated), in printed order, and stands in every
    column it may stand in, with its :class:`CellReading` (``readings``);
    ``footnotes`` the notes printed after the table, ``legends`` those under the
    headings, ``unread`` the rows whose organ class does not resolve. ``layout``
    keeps the recovered structure and the layout evidence the columns were settled
    from (see :mod:`ingest.readers.text.tables`: shared lines, gaps, blank lines)."""

    layout: Any = None


@dataclass
class Quantity:
    """A number with a UCUM unit. Ranges use ``low``/``high`` and leave ``value`` None."""

    value: float | None
    unit: str  # UCUM code: "ug/d", "Cel", "h", "d", "mL", "pg/mL", "%", "a" (years) ...
    low: float | None = None
    high: float | None = None
    comparator: str | None = None  # ">=", "<", ... as printed
    text: str | None = None  # as printed


@dataclass
class Excipient:
    id: str
    name: str
    component: str | None  # e.g. "Powder", "Solution (stabilizer)"
    source: Source


@dataclass
class Coding:
    """A code a structured input gives for the product (FHIR ePI Bundle resources).

    ``role``: product-identifier | product-name | classification | atc | active-substance |
    substance | licence-holder | organisation | authorisation."""

    role: str
    system: str | None
    code: str | None
    display: str | None
    source: Source


@dataclass
class Product:
    name: str
    source: Source
    strength: Quantity | None = None
    strength_source: Source | None = None
    active_substance: str | None = None
    active_substance_source: Source | None = None
    pharmaceutical_form: str | None = None
    form_source: Source | None = None
    atc_code: str | None = None
    atc_source: Source | None = None
    excipients: list[Excipient] = field(default_factory=list)
    licence_holder: str | None = None
    licence_holder_source: Source | None = None
    manufacturer: str | None = None
    manufacturer_source: Source | None = None
    licence_number: str | None = None
    licence_number_source: Source | None = None
    codings: list[Coding] = field(default_factory=list)


@dataclass
class Population:
    age_group: str | None = None  # adult | pediatric | any: the first group printed
    min_age: Quantity | None = None
    max_age: Quantity | None = None
    disease: str | None = None
    # biomarker / genetic status as printed, e.g. {"CD19": "positive",
    # "Philadelphia chromosome": "negative"}; names come from the label
    markers: dict[str, str] = field(default_factory=dict)
    disease_states: list[str] = field(default_factory=list)
    prior_therapy: list["PriorTherapy"] = field(default_factory=list)
    therapy_role: list[str] = field(default_factory=list)  # monotherapy | consolidation | ...
    mrd_threshold: Quantity | None = None
    remission: list[str] = field(default_factory=list)  # first | second
    description: str | None = None
    min_weight: Quantity | None = None
    max_weight: Quantity | None = None
    combination_with: list[str] = field(default_factory=list)  # partners as printed
    criteria: list[str] = field(default_factory=list)  # other criteria as printed (BMI, need of therapy)
    age_groups: list[str] = field(default_factory=list)  # every group printed, in order ("adults and adolescents")


@dataclass
class PriorTherapy:
    """A prior-therapy condition: "failed at least 2 TKIs", "relapse after allogeneic HSCT"."""

    text: str
    relation: str  # failed | received | relapse-after
    therapy: str
    min_count: int | None = None
    applies_to: str | None = None  # a sub-population it is restricted to, as printed


@dataclass
class Indication:
    id: str
    text: str
    population: Population
    source: Source
    cross_refs: list[str] = field(default_factory=list)
    heading: str | None = None  # the 4.1 sub-heading(s) it stands under, " / "-joined


@dataclass
class Contraindication:
    id: str
    text: str
    kind: str  # hypersensitivity | condition
    source: Source
    condition: str | None = None
    excipient_ids: list[str] = field(default_factory=list)
    mentioned_in: list[str] = field(default_factory=list)  # section keys that mention it
    time_window: str | None = None  # e.g. "during and for at least 48 hours after"
    window_after: Quantity | None = None
    window_source: Source | None = None
    cross_refs: list[str] = field(default_factory=list)


@dataclass
class Warning:
    id: str
    title: str
    text: str
    section: str  # section key of the sub-heading
    source: Source
    at_risk: list[tuple[str, Source]] = field(default_factory=list)
    monitoring: list[tuple[str, Source]] = field(default_factory=list)
    cross_refs: list[str] = field(default_factory=list)


@dataclass
class Statement:
    """A numeric statement from sections 4.5-4.9, 5.2, 6.3, 6.4 and the like.

    ``kind`` names what it states (vocabulary terms in the ontology):
    contraception-duration, lactation-avoidance, pk-parameter, shelf-life,
    storage-condition, in-use-stability, interaction, overdose, driving ...
    """

    id: str
    kind: str
    subject: str  # what it is about: "prepared infusion bag", "Css", ...
    text: str
    source: Source
    quantities: dict[str, Quantity] = field(default_factory=dict)  # role -> quantity
    population: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass
class Issue:
    """A problem found while reading: a value, never an exception."""

    severity: str  # error | warning | info
    message: str
    section: str | None = None
    line: int | None = None
    rule: str | None = None


UNRESOLVED_KINDS = (
    "adverse-row",  # a 4.8 table row / paragraph whose organ class does not resolve
    "adverse-cell",  # a 4.8 cell that cannot be read as an entry (no organ class, unknown frequency)
    "adverse-frequency",  # a 4.8 entry whose frequency the text leaves open between columns
    "table",  # a table that could not be read as a whole (e.g. a dose table without a dose)
    "table-cell",  # any other table cell an extractor could not read
    "table-row",
    "sentence",  # a sentence an extractor recognised but could not settle
)


@dataclass
class Unresolved:
    """What an extractor recognised but could not settle: never written as a fact.

    ``kind`` is one of :data:`UNRESOLVED_KINDS`; ``quote`` the text as printed;
    ``source`` where it lies (section, line span or page, char offsets);
    ``reason`` why it is left open; ``candidates`` the values the text leaves
    open (e.g. two frequency columns); ``fact_id`` the fact it belongs to when
    that fact was written without the open value (an entry with an open frequency).
    """

    id: str
    kind: str
    quote: str
    reason: str
    source: Source
    candidates: list[str] = field(default_factory=list)
    fact_id: str | None = None

    @property
    def section(self) -> str:
        return self.source.section

    def where(self) -> str:
        s = self.source
        if s.page is not None:
            return f"section {s.section}, page {s.page}"
        if s.line_start:
            return f"section {s.section}, line {s.line_start}"
        return f"section {s.section}" + (f", {s.locator}" if s.locator else "")

    def describe(self) -> str:
        cands = f" (one of: {', '.join(self.candidates)})" if self.candidates else ""
        return f"unresolved {self.kind} [{self.where()}]: {self.reason}{cands}: \"{self.quote}\""


@dataclass
class LabelRecord:
    """Everything read from one label version."""

    label_id: str
    version: str
    source_path: str
    reader: str  # "text" | "fhir-epi-json" | "fhir-epi-xml"
    original: str  # the original text (for quotes); for FHIR, the serialised bundle
    sections: list[Section]
    title: str | None = None
    document_kind: str = "smpc"
    version_date: str | None = None
    version_basis: str | None = None  # what the version is: revision | renewal | first-authorisation | content-hash | given
    product: Product | None = None
    indications: list[Indication] = field(default_factory=list)
    contraindications: list[Contraindication] = field(default_factory=list)
    warnings: list[Warning] = field(default_factory=list)
    statements: list[Statement] = field(default_factory=list)
    # Filled by the extractors of later capabilities; kept as Any here so this
    # module does not depend on them.
    adverse_reactions: Any = None
    product_codings: list[Coding] = field(default_factory=list)  # from a FHIR Bundle's coded resources
    dosing: Any = None
    issues: list[Issue] = field(default_factory=list)
    unresolved: list[Unresolved] = field(default_factory=list)
    # The label as the document model (ingest.document.Document): the PDF reader's own model, or the
    # text and FHIR readers' sections as that model (ingest.records_document); Any: no import cycle.
    document: Any = None

    def add_unresolved(self, kind: str, quote: str, reason: str, source: Source,
                       candidates: list[str] | None = None, fact_id: str | None = None) -> Unresolved:
        """Record an unresolved item with a stable id (kind and number within the label)."""
        n = 1 + sum(1 for u in self.unresolved if u.kind == kind)
        item = Unresolved(f"{kind}-{n}", kind, quote, reason, source, list(candidates or []), fact_id)
        self.unresolved.append(item)
        return item

    def section(self, key: str) -> Section | None:
        for s in self.sections:
            if s.key == key:
                return s
        return None

    def children(self, key: str) -> list[Section]:
        return [s for s in self.sections if s.parent == key]
