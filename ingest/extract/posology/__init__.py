"""Sections 4.2 / 6.6 (posology, preparation) as dosing records (:mod:`ingest.dosing_records`).

* :mod:`ingest.extract.posology.dosing` - ``extract(record)`` fills ``record.dosing``;
* :mod:`ingest.extract.posology.regimens` - regimens, cycles and dose steps;
* :mod:`ingest.extract.posology.prose` / :mod:`ingest.extract.posology.forms` - prose dose rules and their forms;
* :mod:`ingest.extract.posology.table_rows` - table rows printed as prose lines (bands, cells, maintenance column);
* :mod:`ingest.extract.posology.schedules` - schedule phrases (intervals, times per interval) both read;
* :mod:`ingest.extract.posology.modifications` - dose modifications;
* :mod:`ingest.extract.posology.supportive_care` - premedication, hospitalisation, limits;
* :mod:`ingest.extract.posology.preparation_tables` - preparation tables (6.6);
* :mod:`ingest.extract.posology.passages` - passages with positions, quantities, sentences;
* :mod:`ingest.extract.posology.wording` - wording cues as patterns.
"""

__all__ = ['dosing', 'regimens', 'prose', 'forms', 'schedules', 'table_rows', 'modifications', 'supportive_care', 'preparation_tables', 'passages', 'wording']
