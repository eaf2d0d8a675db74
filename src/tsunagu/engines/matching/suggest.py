"""Free-text help for a municipality that "does not know what to ask for".

A municipality describes its problem in Japanese; this module

* suggests skills of the taxonomy whose synonyms occur in the text (:func:`suggest_skills`),
* finds similar past requests by TF-IDF cosine over normalised terms (:class:`Index`,
  :func:`similar_requests`), and
* proposes the skills of those similar requests, weighted by similarity
  (:func:`suggest_from_similar`).

Text is analysed by SudachiPy (:class:`Analyzer`): mode C morphemes, their normalised forms
(サーバ → サーバー, full-width → half-width), NFKC and lower-case ASCII, content words only; the
mode A sub-words of compound nouns are kept as well, so a synonym also matches inside a compound
(業務改善 in 窓口業務改善). Nothing here raises on odd input: empty text gives no suggestion, lone
surrogates are replaced, and only the first ``max_chars`` characters (20,000 by default) are
analysed.
"""

from __future__ import annotations

import functools
import heapq
import logging
import math
import threading
import unicodedata
from collections import Counter, OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from sudachipy import Dictionary, SplitMode, Tokenizer
from sudachipy.errors import SudachiError

from .taxonomy import Taxonomy

log = logging.getLogger(__name__)

DEFAULT_MAX_CHARS = 20_000

# SudachiPy refuses an input over 49,149 UTF-8 bytes; a chunk of 2,000 characters is at most
# 8,000 bytes. Chunks are cut after a sentence end or line break when there is one.
_CHUNK_CHARS = 2_000
_CHUNK_ENDS = "。．.!?！？\n"

# Part-of-speech classes (first level of the Sudachi POS) kept as content words. Particles,
# auxiliaries, punctuation (補助記号), blanks, pronouns, adverbs, conjunctions, interjections,
# adnominals and the dependent adjectives (ない, よい) are dropped; light verbs are stop words.
# Affixes are kept so that デジタル化 stays more specific than デジタル.
_CONTENT_POS = frozenset({"名詞", "動詞", "形容詞", "形状詞", "接頭辞", "接尾辞", "記号"})
# Sentence and clause punctuation: a synonym never matches across it.
_BOUNDARY_POS = frozenset({("補助記号", "句点"), ("補助記号", "読点")})
# Normalised forms that carry no topic (formal nouns, light verbs).
_STOP_FORMS = frozenset(
    {
        "こと",
        "事",
        "物",
        "もの",
        "為",
        "ため",
        "所",
        "ところ",
        "様",
        "よう",
        "等",
        "など",
        "時",
        "とき",
        "際",
        "他",
        "ほか",
        "方",
        "為る",
        "する",
        "居る",
        "有る",
        "在る",
        "成る",
        "出来る",
        "来る",
        "置く",
        "貰う",
        "仕舞う",
        "呉れる",
        "ない",
        "無い",
        "良い",
        "思う",
        "考える",
        "行う",
        "頂く",
        "下さる",
    }
)

_DROP, _CONTENT, _NOUN, _BREAK = 0, 1, 2, 3

# Synonym weights: longer and multi-word synonyms are more specific; repeated mentions saturate
# like BM25's term frequency (1 mention: 1.0, 2: 1.375, 3: 1.57, at most 2.2).
_SATURATION_K = 1.2
_SIMILAR_TERMS_SHOWN = 8


@dataclass(frozen=True, slots=True)
class Token:
    """A content word: its normalised form, character span in the analysed (NFKC) text and,
    for a compound noun, the normalised mode A sub-words with their spans."""

    form: str
    begin: int
    end: int
    parts: tuple[tuple[str, int, int], ...] = ()


# An analysed text: content words in order; ``None`` marks a sentence or clause boundary.
Analysis = tuple[Token | None, ...]


def _clean_form(form: str) -> str:
    return unicodedata.normalize("NFKC", form).strip().lower()


def _chunks(text: str) -> Iterator[tuple[int, str]]:
    start = 0
    n = len(text)
    while start < n:
        stop = min(n, start + _CHUNK_CHARS)
        if stop < n:
            cut = max(text.rfind(ch, start, stop) for ch in _CHUNK_ENDS)
            if cut > start:
                stop = cut + 1
        yield start, text[start:stop]
        start = stop


