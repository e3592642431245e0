"""Text analysis for search: tokens, spelling variants, synonyms, typo correction, queries.

Everything product- or language-specific (spelling rewrites, abbreviations,
synonym groups, the kind of passage by section number) lives in
``ontology/data/search-synonyms.json``; this module only applies it.

Analysis chain (index and query time alike)::

    words and hyphenated words -> lower case -> hyphen compounds (joined form
    plus its parts) -> spelling variants -> stop words -> Porter stem

so "breast-feeding", "breastfeeding" and "breast feeding" meet, and so do
"anaemia"/"anemia" and "hospitalisation"/"hospitalization".
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from whoosh.analysis import Filter, LowercaseFilter, RegexTokenizer, StemFilter, StopFilter

from ingest.data_location import ontology_data

if TYPE_CHECKING:  # the queries are made only when searching: an ingest does not load whoosh.query (20 ms)
    from whoosh import query as wq

DATA_FILE = ontology_data("search-synonyms.json")
TOKEN_PATTERN = r"\w+(?:[-\u2010\u2011]\w+)*"
_HYPHENS = re.compile(r"[-\u2010\u2011]")


@dataclass
class Vocabulary:
    """The search data file, compiled."""

    rules: list[tuple[re.Pattern, str, frozenset | None]]
    words: dict[str, str]
    groups: list[dict]
    section_kinds: dict[str, str]
    fingerprint: str
    _memo: dict[str, str] = field(default_factory=dict, repr=False, compare=False)

    def normalize(self, word: str) -> str:
        hit = self._memo.get(word)
        if hit is not None:
            return hit
        w = self.words.get(word, word)
        for rx, rep, only in self.rules:
            if only is None or w in only:
                w = rx.sub(rep, w)
        if len(self._memo) > 200_000:  # a bound for odd input; a label's vocabulary is far smaller
            self._memo.clear()
        self._memo[word] = w
        return w


def load_vocabulary(path: str | Path | None = None) -> Vocabulary:
    raw = Path(path or DATA_FILE).read_bytes()
    data = json.loads(raw)
    rules = [(re.compile(r["pattern"]), r["replace"], frozenset(r["only"]) if r.get("only") else None)
             for r in data.get("spelling", [])]
    return Vocabulary(rules, dict(data.get("words", {})), list(data.get("synonyms", [])),
                      dict(data.get("section_kinds", {})), hashlib.sha1(raw).hexdigest()[:12])


class HyphenFilter(Filter):
    """'breast-feeding' -> 'breastfeeding' (at the first part's position), 'breast', 'feeding'."""

    def __call__(self, tokens):
        shift = 0
        for t in tokens:
            text = t.text
            if t.positions:
                t.pos += shift
            if not _HYPHENS.search(text):
                yield t
                continue
            parts = [p for p in _HYPHENS.split(text) if p]
            base = t.pos if t.positions else 0
            start = t.startchar if t.chars else 0
            t.text = "".join(parts)
            yield t
            offset = 0
            for i, p in enumerate(parts):
                at = text.find(p, offset)
                offset = at + len(p)
                t.text = p
                if t.positions:
                    t.pos = base + i
                if t.chars:
                    t.startchar, t.endchar = start + at, start + at + len(p)
                yield t
            shift += len(parts) - 1


class VariantFilter(Filter):
    """Rewrites spelling variants to one form (data: ``spelling`` and ``words``)."""

    def __init__(self, vocab: Vocabulary):
        self.vocab = vocab

    def __eq__(self, other):
        return isinstance(other, VariantFilter) and other.vocab.fingerprint == self.vocab.fingerprint

    def __call__(self, tokens):
        norm = self.vocab.normalize
        for t in tokens:
            t.text = norm(t.text)
            yield t


def make_analyzer(vocab: Vocabulary, stem: bool = True):
    chain = RegexTokenizer(TOKEN_PATTERN) | LowercaseFilter() | HyphenFilter() | VariantFilter(vocab)
    if stem:
        chain = chain | StopFilter(minsize=1) | StemFilter(cachesize=50000)
    return chain


def index_tokens(analyzer, text: str) -> list[tuple[str, int, int, int]]:
    """``(text, pos, startchar, endchar)`` of each token ``analyzer(text, positions=True, chars=True)``
    yields, for indexing. A chain made by :func:`make_analyzer` is run here in one loop, stage by
    stage as whoosh runs it (whoosh's generator per filter and per token was most of the time of
    indexing a label); ``tests/test_search_index.py`` compares the two on every text of the bundled
    label's search documents. Any other analyzer goes through whoosh."""
    items = getattr(analyzer, "items", None)
    if not _made_here(items):
        return [(t.text, t.pos, t.startchar, t.endchar) for t in analyzer(text, positions=True, chars=True)]
    tokenizer, _lower, _hyphen, variant, *morph = items
    norm = variant.vocab.normalize
    stop, stem = (morph[0], morph[1]) if morph else (None, None)
    final = _final_words(analyzer)  # word -> its indexed form (or _STOPPED): spelling, stop list, stem once
    out: list[tuple[str, int, int, int]] = []
    append = out.append
    shift = 0
    kept: int | None = None  # StopFilter's renumbering: kept tokens' positions run on from the first
    for i, m in enumerate(tokenizer.expression.finditer(text)):
        word = m.group(0).lower()
        pos, start = i + shift, m.start()
        stream: list[tuple[str, int, int, int]]
        if not _HYPHENS.search(word):
            stream = [(word, pos, start, m.end())]
        else:  # as HyphenFilter: the joined form, then each part
            parts = [part for part in _HYPHENS.split(word) if part]
            stream = [("".join(parts), pos, start, m.end())]
            offset = 0
            for j, part in enumerate(parts):
                at = word.find(part, offset)
                offset = at + len(part)
                stream.append((part, pos + j, start + at, start + at + len(part)))
            shift += len(parts) - 1
        for word_, p, a, b in stream:
            w = final.get(word_)
            if w is None:
                w = final[word_] = _final_form(word_, norm, stop, stem)
            if w is _STOPPED:
                continue
            if stop is not None:
                if stop.renumber:
                    if kept is None:
                        kept = p
                    else:
                        kept += 1
                        p = kept
            append((w, p, a, b))
    return out


_STOPPED = object()


def _final_words(analyzer) -> dict:
    memo = analyzer.__dict__.setdefault("_final_words", {})
    if len(memo) > 200_000:  # a bound for odd input, as Vocabulary.normalize's
        memo.clear()
    return memo


def _final_form(word: str, norm, stop, stem):
    """A word's form in the index as the chain makes it: spelling variant, then (stemming
    chains) the stop list and the stem; ``_STOPPED`` for a stop word."""
    w = norm(word)
    if stop is not None and (len(w) < stop.min or (stop.max is not None and len(w) > stop.max) or w in stop.stops):
        return _STOPPED
    if stem is not None and w not in stem.ignore:
        w = stem._stem(w)
    return w


def _made_here(items) -> bool:
    """Whether ``items`` is a chain as :func:`make_analyzer` makes it (with or without stemming)."""
    if not items or len(items) not in (4, 6):
        return False
    kinds = [RegexTokenizer, LowercaseFilter, HyphenFilter, VariantFilter, StopFilter, StemFilter]
    return (all(type(item) is kind for item, kind in zip(items, kinds))
            and not items[0].gaps and (len(items) == 4 or getattr(items[5], "_stem", None) is not None))


# -- user queries -------------------------------------------------------------
@dataclass
class Unit:
    """One thing the user asked for: a word, a quoted phrase or a known multi-word term."""

    text: str
    phrase: bool = False
    alternatives: list[str] = field(default_factory=list)
    corrected: str | None = None


_QUOTED = re.compile(r'"([^"]*)"')


def split_query(text: str) -> list[Unit]:
    """Quoted phrases become phrase units; an unbalanced quote is ignored."""
    units: list[Unit] = []
    rest = []
    pos = 0
    for m in _QUOTED.finditer(text):
        rest.append(text[pos:m.start()])
        if m.group(1).strip():
            units.append(Unit(m.group(1).strip(), phrase=True))
        pos = m.end()
    rest.append(text[pos:])
    words = re.findall(TOKEN_PATTERN, " ".join(rest).replace('"', " "))
    return units + [Unit(w) for w in words]


class QueryBuilder:
    """Turns the user's text into a whoosh query over the weighted text fields."""

    def __init__(self, vocab: Vocabulary, fields: dict[str, float]):
        self.vocab = vocab
        self.fields = fields
        self.stemmed = make_analyzer(vocab, stem=True)
        self.plain = make_analyzer(vocab, stem=False)
        self._members: list[tuple[tuple[str, ...], int, str, bool]] = []
        for gi, group in enumerate(vocab.groups):
            for term in group["terms"]:
                key = tuple(t.text for t in self.plain(term) if not _is_part_of_compound(term, t.text))
                self._members.append((key, gi, term, bool(group.get("case_sensitive"))))
        self._members.sort(key=lambda m: -len(m[0]))
        self._by_concat = {}
        for key, gi, term, case in self._members:
            self._by_concat.setdefault("".join(_joined(k) for k in key), (gi, term, case))
        self._longest = max((len(re.findall(TOKEN_PATTERN, m[2])) for m in self._members), default=1) + 1

    def _group_of(self, raw_words: list[str], i: int) -> tuple[int, int] | None:
        """The longest synonym-group member starting at word i: (group index, words used).

        Words are compared with spaces and hyphens removed, so "breast feeding",
        "breast-feeding" and "breastfeeding" all name the same member.
        """
        norm = [_joined(self.vocab.normalize(w.lower())) for w in raw_words]
        for n in range(min(self._longest, len(raw_words) - i), 0, -1):
            hit = self._by_concat.get("".join(norm[i:i + n]))
            if hit is None:
                continue
            gi, term, case = hit
            if case and " ".join(raw_words[i:i + n]) != term:
                continue
            return gi, n
        return None

    def units(self, text: str, correct=None) -> list[Unit]:
        """Split, group multi-word synonyms, correct unknown words, add alternatives."""
        units = split_query(text)
        phrases = [u for u in units if u.phrase]
        words = [u.text for u in units if not u.phrase]
        out: list[Unit] = []
        i = 0
        while i < len(words):
            hit = self._group_of(words, i)
            if hit is None and correct is not None:
                fixed = correct(self.vocab.normalize(words[i].lower()))
                if fixed:
                    hit = self._group_of([fixed], 0)
                    unit = Unit(words[i], corrected=fixed)
                    # the typed word stays an alternative: a correction adds results, never hides them
                    unit.alternatives = [words[i]] + (list(self.vocab.groups[hit[0]]["terms"]) if hit else [fixed])
                    out.append(unit)
                    i += 1
                    continue
            if hit is None:
                out.append(Unit(words[i], alternatives=[words[i]]))
                i += 1
                continue
            gi, n = hit
            out.append(Unit(" ".join(words[i:i + n]), phrase=n > 1, alternatives=list(self.vocab.groups[gi]["terms"])))
            i += n
        for p in phrases:
            p.alternatives = [p.text]
            hit = self._group_of(re.findall(TOKEN_PATTERN, p.text), 0)
            if hit and hit[1] == len(re.findall(TOKEN_PATTERN, p.text)):
                p.alternatives = list(self.vocab.groups[hit[0]]["terms"])
        return phrases + out

    def _alt_query(self, alt: str, fieldname: str, boost: float) -> tuple[wq.Query | None, set[str]]:
        from whoosh import query as wq

        toks = [(t.text, t.pos) for t in self.stemmed(alt, positions=True)]
        if not toks:
            return None, set()
        terms = {t for t, _ in toks}
        parts = _parts_only(toks)
        if len(toks) == 1:
            return wq.Term(fieldname, toks[0][0], boost=boost), terms
        if len(parts) == 1:
            return wq.Term(fieldname, parts[0], boost=boost), terms
        phrase = wq.Phrase(fieldname, parts, boost=boost)
        if len(re.findall(TOKEN_PATTERN, alt)) == 1 and toks[0][1] == toks[1][1]:
            return wq.Or([wq.Term(fieldname, toks[0][0], boost=boost), phrase]), terms
        return phrase, terms

    def build(self, units: list[Unit]) -> tuple[wq.Query | None, set[str]]:
        """(query, stemmed terms to highlight). A unit matches if any alternative matches in any field."""
        from whoosh import query as wq

        unit_queries = []
        highlight: set[str] = set()
        for u in units:
            alts = []
            for alt in u.alternatives or [u.text]:
                for fname, boost in self.fields.items():
                    q, terms = self._alt_query(alt, fname, boost if alt == (u.corrected or u.text) else boost * 0.9)
                    if q is not None:
                        alts.append(q)
                        highlight |= terms
            if alts:
                unit_queries.append(wq.Or(alts))
        if not unit_queries:
            return None, highlight
        if len(unit_queries) == 1:
            return unit_queries[0], highlight
        # passages that answer every part of the question first, then the adjacent words
        bonus = [wq.And(unit_queries, boost=2.0)]
        words = [w for u in units if not u.phrase for w in [u.corrected or u.text]]
        stems = _parts_only([(t.text, t.pos) for t in self.stemmed(" ".join(words), positions=True)])
        if len(stems) > 1:
            bonus += [wq.Phrase(f, stems, slop=2, boost=b * 2.0) for f, b in self.fields.items()]
        return wq.Or(bonus + [wq.Or(unit_queries, scale=0.95)]), highlight


def _joined(word: str) -> str:
    return _HYPHENS.sub("", word)


def _is_part_of_compound(text: str, token: str) -> bool:
    """True for the parts of a hyphenated word (the joined form stands for it)."""
    for w in re.findall(TOKEN_PATTERN, text.lower()):
        if _HYPHENS.search(w) and token in _HYPHENS.split(w):
            return True
    return False


def _parts_only(toks: list[tuple[str, int]]) -> list[str]:
    """Drop the joined form of a compound: it shares its position with the compound's first part."""
    out: list[str] = []
    for i, (t, p) in enumerate(toks):
        if i + 1 < len(toks) and toks[i + 1][1] == p:
            continue
        out.append(t)
    return out
