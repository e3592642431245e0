"""Plain-text SmPC reader: numbered sections, named sub-headings, paragraphs, spans.

Works on text extracted from a PDF: lone page numbers, stray URLs, bullet
glyphs, double-spaced lines and text boxes dropped into the wrong place are
recognised as layout, not content. Section numbers and titles come from the
SmPC scheme (``ontology/data/smpc-sections.json``), never from one label.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ingest.errors import MissingSection, NotAnSmPC, UnreadableInput
from ingest.ids import slugify
from ingest.readers.text.tables import recover_tables
from ingest.records import LabelRecord, Paragraph, Section, Source
from ingest.scheme import is_standard_subheading, required_numbers, scheme, title_matches
from ingest.text_lines import Line, decode, is_double_spaced, join_lines, split_lines, typical_width, vocabulary_of

_HEADING = re.compile(r"^(\d{1,2}(?:\.\d{1,2})?)\.?\s+(\S.*?)\s*$")
_LIST_ITEM = re.compile(r"^\d{1,2}\.\s+[A-Z]")
_FOOTNOTE_START = re.compile(r"^(?:\d{1,2}|[a-z]|\*+)\s+[A-Z]")
_CAPTION = re.compile(r"^(?:table|figure)\s+\d", re.I)


@dataclass
class _Block:
    lines: list[Line] = field(default_factory=list)
    bullet: bool = False
    artefact: str | None = None


def read_text_file(path: str | Path) -> LabelRecord:
    p = str(path)
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise UnreadableInput(f"cannot read file: {exc.strerror or exc}", p) from exc
    return parse_text(decode(data, p), p)


def parse_text(text: str, path: str = "<text>") -> LabelRecord:
    lines = split_lines(text)
    heads = _find_headings(lines)
    if len(heads) < 3:
        raise NotAnSmPC(
            "no SmPC section layout found (expected numbered headings such as "
            "'4.1 Therapeutic indications')",
            path,
        )
    found = {n for _, n, _ in heads}
    for number in required_numbers():
        if number not in found:
            title = scheme()[number].titles[0]
            prev = max((h for h in heads if _key(h[1]) < _key(number)), default=None, key=lambda h: _key(h[1]))
            where = f" (expected after section {prev[1]} at line {lines[prev[0]].number})" if prev else ""
            line = lines[prev[0]].number if prev else None
            raise MissingSection(f"required section {number} '{title}' is missing{where}", path, line)
    double = is_double_spaced(lines)
    width = typical_width(lines)
    vocab = vocabulary_of(lines)
    sections: list[Section] = []
    for i, (idx, number, title) in enumerate(heads):
        end_idx = _section_end(heads, i, len(lines))
        sections.extend(_build_section(text, lines, idx, end_idx, number, title, heads, double, vocab, width))
    _mark_duplicated_boxes(sections)
    finish_text(sections)
    record = LabelRecord(
        label_id="", version="", source_path=path, reader="text", original=text, sections=sections
    )
    recover_tables(record, lines, double)
    return record


def _key(number: str) -> tuple[int, ...]:
    return tuple(int(x) for x in number.split("."))


def _find_headings(lines: list[Line]) -> list[tuple[int, str, str]]:
    heads: list[tuple[int, str, str]] = []
    last: tuple[int, ...] = (0,)
    for i, ln in enumerate(lines):
        if ln.artefact or ln.bullet or not ln.text:
            continue
        m = _HEADING.match(ln.text)
        if not m or m.group(1) not in scheme():
            continue
        number, title = m.group(1), m.group(2)
        if not title_matches(number, title):
            nxt = next((x for x in lines[i + 1 : i + 4] if x.text), None)
            if not nxt or not title_matches(number, f"{title} {nxt.text}"):
                continue
            title = f"{title} {nxt.text}"
        if _key(number) <= last:
            continue
        heads.append((i, number, title.rstrip(" .")))
        last = _key(number)
    return heads


def _section_end(heads, i: int, n: int) -> int:
    """A section runs to the next heading at its level or above (a parent runs over its children)."""
    level = heads[i][1].count(".")
    for idx, number, _ in heads[i + 1 :]:
        if number.count(".") <= level:
            return idx
    return n


def _direct_end(heads, i: int, n: int) -> int:
    return heads[i + 1][0] if i + 1 < len(heads) else n


def _blocks(lines: list[Line], double: bool, width: int = 80) -> list[_Block]:
    """Group lines into paragraphs. A short line that ends a sentence ends its
    paragraph too (list-like lines: '...section 6.1.' / 'Pregnancy (see 4.6).')."""
    blocks: list[_Block] = []
    cur = _Block()
    blanks = 0

    def flush():
        nonlocal cur
        if cur.lines:
            blocks.append(cur)
        cur = _Block()

    for ln in lines:
        if ln.artefact:
            flush()
            blocks.append(_Block([ln], artefact=ln.artefact))
            continue
        if not ln.text:
            spacer = bool(ln.raw) and not ln.raw.strip()
            blanks += 1
            if not double or spacer or blanks >= 2:
                flush()
            continue
        blanks = 0
        prev = cur.lines[-1].text if cur.lines else ""
        ends_sentence = prev.endswith((".", ":", ";"))
        starts_new = (
            ln.bullet
            or _LIST_ITEM.match(ln.text)
            or (ends_sentence and (ln.leading_space or _FOOTNOTE_START.match(ln.text)))
            or (ends_sentence and ln.text[:1].isupper() and (not double or len(prev) < 0.7 * width))
        )
        if starts_new:
            flush()
        if not cur.lines:
            cur.bullet = ln.bullet or bool(_LIST_ITEM.match(ln.text))
        cur.lines.append(ln)
    flush()
    return blocks


def _source(text: str, key: str, lines: list[Line]) -> Source:
    first, last = lines[0], lines[-1]
    return Source(key, first.number, last.number, first.start, last.end, text[first.start : last.end])


def _is_subheading(block: _Block, nxt: _Block | None, vocab: set[str], number: str = "") -> bool:
    if block.bullet or block.artefact or len(block.lines) > 2 or nxt is None or nxt.artefact:
        return False
    t = join_lines([ln.text for ln in block.lines], vocab)
    words = t.split()
    if not (1 <= len(words) <= 20) or len(t) > 170 or not t[0].isupper():
        return False
    if t.endswith((".", ":", ";", ",")) or ". " in t or _CAPTION.match(t) or _HEADING.match(t):
        return False
    if sum(ch.isdigit() for ch in t) > len(t) / 4:
        return False
    follow = join_lines([ln.text for ln in nxt.lines], vocab)
    if is_standard_subheading(number, t):  # "Method of administration" before "X is for intravenous use."
        return True
    return (follow.endswith((".", ":")) and len(follow.split()) >= 6) or nxt.bullet


def _build_section(text, lines, idx, end_idx, number, title, heads, double, vocab, width) -> list[Section]:
    i = next(k for k, h in enumerate(heads) if h[0] == idx)
    direct_end = _direct_end(heads, i, len(lines))
    level = number.count(".") + 1
    parent = number.rsplit(".", 1)[0] if "." in number else None
    head_line = lines[idx]
    body = lines[idx + 1 : direct_end]
    blocks = _blocks(body, double, width)
    last_line = lines[max(idx, end_idx - 1)]
    span_lines = [head_line, last_line]
    sec = Section(number, number, title, level, parent, "", "", _source(text, number, span_lines))
    sec.raw = sec.source.quote
    out = [sec]
    current = sec
    for b_i, block in enumerate(blocks):
        nxt = blocks[b_i + 1] if b_i + 1 < len(blocks) else None
        if _is_subheading(block, nxt, vocab, number):
            sub_title = join_lines([ln.text for ln in block.lines], vocab)
            key = f"{number}/{slugify(sub_title)}"
            while any(s.key == key for s in out):
                key += "-2"
            current = Section(key, number, sub_title, level + 1, number, "", "", _source(text, key, block.lines))
            out.append(current)
            continue
        para_text = join_lines([ln.text for ln in block.lines], vocab)
        kind = "list-item" if block.bullet else "paragraph"
        current.paragraphs.append(
            Paragraph(para_text, _source(text, current.key, block.lines), kind, block.artefact)
        )
    # a sub-heading's span runs to the last line of its last paragraph
    for sub in out[1:]:
        last = sub.paragraphs[-1].source if sub.paragraphs else sub.source
        sub.source = Source(
            sub.key, sub.source.line_start, last.line_end, sub.source.char_start, last.char_end,
            text[sub.source.char_start : last.char_end],
        )
        sub.raw = sub.source.quote
    return out


def _grams(t: str, n: int = 5) -> set[tuple[str, ...]]:
    w = re.findall(r"[a-z0-9]+", t.lower())
    return {tuple(w[i : i + n]) for i in range(len(w) - n + 1)}


def _mark_duplicated_boxes(sections: list[Section]) -> None:
    """Flag runs of paragraphs that repeat another section's text (a text box the
    PDF extraction dropped in the wrong place), with their lead-in and tail fragments.

    When two sections repeat each other, the copy that is the smaller share of
    its own section is the stray box; the other is the section's own text."""
    top: dict[str, list[str]] = {}
    for s in sections:
        top.setdefault(s.number, []).extend(p.text for p in s.paragraphs)
    grams = {k: _grams(" ".join(v)) for k, v in top.items()}
    flat = {k: " ".join(re.findall(r"[a-z0-9]+", " ".join(v).lower())) for k, v in top.items()}
    owners: dict[tuple[str, ...], list[str]] = {}  # 5-gram -> the sections holding it
    for k, kg in grams.items():
        for gram in kg:
            owners.setdefault(gram, []).append(k)
    runs = []  # (section, lo, hi, other, share, position)
    for pos, s in enumerate(sections):
        paras = s.paragraphs
        hits: list[str | None] = []
        for p in paras:
            g = _grams(p.text)
            best = None
            if len(g) >= 4 and not p.artefact:
                shared = Counter(k for gram in g for k in owners.get(gram, ()))  # = len(g & grams[k])
                for other in grams:
                    if other != s.number and shared[other] >= 0.8 * len(g):
                        best = other
                        break
            hits.append(best)
        content = max(1, sum(1 for p in paras if not p.artefact))
        i = 0
        while i < len(paras):
            if hits[i] is None:
                i += 1
                continue
            j = i
            while j + 1 < len(paras) and (hits[j + 1] == hits[i] or paras[j + 1].artefact):
                j += 1
            run = [k for k in range(i, j + 1) if hits[k] == hits[i]]
            if len(run) >= 2:
                runs.append((s, i, j, hits[i], len(run) / content, pos))
            i = j + 1
    for s, lo, hi, other, share, pos in runs:
        mirror = [r for r in runs if r[0].number == other and r[3] == s.number]
        if any(r[4] < share or (r[4] == share and r[5] > pos) for r in mirror):
            continue  # the other copy is the stray one
        paras = s.paragraphs
        reason = f"text box repeating section {other} (layout artefact)"
        if lo > 0 and paras[lo - 1].text.endswith(":") and len(paras[lo - 1].text.split()) <= 8:
            lo -= 1
        while hi + 1 < len(paras) and len(paras[hi + 1].text.split()) <= 8 and _contained(paras[hi + 1].text, flat[other]):
            hi += 1
        for k in range(lo, hi + 1):
            if not paras[k].artefact:
                paras[k].artefact = reason


def _contained(t: str, flat: str) -> bool:
    norm = " ".join(re.findall(r"[a-z0-9]+", t.lower()))
    return bool(norm) and norm in flat


def finish_text(sections: list[Section]) -> None:
    """Section text = its paragraphs; a parent's text also carries its children, in order."""
    by_key = {s.key: s for s in sections}
    for s in sections:
        s.text = "\n\n".join(p.text for p in s.paragraphs if not p.artefact)
    # a numbered section's text also carries its sub-headings and children, in order
    for s in sorted(sections, key=lambda s: -s.level):
        kids = [c for c in sections if c.parent == s.key]
        if kids:
            parts = [s.text] if s.text else []
            for c in kids:
                parts.append(c.title + ("\n\n" + by_key[c.key].text if by_key[c.key].text else ""))
            s.text = "\n\n".join(parts)