class Analyzer:
    """Japanese text → normalised content words, with one SudachiPy tokenizer per analyzer.

    The dictionary and the mode C tokenizer are created on first use. A SudachiPy tokenizer must
    not be used by two threads at once (since 0.6.9 a concurrent call fails), so every
    tokenisation holds the analyzer's lock: safe in a threaded web process, and cheap, because
    tokenising runs at about a million characters a second and input is capped at ``max_chars``.
    For real parallelism use one analyzer per thread or process. :func:`default_analyzer` gives
    the process-wide instance.

    The analyzer also caches, per taxonomy object, the analysed synonyms used by
    :func:`suggest_skills` (a few taxonomies at most).
    """

    def __init__(self, *, max_chars: int = DEFAULT_MAX_CHARS) -> None:
        self.max_chars = max(1, max_chars)
        self._lock = threading.Lock()
        self._dictionary: Dictionary | None = None
        self._tokenizer: Tokenizer | None = None
        self._pos_kind: dict[int, int] = {}
        self._synonyms: OrderedDict[int, tuple[Taxonomy, _SynonymIndex]] = OrderedDict()

    # -------------------------------------------------------------------------- analysis

    def _ensure_tokenizer(self) -> tuple[Dictionary, Tokenizer]:
        """Under the lock: the dictionary and tokenizer, created on first use."""
        if self._dictionary is None or self._tokenizer is None:
            self._dictionary = Dictionary()
            self._tokenizer = self._dictionary.tokenizer(SplitMode.C)
        return self._dictionary, self._tokenizer

    def _kind(self, dictionary: Dictionary, pos_id: int) -> int:
        kind = self._pos_kind.get(pos_id)
        if kind is None:
            pos = dictionary.pos_of(pos_id) or ("",) * 6
            if (pos[0], pos[1]) in _BOUNDARY_POS:
                kind = _BREAK
            elif pos[0] not in _CONTENT_POS or (pos[0] == "形容詞" and pos[1] == "非自立可能"):
                kind = _DROP
            elif pos[0] == "名詞":
                kind = _NOUN
            else:
                kind = _CONTENT
            self._pos_kind[pos_id] = kind
        return kind

    def prepare(self, text: str) -> str:
        """The text as analysed: capped at ``max_chars``, lone surrogates replaced, NFKC."""
        text = text[: self.max_chars].encode("utf-8", "replace").decode("utf-8")
        return unicodedata.normalize("NFKC", text)[: self.max_chars]

    def analyse(self, text: str) -> Analysis:
        """Content words of ``text`` (see :class:`Token`), ``None`` at sentence boundaries."""
        text = self.prepare(text)
        if not text.strip():
            return ()
        out: list[Token | None] = []
        with self._lock:
            dictionary, tokenizer = self._ensure_tokenizer()
            for offset, chunk in _chunks(text):
                try:
                    morphemes = tokenizer.tokenize(chunk)
                except SudachiError:  # defensive: chunks are far below Sudachi's input limit
                    log.warning("SudachiPy could not tokenise a chunk of %d chars", len(chunk))
                    continue
                for m in morphemes:
                    kind = self._kind(dictionary, m.part_of_speech_id())
                    if kind == _DROP:
                        if "\n" in m.surface() and out and out[-1] is not None:
                            out.append(None)
                        continue
                    if kind == _BREAK:
                        if out and out[-1] is not None:
                            out.append(None)
                        continue
                    form = _clean_form(m.normalized_form())
                    if not form or form in _STOP_FORMS:
                        continue
                    parts: tuple[tuple[str, int, int], ...] = ()
                    if kind == _NOUN and m.end() - m.begin() > 1:
                        subs = m.split(SplitMode.A, add_single=False)
                        if len(subs) > 1:
                            parts = tuple(
                                (f, offset + s.begin(), offset + s.end())
                                for s in subs
                                if (f := _clean_form(s.normalized_form())) and f not in _STOP_FORMS
                            )
                    out.append(Token(form, offset + m.begin(), offset + m.end(), parts))
                if out and out[-1] is not None:
                    out.append(None)
        while out and out[-1] is None:
            out.pop()
        return tuple(out)

    def normalise(self, text: str) -> list[str]:
        """Normalised content words of ``text`` in order; a compound noun is followed by its
        mode A sub-words (仕様書 → 仕様書, 仕様, 書). Empty for empty or symbol-only text."""
        terms: list[str] = []
        for token in self.analyse(text):
            if token is None:
                continue
            terms.append(token.form)
            terms.extend(p[0] for p in token.parts if p[0] != token.form)
        return terms

    # -------------------------------------------------------------------------- synonyms

    def synonym_index(self, taxonomy: Taxonomy) -> _SynonymIndex:
        """The analysed synonyms of ``taxonomy``, built once per taxonomy object."""
        key = id(taxonomy)
        cached = self._synonyms.get(key)
        if cached is not None and cached[0] is taxonomy:
            return cached[1]
        index = _SynonymIndex.build(taxonomy, self)
        with self._lock:
            # Keeping the taxonomy in the entry keeps its id from being reused while cached.
            self._synonyms[key] = (taxonomy, index)
            self._synonyms.move_to_end(key)
            while len(self._synonyms) > 4:
                self._synonyms.popitem(last=False)
        return index


