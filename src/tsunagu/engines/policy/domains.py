"""Exact set algebra over DNS names, and the Public-Suffix-List breadth check.

A pattern is an exact host (``meet.example.jp``) or a suffix pattern (``*.example.jp``: every
*proper* subdomain, not ``example.jp`` itself). A :class:`DomainSet` is any set in the Boolean
algebra those patterns generate (so ``*.zoom.us`` minus ``*.cloud.zoom.us`` is exact), stored as
a decision trie over labels read right to left:

* each node is one name; ``self_in`` says whether that name is in the set, ``below`` whether its
  proper subdomains are, unless a child node says otherwise;
* a uniform subtree is collapsed into a plain ``bool``.

The representation is canonical, so equality is structural.
"""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Union

from publicsuffixlist import PublicSuffixList

_LABEL = re.compile(r"^(?!-)[a-z0-9_-]{1,63}(?<!-)$")


class DomainError(ValueError):
    """A pattern that is not a valid host or ``*.suffix``."""


def normalise_host(name: str) -> str:
    """Lower case, no trailing dot, IDNA (punycode) labels. Raises :class:`DomainError`."""
    text = name.strip().rstrip(".").lower()
    if not text or len(text) > 253:
        raise DomainError(f"invalid host name {name!r}")
    labels = []
    for label in text.split("."):
        if not label.isascii():
            try:
                label = label.encode("idna").decode("ascii")
            except UnicodeError as exc:
                raise DomainError(f"invalid host name {name!r}") from exc
        if not _LABEL.match(label):
            raise DomainError(f"invalid host name {name!r}")
        labels.append(label)
    return ".".join(labels)


def parse_pattern(pattern: str) -> tuple[bool, str]:
    """``(wildcard, base)``: ``*.example.jp`` -> ``(True, "example.jp")``. ``*`` alone is every
    name: ``(True, "")``."""
    text = pattern.strip().lower()
    if text in ("*", "*."):
        return True, ""
    if text.startswith("*."):
        base = normalise_host(text[2:])
        return True, base
    if "*" in text:
        raise DomainError(f"a wildcard may only be the first label: {pattern!r}")
    return False, normalise_host(text)


@functools.lru_cache(maxsize=131072)
def normalise_pattern(pattern: str) -> str:
    wild, base = parse_pattern(pattern)
    if wild:
        return f"*.{base}" if base else "*"
    return base


def pattern_matches(pattern: str, host: str) -> bool:
    """Does the (normalised) ``pattern`` cover the (normalised) ``host``?"""
    if pattern == "*":
        return True
    if pattern.startswith("*."):
        return host.endswith(pattern[1:])
    return host == pattern


def patterns_overlap(a: str, b: str) -> bool:
    """Do two normalised patterns share at least one name?"""
    if a == "*" or b == "*":
        return True
    aw, bw = a.startswith("*."), b.startswith("*.")
    if not aw and not bw:
        return a == b
    if aw and not bw:
        return b.endswith(a[1:])
    if bw and not aw:
        return a.endswith(b[1:])
    return a == b or a.endswith(b[1:]) or b.endswith(a[1:])


# --------------------------------------------------------------------------- trie algebra

Tree = Union["_Node", bool]


class _Node:
    __slots__ = ("below", "children", "self_in")

    def __init__(self, self_in: bool, below: bool, children: Mapping[str, Tree]) -> None:
        self.self_in = self_in
        self.below = below
        self.children = children


def _parts(t: Tree) -> tuple[bool, bool, Mapping[str, Tree]]:
    if isinstance(t, bool):
        return t, t, {}
    return t.self_in, t.below, t.children


def _make(self_in: bool, below: bool, children: dict[str, Tree]) -> Tree:
    children = {k: v for k, v in children.items() if not (isinstance(v, bool) and v == below)}
    if not children and self_in == below:
        return self_in
    return _Node(self_in, below, children)


Op = Callable[[bool, bool], bool]


def _combine(a: Tree, b: Tree, op: Op, kind: str) -> Tree:
    if isinstance(a, bool) and isinstance(b, bool):
        return op(a, b)
    # short cuts that keep small-versus-large operations proportional to the small side
    if kind == "and":
        if a is False or b is False:
            return False
        if a is True:
            return b
        if b is True:
            return a
    elif kind == "or":
        if a is True or b is True:
            return True
        if a is False:
            return b
        if b is False:
            return a
    elif kind == "sub":
        if a is False or b is True:
            return False
        if b is False:
            return a
    a_self, a_below, a_ch = _parts(a)
    b_self, b_below, b_ch = _parts(b)
    below = op(a_below, b_below)
    children: dict[str, Tree] = {}
    labels: Iterable[str]
    # labels present on one side only give the uniform ``below`` result when that side's
    # partner is uniform-absorbing: skip them (keeps small-versus-large work small)
    if kind == "and":
        keep_a, keep_b = b_below, a_below  # a False default on one side absorbs the other
    elif kind == "sub":
        keep_a, keep_b = not b_below, a_below
    elif kind == "or":
        keep_a, keep_b = not b_below, not a_below
    else:
        keep_a = keep_b = True
    if keep_a and keep_b:
        labels = set(a_ch) | set(b_ch)
    elif keep_a:  # labels only in b are absorbed: a's labels suffice
        labels = a_ch.keys()
    elif keep_b:
        labels = b_ch.keys()
    else:
        small, large = (a_ch, b_ch) if len(a_ch) <= len(b_ch) else (b_ch, a_ch)
        labels = [x for x in small if x in large]
    for label in labels:
        children[label] = _combine(a_ch.get(label, a_below), b_ch.get(label, b_below), op, kind)
    return _make(op(a_self, b_self), below, children)


