"""Where smpc-kb's data files live: the one place that knows.

The data sits at the top of the source tree (``ontology/``, ``labels/``,
``docs/queries/``).  A built wheel (``pip install .``) carries the same
folders inside the ``ingest`` package (``ingest/ontology``, ``ingest/labels``,
``ingest/queries``: see ``[tool.setuptools.package-dir]`` in pyproject.toml),
found through :mod:`importlib.resources`; an editable install or a checkout on
``sys.path`` reads them from the source tree.  Everything else asks here:

    data_dir("ontology") / "data" / "units.json"
"""
from __future__ import annotations

import json
from functools import lru_cache
from importlib.resources import as_file, files
from pathlib import Path

# name -> folder in the source tree (the installed package uses the name itself)
_SOURCE = {"ontology": "ontology", "labels": "labels", "queries": "docs/queries"}


@lru_cache(maxsize=None)
def data_dir(name: str) -> Path:
    """The folder holding ``name`` (``ontology``, ``labels`` or ``queries``)."""
    if name not in _SOURCE:
        raise KeyError(f"no data folder {name!r} (known: {', '.join(_SOURCE)})")
    packaged = files(__package__ or "ingest").joinpath(name)
    if packaged.is_dir():  # an installed wheel: a real folder in site-packages
        with as_file(packaged) as path:
            return Path(path)
    return Path(__file__).resolve().parent.parent / _SOURCE[name]


def ontology_dir() -> Path:
    return data_dir("ontology")


def ontology_data(file_name: str) -> Path:
    """A generic-knowledge file in ``ontology/data``."""
    return data_dir("ontology") / "data" / file_name


@lru_cache(maxsize=None)
def ontology_json(file_name: str) -> dict:
    """A generic-knowledge JSON file of ``ontology/data``, read once (settings such as ``dosing.json``)."""
    return json.loads(ontology_data(file_name).read_text(encoding="utf-8"))


def labels_dir() -> Path:
    return data_dir("labels")


def queries_dir() -> Path:
    return data_dir("queries")