@functools.cache
def default_analyzer() -> Analyzer:
    """The process-wide analyzer (its dictionary is loaded on first use)."""
    return Analyzer()


# ------------------------------------------------------------------------------ sequences


def _coarse(analysis: Analysis) -> tuple[list[str | None], list[tuple[int, int]]]:
    seq: list[str | None] = []
    spans: list[tuple[int, int]] = []
    for t in analysis:
        seq.append(None if t is None else t.form)
        spans.append((0, 0) if t is None else (t.begin, t.end))
    return seq, spans


def _fine(analysis: Analysis) -> tuple[list[str | None], list[tuple[int, int]]]:
    seq: list[str | None] = []
    spans: list[tuple[int, int]] = []
    for t in analysis:
        if t is None:
            seq.append(None)
            spans.append((0, 0))
        elif t.parts:
            for form, begin, end in t.parts:
                seq.append(form)
                spans.append((begin, end))
        else:
            seq.append(t.form)
            spans.append((t.begin, t.end))
    return seq, spans


# ------------------------------------------------------------------------------ skills


@dataclass(frozen=True, slots=True)
class _Synonym:
    skill: int  # position of the skill in the taxonomy
    text: str  # as written in the taxonomy
    weight: float
    order: int  # position in the skill's synonym list


_Phrases = dict[str, list[tuple[tuple[str, ...], int]]]


@dataclass(frozen=True)
class _SynonymIndex:
    """Synonyms as word sequences at two granularities (mode C words, mode A sub-words), each
    indexed by its first word; a text matches a synonym where either sequence occurs."""

    synonyms: tuple[_Synonym, ...]
    coarse: _Phrases
    fine: _Phrases

    @classmethod
    def build(cls, taxonomy: Taxonomy, analyzer: Analyzer) -> _SynonymIndex:
        analysed: list[tuple[int, int, str, tuple[str, ...], tuple[str, ...]]] = []
        sharing: dict[tuple[str, ...], set[int]] = {}
        for pos, skill in enumerate(taxonomy.skills):
            for order, text in enumerate(skill.synonyms):
                analysis = analyzer.analyse(text)
                c_seq = tuple(f for f in _coarse(analysis)[0] if f is not None)
                f_seq = tuple(f for f in _fine(analysis)[0] if f is not None)
                if not c_seq:
                    continue
                analysed.append((pos, order, text, c_seq, f_seq))
                sharing.setdefault(f_seq, set()).add(pos)
        synonyms: list[_Synonym] = []
        coarse: _Phrases = {}
        fine: _Phrases = {}
        seen: set[tuple[int, tuple[str, ...]]] = set()
        for pos, order, text, c_seq, f_seq in analysed:
            if (pos, f_seq) in seen:  # a spelling variant of an earlier synonym of the skill
                continue
            seen.add((pos, f_seq))
            chars = min(sum(map(len, f_seq)), 12)
            weight = (1.0 + 0.5 * (len(f_seq) - 1) + 0.1 * chars) / math.sqrt(len(sharing[f_seq]))
            synonyms.append(_Synonym(pos, text, weight, order))
            coarse.setdefault(c_seq[0], []).append((c_seq, len(synonyms) - 1))
            fine.setdefault(f_seq[0], []).append((f_seq, len(synonyms) - 1))
        return cls(tuple(synonyms), coarse, fine)

    def hits(self, analysis: Analysis) -> dict[int, set[tuple[int, int]]]:
        """Synonym index → character spans where it occurs in ``analysis``."""
        found: dict[int, set[tuple[int, int]]] = {}
        for (seq, spans), phrases, fine in (
            (_coarse(analysis), self.coarse, False),
            (_fine(analysis), self.fine, True),
        ):
            n = len(seq)
            for i, word in enumerate(seq):
                if word is None:
                    continue
                for phrase, syn in phrases.get(word, ()):
                    k = len(phrase)
                    if fine and k == 1 and len(word) == 1:
                        continue  # a one-character synonym (紙) only matches a whole word
                    if i + k <= n and (k == 1 or tuple(seq[i : i + k]) == phrase):
                        found.setdefault(syn, set()).add((spans[i][0], spans[i + k - 1][1]))
        return found


