"""Spelling variants from SudachiPy, offered when a search finds nothing.

The index itself folds only characters (:mod:`.normalize`); word-level variants that character
folds cannot join — 打合せ / 打ち合わせ, 附属 / 付属 — are proposed to the user as another
search instead ("did you mean"). SudachiPy's normalised form is used for nouns, prefixes,
suffixes and adjectival nouns only: for verbs and adjectives it is the lemma (話し → 話す),
which would no longer occur in the text.

One tokenizer per :class:`Variants` object, used under its lock (a SudachiPy tokenizer must not
be shared by two threads at once); the dictionary is loaded on first use.
"""

from __future__ import annotations

import functools
import logging
import threading

from sudachipy import Dictionary, SplitMode, Tokenizer
from sudachipy.errors import SudachiError

from .normalize import normalize_text

log = logging.getLogger(__name__)

_KEEP_POS = frozenset({"名詞", "接頭辞", "接尾辞", "形状詞"})
_MAX_CHARS = 200


class Variants:
    """Word-level spelling variants of a query term (see the module docstring)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._dictionary: Dictionary | None = None
        self._tokenizer: Tokenizer | None = None

    def _ensure(self) -> tuple[Dictionary, Tokenizer]:
        if self._dictionary is None or self._tokenizer is None:
            self._dictionary = Dictionary()
            self._tokenizer = self._dictionary.tokenizer(SplitMode.C)
        return self._dictionary, self._tokenizer

    def normalized_form(self, text: str) -> str:
        """``text`` with each noun-like word replaced by SudachiPy's normalised form."""
        text = text[:_MAX_CHARS]
        if not text.strip():
            return text
        with self._lock:
            dictionary, tokenizer = self._ensure()
            try:
                morphemes = tokenizer.tokenize(text)
            except SudachiError:  # defensive: input is far below Sudachi's limit
                log.warning("SudachiPy could not tokenise a query of %d chars", len(text))
                return text
            parts = []
            for m in morphemes:
                pos = dictionary.pos_of(m.part_of_speech_id()) or ("",)
                parts.append(m.normalized_form() if pos[0] in _KEEP_POS else m.surface())
        return "".join(parts)

    def suggest(self, term: str) -> str | None:
        """Another spelling of ``term`` that searches differently, or ``None``."""
        other = self.normalized_form(term)
        if other != term and normalize_text(other) != normalize_text(term):
            return other
        return None


@functools.cache
def default_variants() -> Variants:
    """The process-wide instance."""
    return Variants()
