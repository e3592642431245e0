"""The PDF reader: the EU product-information PDF -> the document model -> section records.

* :mod:`ingest.readers.pdf.reader` - the reader;
* :mod:`ingest.readers.pdf.glyphs` / :mod:`ingest.readers.pdf.lines` - characters and lines of a page;
* :mod:`ingest.readers.pdf.layout` / :mod:`ingest.readers.pdf.sections` - blocks, headings, sections;
* :mod:`ingest.readers.pdf.tables` - ruled and aligned tables;
* :mod:`ingest.readers.pdf.records` - document model -> section records.
"""

__all__ = ['reader', 'glyphs', 'lines', 'layout', 'sections', 'tables', 'records']