@dataclass(frozen=True)
class SkillSuggestion:
    """A suggested skill id, its score (higher is better; not bounded) and the evidence: the
    synonyms found in the text for :func:`suggest_skills`, the ids of the similar past
    requests for :func:`suggest_from_similar`."""

    skill: str
    score: float
    matched: tuple[str, ...]


def _saturate(count: int) -> float:
    return count * (_SATURATION_K + 1.0) / (count + _SATURATION_K)


def suggest_skills(
    text: str,
    taxonomy: Taxonomy,
    *,
    analyzer: Analyzer | None = None,
    limit: int = 5,
) -> list[SkillSuggestion]:
    """Skills whose synonyms occur in ``text``, best first (ties in taxonomy order).

    A skill scores the weights of its matched synonyms, each saturated by its number of
    mentions; an occurrence inside a longer matched synonym of the same skill is not counted
    again (情報セキュリティポリシー does not also count セキュリティ). Empty text, or text
    with no synonym, gives ``[]``.
    """
    if limit <= 0:
        return []
    analyzer = analyzer or default_analyzer()
    analysis = analyzer.analyse(text)
    if not analysis:
        return []
    index = analyzer.synonym_index(taxonomy)
    per_skill: dict[int, list[tuple[tuple[int, int], int]]] = {}
    for syn, spans in index.hits(analysis).items():
        per_skill.setdefault(index.synonyms[syn].skill, []).extend((s, syn) for s in spans)

    scored: list[tuple[float, int, tuple[str, ...]]] = []
    for pos, occurrences in per_skill.items():
        occurrences.sort(
            key=lambda o: (
                o[0][0] - o[0][1],
                -index.synonyms[o[1]].weight,
                o[0][0],
                index.synonyms[o[1]].order,
            )
        )
        kept: list[tuple[int, int]] = []
        counts: Counter[int] = Counter()
        for (begin, end), syn in occurrences:
            if any(b <= begin and end <= e for b, e in kept):
                continue
            kept.append((begin, end))
            counts[syn] += 1
        parts = sorted(
            (
                (index.synonyms[s].weight * _saturate(c), index.synonyms[s])
                for s, c in counts.items()
            ),
            key=lambda p: (-p[0], p[1].order),
        )
        score = math.fsum(p[0] for p in parts)
        scored.append((round(score, 4), pos, tuple(p[1].text for p in parts)))
    scored.sort(key=lambda s: (-s[0], s[1]))
    return [
        SkillSuggestion(taxonomy.skills[pos].id, score, matched)
        for score, pos, matched in scored[:limit]
    ]


# ------------------------------------------------------------------------------ similar requests


RequestId = str | int


@dataclass(frozen=True)
class PastRequest:
    """A past request: its id, free text and the skill ids it was matched on."""

    id: RequestId
    text: str
    skills: tuple[str, ...] = ()


@dataclass(frozen=True)
class SimilarRequest:
    """A similar past request: cosine similarity in (0, 1] and the shared terms that weigh
    most."""

    id: RequestId
    score: float
    shared_terms: tuple[str, ...]


def _tf_vector(terms: Sequence[str], idf: dict[str, float], unseen_idf: float) -> dict[str, float]:
    """Sublinear TF × IDF, unit length."""
    vec = {t: (1.0 + math.log(c)) * idf.get(t, unseen_idf) for t, c in Counter(terms).items()}
    norm = math.sqrt(math.fsum(w * w for w in vec.values()))
    return {t: w / norm for t, w in vec.items()} if norm > 0 else {}