def _and(x: bool, y: bool) -> bool:
    return x and y


def _or(x: bool, y: bool) -> bool:
    return x or y


def _sub(x: bool, y: bool) -> bool:
    return x and not y


def _xor(x: bool, y: bool) -> bool:
    return x != y


def _single(wild: bool, base: str) -> Tree:
    if not base:
        return _Node(False, True, {}) if wild else False
    tree: Tree = _Node(not wild, wild, {})
    for label in base.split("."):
        tree = _Node(False, False, {label: tree})
    return tree


class DomainSet:
    """An exact set of DNS names. Immutable; equality is set equality."""

    __slots__ = ("_tree",)

    def __init__(self, patterns: Iterable[str] = ()) -> None:
        tree: Tree = False
        for p in patterns:
            wild, base = parse_pattern(p)
            tree = _combine(tree, _single(wild, base), _or, "or")
        self._tree = _root(tree)

    @classmethod
    def _of(cls, tree: Tree) -> DomainSet:
        ds = cls.__new__(cls)
        ds._tree = _root(tree)
        return ds

    @classmethod
    def everything(cls) -> DomainSet:
        return cls._of(_Node(False, True, {}))

    def is_empty(self) -> bool:
        return self._tree is False

    def __bool__(self) -> bool:
        return self._tree is not False

    def union(self, other: DomainSet) -> DomainSet:
        return DomainSet._of(_combine(self._tree, other._tree, _or, "or"))

    def intersect(self, other: DomainSet) -> DomainSet:
        return DomainSet._of(_combine(self._tree, other._tree, _and, "and"))

    def subtract(self, other: DomainSet) -> DomainSet:
        return DomainSet._of(_combine(self._tree, other._tree, _sub, "sub"))

    __or__ = union
    __and__ = intersect
    __sub__ = subtract

    def issubset(self, other: DomainSet) -> bool:
        return self.subtract(other).is_empty()

    def overlaps(self, other: DomainSet) -> bool:
        return not self.intersect(other).is_empty()

    def contains(self, host: str) -> bool:
        labels = normalise_host(host).split(".")
        t = self._tree
        for i, label in enumerate(reversed(labels)):
            if isinstance(t, bool):
                return t
            child = t.children.get(label)
            if child is None:
                return t.below
            if i == len(labels) - 1:
                return child if isinstance(child, bool) else child.self_in
            t = child
        return False

    def __contains__(self, host: object) -> bool:
        return isinstance(host, str) and self.contains(host)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, DomainSet):
            return NotImplemented
        return _combine(self._tree, other._tree, _xor, "xor") is False

    def __hash__(self) -> int:
        return hash(tuple(self.to_list()))

    def __repr__(self) -> str:
        return f"DomainSet({self.describe()})"

    def to_list(self) -> list[str]:
        """Signed patterns, most general first; ``!`` marks an exception. The most specific
        matching pattern decides, so ``["*.zoom.us", "!*.cloud.zoom.us"]`` reads naturally."""
        out: list[tuple[int, str, str]] = []

        def walk(t: Tree, name: str, ctx: bool, depth: int) -> None:
            self_in, below, children = _parts(t)
            if name and self_in != ctx:
                out.append((depth, name, "" if self_in else "!"))
            if below != ctx:
                out.append((depth, f"*.{name}" if name else "*", "" if below else "!"))
            for label in sorted(children):
                walk(children[label], f"{label}.{name}" if name else label, below, depth + 1)

        walk(self._tree, "", False, 0)
        out.sort(key=lambda x: (x[0], x[1].lstrip("*.")[::-1], x[1]))
        return [sign + p for _, p, sign in out]

    @classmethod
    def from_list(cls, items: Iterable[str]) -> DomainSet:
        entries = []
        for item in items:
            neg = item.startswith("!")
            wild, base = parse_pattern(item[1:] if neg else item)
            depth = len(base.split(".")) if base else 0
            entries.append((depth, neg, wild, base))
        tree: Tree = False
        for _, neg, wild, base in sorted(entries, key=lambda e: e[0]):
            single = _single(wild, base)
            tree = _combine(tree, single, _sub if neg else _or, "sub" if neg else "or")
        return cls._of(tree)

    def describe(self, limit: int = 6) -> str:
        items = self.to_list()
        if not items:
            return "∅"
        text = []
        for item in items[:limit]:
            text.append(f"except {item[1:]}" if item.startswith("!") else item)
        if len(items) > limit:
            text.append(f"… (+{len(items) - limit})")
        return ", ".join(text)

    def enumerate_within(self, names: Iterable[str]) -> set[str]:
        return {n for n in names if self.contains(n)}


