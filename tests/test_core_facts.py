"""Facts read from the bundled BLINCYTO label: product, indications, contraindications,
warnings and numeric statements, each with provenance that quotes the original."""
from __future__ import annotations


def test_product_particulars(blincyto_record):
    p = blincyto_record.product
    assert p.name == "BLINCYTO"
    assert (p.strength.value, p.strength.unit) == (38.5, "ug")
    assert p.active_substance == "blinatumomab"
    assert p.pharmaceutical_form == "Powder for concentrate and solution for solution for infusion"
    assert p.atc_code == "L01FX07"
    assert p.licence_holder == "Amgen Europe B.V."
    assert p.manufacturer == "Amgen Europe B.V."
    assert p.licence_number == "156 76 34580"
    assert blincyto_record.label_id == "blincyto"


def test_excipients_powder_and_solution_listed_separately(blincyto_record):
    by = {}
    for e in blincyto_record.product.excipients:
        by.setdefault(e.component, []).append(e.name)
    assert by["Powder"] == ["Citric acid monohydrate (E330)", "Trehalose dihydrate", "Lysine hydrochloride",
                            "Polysorbate 80", "Sodium hydroxide NF (for pH-adjustment)"]
    assert by["Solution (stabilizer)"] == ["Citric acid monohydrate (E330)", "Lysine hydrochloride", "Polysorbate 80",
                                           "Sodium hydroxide NF (for pH-adjustment)", "Water for injections"]


def test_four_indications_with_populations(blincyto_record):
    inds = {i.id: i.population for i in blincyto_record.indications}
    assert set(inds) == {"adult-relapsed-refractory", "adult-mrd-positive", "pediatric-relapsed-refractory",
                         "pediatric-high-risk-first-relapse"}
    rr = inds["adult-relapsed-refractory"]
    assert rr.age_group == "adult" and rr.min_age.value == 18
    assert rr.markers == {"CD19": "positive"}
    assert rr.disease == "B-cell precursor acute lymphoblastic leukemia"
    assert {"relapsed", "refractory"} <= set(rr.disease_states)
    tki = rr.prior_therapy[0]
    assert (tki.relation, tki.min_count, tki.therapy) == ("failed", 2, "tyrosine kinase inhibitors (TKIs)")
    assert tki.applies_to.startswith("Philadelphia chromosome-positive")
    mrd = inds["adult-mrd-positive"]
    assert mrd.markers == {"Philadelphia chromosome": "negative", "CD19": "positive"}
    assert (mrd.mrd_threshold.value, mrd.mrd_threshold.unit, mrd.mrd_threshold.comparator) == (0.1, "%", ">=")
    assert mrd.remission == ["first", "second"]
    ped = inds["pediatric-relapsed-refractory"]
    assert ped.age_group == "pediatric" and ped.min_age.value == 1 and ped.min_age.unit == "a"
    assert [(t.relation, t.min_count) for t in ped.prior_therapy] == [("received", 2), ("relapse-after", None)]
    assert "allogeneic hematopoietic stem cell transplantation" in ped.prior_therapy[1].therapy
    hr = inds["pediatric-high-risk-first-relapse"]
    assert hr.disease_states == ["high-risk first relapse"]
    assert hr.therapy_role == ["monotherapy", "consolidation"]
    for i in blincyto_record.indications:
        assert i.population.therapy_role[0] == "monotherapy"
        assert i.text.startswith("BLINCYTO is indicated as monotherapy")


def test_two_contraindications(blincyto_record):
    cis = {c.kind: c for c in blincyto_record.contraindications}
    assert len(blincyto_record.contraindications) == 2
    hyper = cis["hypersensitivity"]
    assert len(hyper.excipient_ids) == 10
    bf = cis["condition"]
    assert bf.condition == "Breast-feeding"
    assert bf.time_window == "during and for at least 48 hours after"
    assert (bf.window_after.value, bf.window_after.unit) == (48, "h")
    assert "4.6/breast-feeding" in bf.mentioned_in
    assert bf.window_source.line_start == 1359  # "Consequently, as a precautionary measure, breast-feeding is contraindicated ..."


def test_warnings_with_risk_groups_monitoring_and_cross_references(blincyto_record):
    ws = {w.title: w for w in blincyto_record.warnings}
    neuro = ws["Neurologic events including ICANS"]
    risk = " | ".join(a for a, _ in neuro.at_risk)
    for group in ("Elderly patients", "Down syndrome", "CNS pathology"):
        assert group in risk
    assert any("neurological examination" in m for m, _ in neuro.monitoring)
    assert "4.2" in neuro.cross_refs
    assert "BLINCYTO is indicated" not in neuro.text  # the stray text box is not part of it
    assert any("ECOG" in a for a, _ in ws["Infections"].at_risk)
    assert any("moderate renal impairment" in a for a, _ in ws["Tumor lysis syndrome"].at_risk)
    assert ws["Contraception"].cross_refs == ["4.6"]
    assert "BLINCYTO is indicated:" not in ws


def _stmt(record, kind, about=None):
    return [s for s in record.statements if s.kind == kind and (about is None or about in s.subject)]


def test_pregnancy_lactation_and_driving(blincyto_record):
    (c,) = _stmt(blincyto_record, "contraception-duration")
    assert (c.quantities["duration"].value, c.quantities["duration"].unit) == (48, "h")
    (lac,) = _stmt(blincyto_record, "lactation-avoidance")
    assert lac.quantities["duration"].value == 48
    (drive,) = _stmt(blincyto_record, "driving-influence")
    assert drive.attributes["level"] == "major"
    assert any(s.quantities.get("duration") and s.quantities["duration"].value == 12
               for s in _stmt(blincyto_record, "overdose"))


def test_storage_and_in_use_stability(blincyto_record):
    storage = _stmt(blincyto_record, "storage-condition")
    temps = [s.quantities["temperature"] for s in storage if "temperature" in s.quantities]
    assert (temps[0].low, temps[0].high, temps[0].unit) == (2, 8, "Cel")
    assert any(s.attributes.get("doNotFreeze") for s in storage)
    bag = _stmt(blincyto_record, "in-use-stability", "infusion bag")
    got = {(s.quantities["duration"].value, s.quantities["duration"].unit,
            s.quantities["temperature"].low, s.quantities["temperature"].high) for s in bag}
    assert {(10, "d", 2, 8), (96, "h", 23, 27)} <= got


def test_pharmacokinetics(blincyto_record):
    css = [s for s in _stmt(blincyto_record, "pk-parameter") if s.subject == "Css" and s.population is None]
    assert [(s.quantities["mean"].value, s.quantities["mean"].unit, s.quantities["at-dose"].value) for s in css] == [
        (228, "pg/mL", 9), (616, "pg/mL", 28)]
    hl = [s for s in _stmt(blincyto_record, "pk-parameter") if s.subject == "t1/2" and s.population == "Elimination"]
    assert hl[0].quantities["mean"].value == 2.10


def test_every_source_quotes_the_original(blincyto_record):
    rec = blincyto_record
    sources = [i.source for i in rec.indications] + [c.source for c in rec.contraindications]
    sources += [w.source for w in rec.warnings] + [s.source for s in rec.statements]
    sources += [src for w in rec.warnings for _, src in w.at_risk + w.monitoring]
    for src in sources:
        assert rec.original[src.char_start:src.char_end] == src.quote
        assert rec.original.count("\n", 0, src.char_start) + 1 == src.line_start


def test_bundled_label_graph_conforms(blincyto_graph):
    from kb.validate.shacl import validate_graph

    report = validate_graph(blincyto_graph)
    assert report.conforms, report.text()
    assert report.violations == []
