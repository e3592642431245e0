"""Typed records of section 4.2 / 6.6 dosing rules (filled by ``ingest.extract.posology.dosing``).

Every number is a :class:`Quantity` with a UCUM unit and every record carries
the :class:`Source` it was read from. Cycle ranges are 1-based and inclusive;
``last`` None means "and every later cycle" ("subsequent cycles").
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .records import Quantity, Source


@dataclass
class WeightGroup:
    """A body-weight band of a regimen; ``basis`` is fixed | bsa | weight."""

    id: str  # e.g. "ge-45-kg", "lt-45-kg", "any"
    basis: str
    source: Source
    min_kg: Quantity | None = None  # with comparator ">=" or ">"
    max_kg: Quantity | None = None  # with comparator "<" or "<="
    label: str | None = None


@dataclass
class DoseStep:
    """The daily dose (or a treatment-free interval) for cycles x days x weight group."""

    id: str
    weight_group: str
    first_cycle: int
    last_cycle: int | None
    first_day: int
    last_day: int
    phase: str  # infusion | treatment-free
    source: Source
    dose: Quantity | None = None  # per day: "ug/d", "ug/m2/d", "mg/kg/d" ...
    cap: Quantity | None = None  # "not to exceed"
    cap_source: Source | None = None


@dataclass
class CyclePhase:
    """Named part of a course: induction cycles 1-2, consolidation cycles 3-5."""

    role: str  # induction | consolidation | treatment
    first_cycle: int
    last_cycle: int
    source: Source


@dataclass
class RegimenUse:
    """An indication a regimen doses, with the population limits that indication states."""

    indication_id: str
    source: Source
    age_group: str | None = None  # adult | pediatric | any
    min_age: Quantity | None = None
    max_age: Quantity | None = None


@dataclass
class Premedication:
    id: str
    kind: str  # premedication | additional | pre-phase
    text: str
    source: Source
    drug: str | None = None
    dose: Quantity | None = None  # "mg" or "mg/m2"
    cap: Quantity | None = None
    alternative: str | None = None  # "or equivalent (e.g. ...)"
    routes: list[str] = field(default_factory=list)
    before_start: Quantity | None = None  # time before the start of the cycle ("h" / "min"), low/high for ranges
    cycles: str = "each"  # each | first | "1"
    day: int | None = 1
    window: Quantity | None = None  # e.g. first 48 h of each cycle
    age_group: str | None = None  # adult | pediatric | None (all)
    criteria: list[tuple[str, Quantity]] = field(default_factory=list)  # pre-phase thresholds


@dataclass
class Hospitalisation:
    """Minimum hospital stay: first ``days`` days of the cycles selected.

    ``days`` is None when the label gives no number (supervision "at the start
    of each subsequent cycle")."""

    id: str
    first_cycle: int
    last_cycle: int | None
    days: int | None
    source: Source
    kind: str = "hospitalisation"  # hospitalisation | supervision
    condition: str | None = None  # e.g. "cns-history"
    text: str | None = None


@dataclass
class Regimen:
    id: str
    title: str
    section: str
    source: Source
    infusion_days: int | None = None
    treatment_free_days: int | None = None
    cycle_days: int | None = None
    max_cycles: int | None = None
    cycles_source: Source | None = None
    phases: list[CyclePhase] = field(default_factory=list)
    weight_groups: list[WeightGroup] = field(default_factory=list)
    steps: list[DoseStep] = field(default_factory=list)
    uses: list[RegimenUse] = field(default_factory=list)
    premedications: list[Premedication] = field(default_factory=list)
    hospitalisations: list[Hospitalisation] = field(default_factory=list)
    modification_table: str | None = None  # id of the DoseModificationTable that applies


@dataclass
class ModificationAction:
    """One cell of the dose-modification table."""

    id: str
    toxicities: list[str]
    toxicity_group: str  # the row label as printed
    grade: int | None  # None for event rows ("Convulsion")
    event: str | None
    weight_group: str  # "ge-45-kg" ...
    action: str  # interrupt | discontinue | consider-discontinue
    text: str
    source: Source
    condition: str | None = None  # "if clinically relevant", "if more than one convulsion occurs"
    until: str | None = None  # resolved | max-grade
    until_max_grade: int | None = None
    until_min_days: int | None = None
    restart_dose: Quantity | None = None
    escalate_dose: Quantity | None = None
    escalate_after: Quantity | None = None  # days
    premedication_drug: str | None = None
    premedication_dose: Quantity | None = None
    taper: Quantity | None = None  # days
    discontinue_if_at_restart_dose: bool = False
    discontinue_if_resolution_over: Quantity | None = None  # days


@dataclass
class InterruptionRule:
    id: str
    text: str
    source: Source
    outcome: str  # continue-cycle | new-cycle | discontinue
    max_days: Quantity | None = None  # interruption no longer than
    min_days: Quantity | None = None  # interruption longer than
    resolution_over: Quantity | None = None  # toxicity takes more than ... to resolve
    infusion_days_total: Quantity | None = None


@dataclass
class DoseModificationTable:
    id: str
    source: Source
    regimen_ids: list[str] = field(default_factory=list)
    actions: list[ModificationAction] = field(default_factory=list)
    rules: list[InterruptionRule] = field(default_factory=list)
    grading: str | None = None  # footnote, e.g. the CTCAE version


@dataclass
class InfusionOption:
    id: str
    hours: Quantity
    rate: Quantity  # mL/h
    source: Source


@dataclass
class PreparationRow:
    id: str
    hours: Quantity
    dose: Quantity  # per day, "ug/d" or "ug/m2/d"
    rate: Quantity
    volume: Quantity  # mL of reconstituted product
    vials: int
    source: Source
    bsa: Quantity | None = None  # band: low/high "m2"


@dataclass
class PreparationTable:
    id: str
    title: str
    weight_group: str  # matches WeightGroup ids ("ge-45-kg")
    source: Source
    min_kg: Quantity | None = None
    max_kg: Quantity | None = None
    rows: list[PreparationRow] = field(default_factory=list)


@dataclass
class Administration:
    concentration: Quantity | None = None  # after reconstitution, "ug/mL"
    concentration_source: Source | None = None
    bag_volume: Quantity | None = None  # starting volume, "mL"
    delivered_volume: Quantity | None = None  # volume infused, "mL"
    volume_source: Source | None = None
    bag_change_max: Quantity | None = None  # "h"
    bag_change_source: Source | None = None
    max_infusion: Quantity | None = None
    max_infusion_source: Source | None = None
    options: list[InfusionOption] = field(default_factory=list)


@dataclass
class Limit:
    """What the label says is not established (no dose may be given there)."""

    id: str
    quantity_kind: str  # age | bsa | weight
    limit: Quantity  # with comparator, e.g. "<" 1 "a"
    text: str
    source: Source
    regimen_id: str | None = None  # None: the whole label


@dataclass
class DoseComponent:
    """One component of a fixed-combination dose ("one 50 mg/300 mg tablet": both numbers
    are one dose); listed in the printed order, the first being the rule's ``dose``."""

    id: str
    dose: Quantity
    source: Source


@dataclass
class DoseBand:
    """The dose of a prose rule for one body-weight band ("14 kg to less than 25 kg: ...",
    "40 mg for patients < 30 kg or 80 mg for patients >= 30 kg")."""

    id: str
    dose: Quantity
    source: Source
    min_kg: Quantity | None = None  # comparator ">=" or ">"
    max_kg: Quantity | None = None  # comparator "<" or "<="
    schedule: str | None = None
    interval: Quantity | None = None
    times_per_interval: int | None = None


@dataclass
class DosePhase:
    """A phase of a prose rule: loading then maintenance, doses at printed weeks
    ("at 0, 2 and 6 weeks"), then a repeat ("then every 8 weeks")."""

    id: str
    role: str  # loading | maintenance | induction
    source: Source
    dose: Quantity | None = None  # None: the rule's dose
    at_weeks: list[float] = field(default_factory=list)
    interval: Quantity | None = None
    times_per_interval: int | None = None
    schedule: str | None = None
    starts_after: Quantity | None = None  # "beginning three weeks after the loading dose"


@dataclass
class DoseRule:
    """A dosing statement printed as prose in a 4.2 sub-section (no day table).

    ``dose`` is per administration as printed ("mg", "mg/kg", "mg/m2"; a range
    uses low/high); ``max_dose`` caps one administration, ``max_period_dose``
    the total per period ("mg/wk"). ``interval`` is the time between
    administrations (``times_per_interval`` > 1 for "twice weekly").
    """

    id: str
    title: str  # the sub-heading as printed
    section: str  # its section key
    text: str  # the sentence the dose was read from
    source: Source
    basis: str  # fixed | weight | bsa
    dose_role: str  # initial | stated | range | up-to
    dose: Quantity | None = None
    max_dose: Quantity | None = None
    max_dose_source: Source | None = None
    max_period_dose: Quantity | None = None
    max_period_source: Source | None = None
    approx_dose: Quantity | None = None  # "(approximately 90-900 mg/m2)"
    schedule: str | None = None  # as printed: "once weekly", "every 48 hours"
    interval: Quantity | None = None  # "wk", "d", "h"; low/high for "every one or two weeks"
    interval_source: Source | None = None
    times_per_interval: int | None = None
    administrations: int | None = None  # "for four doses"
    duration: Quantity | None = None  # "for five days"
    stop_when: str | None = None  # "until the CSF appears normal"
    course_interval: Quantity | None = None  # "repeated at seven day intervals"
    course_interval_source: Source | None = None
    courses: Quantity | None = None  # "not less than four courses" (comparator ">=")
    courses_source: Source | None = None
    split_doses: Quantity | None = None  # "divided into three doses"
    split_interval: Quantity | None = None  # "at 12-hour intervals"
    split_source: Source | None = None
    test_dose: Quantity | None = None
    test_dose_source: Source | None = None
    routes: list[str] = field(default_factory=list)
    age_group: str | None = None  # adult | pediatric, from the heading or "in adults"
    min_age: Quantity | None = None  # "from 12 years of age" (>=), "above 12 years of age" (>): heading or opening line
    max_age: Quantity | None = None  # "from 6 to 17 years of age": 17 (<=, the whole 17th year)
    min_weight: Quantity | None = None  # "weighing at least 30 kg" (>=)
    indication_ids: list[str] = field(default_factory=list)  # 4.1 indications the heading matches
    components: list[DoseComponent] = field(default_factory=list)  # fixed combination: every component
    escalate_to: Quantity | None = None  # "can be increased to ...", "titrated up to ..."
    escalate_source: Source | None = None
    increment: Quantity | None = None  # "increased by one ... tablet per week" (unit per period)
    increment_source: Source | None = None
    dose_step: Quantity | None = None  # "in steps of 1 unit"
    condition: str | None = None  # "with each main meal", "when co-administered with ..."
    bands: list[DoseBand] = field(default_factory=list)
    phases: list[DosePhase] = field(default_factory=list)


@dataclass
class DosingRecord:
    regimens: list[Regimen] = field(default_factory=list)
    modification_tables: list[DoseModificationTable] = field(default_factory=list)
    administration: Administration = field(default_factory=Administration)
    preparation_tables: list[PreparationTable] = field(default_factory=list)
    limits: list[Limit] = field(default_factory=list)
    general_hospitalisation: list[Hospitalisation] = field(default_factory=list)
    dose_rules: list[DoseRule] = field(default_factory=list)