class Index:
    """TF-IDF vectors of past requests for cosine similarity, built once for many queries.

    Read-only after :meth:`build`: one index can serve concurrent queries (the analyzer
    serialises tokenisation). Terms are :meth:`Analyzer.normalise` output; IDF is smoothed
    (``log((1 + N) / (1 + df)) + 1``) and term frequency sublinear (``1 + log tf``).
    """

    __slots__ = ("_analyzer", "_idf", "_postings", "_requests", "_unseen_idf", "_vectors")

    def __init__(
        self,
        analyzer: Analyzer,
        requests: Sequence[PastRequest],
        vectors: Sequence[dict[str, float]],
        idf: dict[str, float],
    ) -> None:
        self._analyzer = analyzer
        self._requests = tuple(requests)
        self._vectors = tuple(vectors)
        self._idf = idf
        self._unseen_idf = math.log(1.0 + len(self._requests)) + 1.0
        postings: dict[str, list[tuple[int, float]]] = {}
        for doc, vec in enumerate(self._vectors):
            for term, weight in vec.items():
                postings.setdefault(term, []).append((doc, weight))
        self._postings = postings

    @classmethod
    def build(cls, past: Sequence[PastRequest], analyzer: Analyzer | None = None) -> Index:
        """Analyse every past request once and index it."""
        analyzer = analyzer or default_analyzer()
        docs = [analyzer.normalise(p.text) for p in past]
        df: Counter[str] = Counter()
        for terms in docs:
            df.update(set(terms))
        n = len(docs)
        idf = {t: math.log((1.0 + n) / (1.0 + d)) + 1.0 for t, d in df.items()}
        vectors = [_tf_vector(terms, idf, 0.0) for terms in docs]
        return cls(analyzer, past, vectors, idf)

    def __len__(self) -> int:
        return len(self._requests)

    def _ranked(self, text: str, limit: int) -> list[tuple[int, float, tuple[str, ...]]]:
        if limit <= 0 or not self._requests:
            return []
        query = _tf_vector(self._analyzer.normalise(text), self._idf, self._unseen_idf)
        scores: dict[int, float] = {}
        for term, q in query.items():
            for doc, d in self._postings.get(term, ()):
                scores[doc] = scores.get(doc, 0.0) + q * d
        best = heapq.nlargest(limit, scores.items(), key=lambda kv: (kv[1], -kv[0]))
        out: list[tuple[int, float, tuple[str, ...]]] = []
        for doc, score in best:
            score = round(min(score, 1.0), 6)
            if score <= 0:
                continue
            vec = self._vectors[doc]
            shared = sorted((t for t in query if t in vec), key=lambda t: (-query[t] * vec[t], t))
            out.append((doc, score, tuple(shared[:_SIMILAR_TERMS_SHOWN])))
        return out

    def query(self, text: str, limit: int = 5) -> list[SimilarRequest]:
        """The ``limit`` past requests most similar to ``text``, best first (ties in index
        order); requests sharing no term are left out."""
        return [
            SimilarRequest(self._requests[doc].id, score, shared)
            for doc, score, shared in self._ranked(text, limit)
        ]

    def suggest(
        self,
        text: str,
        *,
        taxonomy: Taxonomy | None = None,
        limit: int = 5,
        neighbours: int = 10,
    ) -> list[SkillSuggestion]:
        """See :func:`suggest_from_similar`."""
        if limit <= 0:
            return []
        ranked = self._ranked(text, neighbours)
        total = math.fsum(score for _, score, _ in ranked)
        if total <= 0:
            return []
        weight: dict[str, float] = {}
        evidence: dict[str, list[str]] = {}
        for doc, score, _ in ranked:
            request = self._requests[doc]
            for skill in dict.fromkeys(request.skills):
                if taxonomy is not None and skill not in taxonomy:
                    continue
                weight[skill] = weight.get(skill, 0.0) + score
                evidence.setdefault(skill, []).append(str(request.id))
        first_seen = {skill: i for i, skill in enumerate(weight)}
        ranked_skills = sorted(weight, key=lambda s: (-round(weight[s], 6), first_seen[s]))
        return [
            SkillSuggestion(s, round(weight[s] / total, 4), tuple(evidence[s]))
            for s in ranked_skills[:limit]
        ]


def similar_requests(
    text: str,
    past: Sequence[PastRequest],
    *,
    analyzer: Analyzer | None = None,
    limit: int = 5,
) -> list[SimilarRequest]:
    """The past requests most similar to ``text`` (TF-IDF cosine). For many queries build an
    :class:`Index` once instead."""
    return Index.build(past, analyzer).query(text, limit)


def suggest_from_similar(
    text: str,
    past: Index | Sequence[PastRequest],
    *,
    analyzer: Analyzer | None = None,
    taxonomy: Taxonomy | None = None,
    limit: int = 5,
    neighbours: int = 10,
) -> list[SkillSuggestion]:
    """Skills of the ``neighbours`` most similar past requests, weighted by similarity.

    A skill's score is the share of the neighbours' total similarity held by the requests that
    needed it (in (0, 1]); ``matched`` lists those requests' ids, most similar first. With a
    ``taxonomy``, skill ids it does not know (retired skills) are left out.
    """
    index = past if isinstance(past, Index) else Index.build(past, analyzer)
    return index.suggest(text, taxonomy=taxonomy, limit=limit, neighbours=neighbours)