def _root(t: Tree) -> Tree:
    """The root (empty name) is never a host."""
    if isinstance(t, bool):
        return _Node(False, True, {}) if t else False
    if t.self_in:
        return _make(False, t.below, dict(t.children))
    return t


# --------------------------------------------------------------------------- PSL breadth


@functools.lru_cache(maxsize=1)
def _psl() -> PublicSuffixList:
    return PublicSuffixList()


@functools.lru_cache(maxsize=65536)
def too_broad(pattern: str) -> bool:
    """Is a (normalised) pattern broader than one registrable domain?

    ``*.co.jp``, ``*.com``, ``*.lg.jp``, ``*.go.jp`` and ``*`` are; ``*.zoom.us``,
    ``*.cybozu.com`` and ``*.city.musashino.lg.jp`` are not. An exact host never is.
    """
    if pattern == "*":
        return True
    if not pattern.startswith("*."):
        return False
    base = pattern[2:]
    return _psl().privatesuffix(base) is None


def registrable_domain(host: str) -> str | None:
    return _psl().privatesuffix(host)


def coverage(
    request: Iterable[str], entries: Iterable[tuple[str, str]]
) -> tuple[str, tuple[str, ...]]:
    """Which entries ``(uid, pattern)`` cover the requested patterns: ``("fully"|"partly"|"no",
    uids of the entries that overlap the request)``."""
    return coverage_in(request, [PatternIndex(entries)])


def _reversed_name(name: str) -> str:
    return ".".join(reversed(name.split(".")))


class PatternIndex:
    """An ordered list of entries ``(uid, pattern)``, looked up by overlap with a pattern.

    :meth:`overlapping` finds exactly the entries :func:`patterns_overlap` would accept, without
    looking at the others: a suffix pattern's ancestors (by base name), equal names, and a
    pattern's descendants (a range of the names sorted right to left). Invalid patterns are
    left out, as :func:`coverage` ignores them.
    """

    __slots__ = ("_exact", "_keys", "_star", "_values", "_wild", "items")

    def __init__(self, entries: Iterable[tuple[str, str]]) -> None:
        self.items: list[tuple[str, str]] = []  # (uid, normalised pattern), in entry order
        self._star: list[int] = []
        self._wild: dict[str, list[int]] = {}
        self._exact: dict[str, list[int]] = {}
        keyed: list[tuple[str, int]] = []
        for uid, pattern in entries:
            try:
                p = normalise_pattern(pattern)
            except DomainError:
                continue
            pos = len(self.items)
            self.items.append((uid, p))
            if p == "*":
                self._star.append(pos)
                continue
            if p.startswith("*."):
                name = p[2:]
                self._wild.setdefault(name, []).append(pos)
            else:
                name = p
                self._exact.setdefault(name, []).append(pos)
            keyed.append((_reversed_name(name), pos))
        keyed.sort()
        self._keys = [k for k, _ in keyed]
        self._values = [v for _, v in keyed]

    def __len__(self) -> int:
        return len(self.items)

    def overlapping(self, patterns: Iterable[str]) -> list[int]:
        """Positions (ascending) of the entries overlapping any of the normalised
        ``patterns``."""
        found: set[int] = set(self._star)
        for r in patterns:
            if r == "*":
                return list(range(len(self.items)))
            wild = r.startswith("*.")
            name = r[2:] if wild else r
            labels = name.split(".")
            if not wild:
                found.update(self._exact.get(name, ()))
            # suffix patterns on an ancestor (for a suffix pattern: also on the same base)
            for i in range(0 if wild else 1, len(labels)):
                found.update(self._wild.get(".".join(labels[i:]), ()))
            if wild:  # every entry strictly below the base
                prefix = _reversed_name(name)
                lo = bisect.bisect_left(self._keys, prefix + ".")
                hi = bisect.bisect_left(self._keys, prefix + "/")
                found.update(self._values[lo:hi])
        return sorted(found)


def coverage_in(
    request: Iterable[str], indexes: Sequence[PatternIndex]
) -> tuple[str, tuple[str, ...]]:
    """:func:`coverage` over the concatenated entries of ``indexes`` (in order)."""
    req_patterns = [normalise_pattern(p) for p in request]
    want = DomainSet(req_patterns)
    if want.is_empty():
        return "no", ()
    uids: list[str] = []
    have_patterns: list[str] = []
    for ix in indexes:
        for pos in ix.overlapping(req_patterns):
            uid, p = ix.items[pos]
            uids.append(uid)
            have_patterns.append(p)
    have = DomainSet(have_patterns)
    if want.issubset(have):
        return "fully", tuple(uids)
    if want.overlaps(have):
        return "partly", tuple(uids)
    return "no", ()
