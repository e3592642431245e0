"""The text reader: a PDF-extracted text label -> section records.

* :mod:`ingest.readers.text.reader` - sections, passages and the label's lines;
* :mod:`ingest.readers.text.tables` - tables laid out in text.
"""

__all__ = ['reader', 'tables']
