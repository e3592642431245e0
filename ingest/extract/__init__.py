"""The extractors: section records -> facts as records, each with its quote and place.

* :mod:`ingest.extract.clinical` - indications, contraindications, warnings (4.1, 4.3, 4.4);
* :mod:`ingest.extract.adverse` - adverse reactions and their frequencies (4.8);
* :mod:`ingest.extract.posology` - dosing rules (4.2, 6.6);
* :mod:`ingest.extract.product` - product particulars (1-3, 5.1, 6.1, 7-9);
* :mod:`ingest.extract.statements` - numeric statements (4.5-4.7, 4.9, 5.2, 6.3, 6.4);
* :mod:`ingest.extract.identity` - the label id and version;
* :mod:`ingest.extract.fact_checks` - facts an extractor could not settle, set aside.
"""

__all__ = ['clinical', 'adverse', 'posology', 'product', 'statements', 'identity', 'fact_checks']
