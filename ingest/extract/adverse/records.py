"""Records of section 4.8 (undesirable effects): the contract for every reader.

The text extractor (:mod:`ingest.extract.adverse.reactions`) and the FHIR ePI reader
(HTML tables: organ-class rows x frequency columns) both build these, and
:mod:`kb.rdf.adverse` turns them into RDF.  ``record.adverse_reactions`` holds
one :class:`AdverseReactionSet` (or ``None`` when section 4.8 is absent).

Field conventions (keep stable; other readers depend on them)
-------------------------------------------------------------
* ``AdverseReaction.term``: the term as printed, footnote markers removed,
  wrapped cells re-joined ("Pain - site unspecified").
* ``soc``: the official MedDRA system organ class name, exactly as listed in
  ``ontology/data/meddra-soc.json`` (``name``), e.g. "Blood and lymphatic
  system disorders"; ``soc_as_printed`` keeps the label's wording
  ("Blood and lymphatic system disorders" / "Haemorrhages" ...).
* ``frequency``: one of :data:`FREQUENCY_NAMES` (lower case, as in the API),
  or None when the text leaves it open between columns: then
  ``frequency_options`` holds the candidates (at least two, in column order),
  ``frequency_basis`` is ``"open"`` and the label record holds an unresolved
  item of kind "adverse-frequency" for the entry. Never a guessed default.
* ``frequency_basis``: ``"stated"`` (read from a table cell, column heading or
  inline list), ``"inferred"`` (a rule settled it; ``frequency_rule`` names
  the rule), ``"curated"`` (a reviewed curation file fixed it;
  ``frequency_rule`` holds the curator's reason) or ``"open"`` (see above).
  ``source.derivation`` says the same for provenance (open: "inferred").
* ``own_markers``: the footnote markers printed on the term itself (the rest
  of ``footnotes`` come from its organ class).
* ``confidence``: 0..1, 1.0 for stated and curated facts.
* ``footnotes``: the marker letters/numbers as printed ("a", "b", "18").
* ``see_section``: a section key ("4.8/<selected-reaction-subsection>") when a
  footnote points to a "Description of selected adverse reactions" subsection.
* ``Incidence.percent``: a percentage (0..100) for ``kind`` "any grade",
  "serious", "grade>=3", "fatal", "discontinuation"; for "time-to-onset" and
  other non-percentage kinds ``percent`` is None and ``value``/``unit`` (UCUM,
  "d" for days) hold the number.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ingest.extract.adverse.data import bands
from ingest.records import Source

# the frequency bands, most frequent first, as ontology/data/adverse-frequency.json names them
FREQUENCY_NAMES = tuple(b.name for b in bands())
INCIDENCE_KINDS = (
    "any grade",
    "serious",
    "grade>=3",
    "grade>=4",
    "fatal",
    "discontinuation",
    "interruption",
    "time-to-onset",
    "duration",
)


@dataclass
class Incidence:
    """A number the label gives about how often / when a reaction occurred."""

    kind: str  # one of INCIDENCE_KINDS
    source: Source
    percent: float | None = None  # 0..100 for rate kinds
    value: float | None = None  # for time-to-onset, duration ...
    unit: str | None = None  # UCUM: "d", "h", "%"
    statistic: str | None = None  # "median" | "mean" | None
    range_low: float | None = None
    range_high: float | None = None
    population: str | None = None  # as printed: "adults with moderate disease"
    age_group: str | None = None  # adult | pediatric | elderly | None
    n: int | None = None  # study size (patients)
    study: str | None = None  # study name / number or "pooled"
    subject: str | None = None  # what it is about, as printed ("nausea", an abbreviation)
    entry_id: str | None = None  # AdverseReaction.id it was attached to
    match_rule: str | None = None  # how subject was matched to the entry
    section_key: str | None = None  # selected-reaction subsection it came from


@dataclass
class AdverseReaction:
    """One table entry: a term in a system organ class with a frequency."""

    id: str
    term: str
    soc: str | None  # official MedDRA SOC name (ontology/data/meddra-soc.json); None if unknown
    frequency: str | None  # one of FREQUENCY_NAMES; None when open (see frequency_options)
    source: Source
    soc_as_printed: str | None = None
    frequency_basis: str = "stated"  # stated | inferred | curated | open
    frequency_rule: str | None = None
    confidence: float = 1.0
    footnotes: list[str] = field(default_factory=list)
    included_terms: list[str] = field(default_factory=list)
    may_represent: list[str] = field(default_factory=list)  # "Events may represent X" -> ["X"]
    composite_events: list[str] = field(default_factory=list)  # events of a composite term
    term_level: str | None = None  # "HLGT" | "HLT" | "PT" | None
    see_section: str | None = None  # section key of a selected-reaction subsection
    incidences: list[Incidence] = field(default_factory=list)
    frequency_source: Source | None = None  # where the frequency was decided
    frequency_options: list[str] = field(default_factory=list)  # candidates the evidence allows
    own_markers: list[str] | None = None  # markers on the term itself; None: all of footnotes

    @property
    def is_open(self) -> bool:
        return self.frequency is None

    def frequency_text(self) -> str:
        """The frequency as a reader sees it: "common" or, when open, "common or uncommon"."""
        return self.frequency or " or ".join(self.frequency_options)


@dataclass
class FrequencyBand:
    """A frequency category with its bounds as fractions (``low`` <= f < ``high``)."""

    name: str  # one of FREQUENCY_NAMES
    source: Source | None  # the label's legend; None when taken from the ontology
    low: float | None = None
    high: float | None = None
    printed: str | None = None  # "(≥ 1/100 to < 1/10)"


@dataclass
class Footnote:
    """A table footnote: marker and text, with what it was read to mean."""

    marker: str
    text: str
    source: Source
    included_terms: list[str] = field(default_factory=list)
    may_represent: list[str] = field(default_factory=list)
    composite_events: list[str] = field(default_factory=list)
    term_level: str | None = None
    see_section: str | None = None  # "selected" when it points to the selected-reactions text
    subject: str | None = None  # the term the footnote defines ("Rash")


@dataclass
class AdverseReactionSet:
    """Everything read from section 4.8 of one label version."""

    entries: list[AdverseReaction] = field(default_factory=list)
    bands: list[FrequencyBand] = field(default_factory=list)
    footnotes: list[Footnote] = field(default_factory=list)
    incidences: list[Incidence] = field(default_factory=list)  # all, attached or not
    style: str | None = None  # "flattened-table" | "inline-list" | "html-table"
    summary_population: str | None = None
    summary_n: int | None = None
    curation: str | None = None  # path of the curation file applied, if any

    def by_soc(self, soc: str) -> list[AdverseReaction]:
        return [e for e in self.entries if e.soc == soc]

    def entry(self, entry_id: str) -> AdverseReaction | None:
        return next((e for e in self.entries if e.id == entry_id), None)
