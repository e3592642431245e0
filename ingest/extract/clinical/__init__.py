"""Indications (4.1), contraindications (4.3) and warnings (4.4) as records.

* :mod:`ingest.extract.clinical.facts` - the extractor of the three sections;
* :mod:`ingest.extract.clinical.indications`, :mod:`ingest.extract.clinical.contraindications`,
  :mod:`ingest.extract.clinical.warnings` - one reader per section;
* :mod:`ingest.extract.clinical.population` - the population of a fact as data.
"""

__all__ = ['facts', 'indications', 'contraindications', 'warnings', 'population']
