"""The network model as a standalone SVG diagram, with the elements of findings drawn red.

Layout (deterministic, no external library):

* the implicit external networks sit in a band on top, LGWAN's two over the LGWAN column and
  the security cloud and the internet over the internet column;
* the organisation's own zones are large rounded boxes in columns ordered mynumber → lgwan →
  sanitiser / dmz / custom → internet; zones of one column are stacked (a column holding more
  than :data:`MAX_STACK` zones is split into several);
* flows are orthogonal arrows. Every flow gets its own port on the side of a box, its own
  vertical track in the gutter between two columns and its own horizontal track in the channel
  above or below the zones, so parallel flows never overlap. Adjacent columns are joined
  through their shared gutter, other pairs through the channel below the zones, external
  networks through the channel above them;
* labels (kind and controls in short words) sit on a white plate on the route, placed greedily
  where they hit no other label;
* a large model (more than :data:`AGGREGATE_OVER` flows, or more than :data:`MAX_PARALLEL`
  between one pair) draws one arrow per pair of zones with a count ``×12``.

The output uses presentation attributes only (never ``style=``) so it can be inlined under a
strict content security policy; all user text is escaped.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from .findings import Finding
from .model import CONTROLS, EXTERNALS, Flow, NetworkModel, Zone

FONT_FAMILY = "'Noto Sans CJK JP', 'Noto Sans JP', sans-serif"
RED = "#c62828"
TEXT = "#1b1f23"
TEXT_MUTED = "#454c53"
FLOW = "#455a64"
WHITE = "#ffffff"
PAGE = "#ffffff"
EXTERNAL_BAND = "#f4f6f8"

ZONE_FILL: Mapping[str, str] = {
    "mynumber": "#fff3e0",
    "lgwan": "#e8f1fb",
    "sanitiser": "#e9f5f5",
    "dmz": "#f3eef9",
    "custom": "#f3f4f1",
    "internet": "#e8f5ec",
    "external": "#ffffff",
}
ZONE_STROKE: Mapping[str, str] = {
    "mynumber": "#a65d00",
    "lgwan": "#2760a8",
    "sanitiser": "#287377",
    "dmz": "#6a4c93",
    "custom": "#5f6b5a",
    "internet": "#2e7d4f",
    "external": "#546e7a",
}
SYSTEM_FILL = "#ffffff"
SYSTEM_STROKE = "#90a4ae"

MAX_STACK = 8
"""Zones stacked in one column before the column is split."""
AGGREGATE_OVER = 60
"""More flows than this: one arrow per pair of zones."""
MAX_PARALLEL = 4
"""More parallel flows than this between one pair: that pair is drawn as one arrow."""
MAX_UNPLACED = 6
"""Findings without a diagram element (a missing measure …) listed under the legend."""
FULL_LABELS_UP_TO = 120
"""More edges than this: labels only for counts and findings, tracks packed tighter."""

# geometry (user units = px)
PAD = 24
ZONE_W = 232
EXT_W = 176
EXT_H = 48
EXT_GAP = 18
GUTTER_MIN = 108
GUTTER_PAD = 14
STACK_GAP = 30
CHANNEL_PAD = 16
SYS_H = 22
SYS_GAP = 6
LINE_H = 15
HEADER_H = 40
LABEL_SIZE = 10.0

_COLUMN_OF_KIND: Mapping[str, int] = {
    "mynumber": 0,
    "lgwan": 1,
    "sanitiser": 2,
    "dmz": 2,
    "custom": 2,
    "internet": 3,
}
_MIDDLE_ORDER: Mapping[str, int] = {"sanitiser": 0, "dmz": 1, "custom": 2}
_EXT_ORDER: tuple[str, ...] = ("lgwan_wan", "lgwan_asp", "security_cloud", "internet_external")

_WORDS: Mapping[str, Mapping[str, str]] = {
    "ja": {
        "mynumber": "マイナンバー利用事務系",
        "lgwan": "LGWAN接続系",
        "internet": "インターネット接続系",
        "dmz": "DMZ（公開セグメント）",
        "sanitiser": "無害化セグメント",
        "custom": "独自セグメント",
        "internet_external": "インターネット",
        "security_cloud": "セキュリティクラウド",
        "lgwan_wan": "LGWAN（全国網）",
        "lgwan_asp": "LGWAN-ASP",
        "external": "外部ネットワーク",
        "terminals": "端末 {count}台 ({role})",
        "auth": "認証: {factors}",
        "legend": "凡例",
        "legend_flow": "通信",
        "legend_red": "指摘のある通信・要素",
        "legend_screen": "画面転送（破線）",
        "legend_specific": "特定通信（点線）",
        "legend_both": "双方向",
        "legend_count": "×n 同じ区間の通信をまとめて表示",
        "desc": "{org}のネットワーク構成図（{model}）。"
        "ゾーン{zones}、通信{flows}、指摘{findings}件。",
        "default_title": "{org} ネットワーク構成",
        "findings": "指摘 {n}件",
        "unplaced": "図の要素に結び付かない指摘",
        "more": "ほか{n}件",
        "alpha": "αモデル",
        "alpha_prime": "α′モデル",
        "beta": "βモデル",
        "beta_prime": "β′モデル",
    },
    "en": {
        "mynumber": "My Number segment",
        "lgwan": "LGWAN segment",
        "internet": "Internet segment",
        "dmz": "DMZ (public)",
        "sanitiser": "Sanitisation segment",
        "custom": "Custom segment",
        "internet_external": "Internet",
        "security_cloud": "Security cloud",
        "lgwan_wan": "LGWAN (national)",
        "lgwan_asp": "LGWAN-ASP",
        "external": "External network",
        "terminals": "Terminals {count} ({role})",
        "auth": "Login: {factors}",
        "legend": "Legend",
        "legend_flow": "flow",
        "legend_red": "flow or element with a finding",
        "legend_screen": "screen transfer (dashed)",
        "legend_specific": "specific communication (dotted)",
        "legend_both": "both ways",
        "legend_count": "×n flows between the same pair, drawn as one",
        "desc": "Network diagram of {org} ({model}): {zones} zones, {flows} flows, "
        "{findings} findings.",
        "default_title": "{org} network",
        "findings": "{n} findings",
        "unplaced": "Findings not tied to an element of the diagram",
        "more": "{n} more",
        "alpha": "α model",
        "alpha_prime": "α′ model",
        "beta": "β model",
        "beta_prime": "β′ model",
    },
}

_FLOW_WORDS: Mapping[str, Mapping[str, str]] = {
    "ja": {
        "data": "データ",
        "file": "ファイル",
        "mail": "メール",
        "browse": "閲覧",
        "screen": "画面転送",
        "lbo": "LBO",
        "specific": "特定通信",
        "telework": "テレワーク",
        "admin": "管理",
        "mixed": "複数種別",
    },
    "en": {
        "data": "data",
        "file": "file",
        "mail": "mail",
        "browse": "browse",
        "screen": "screen transfer",
        "lbo": "LBO",
        "specific": "specific comm.",
        "telework": "telework",
        "admin": "admin",
        "mixed": "mixed",
    },
}

_CONTROL_WORDS: Mapping[str, Mapping[str, str]] = {
    "ja": {
        "sanitise_file": "無害化",
        "sanitise_mail": "無害化",
        "screen_transfer": "画面転送",
        "lbo_allowlist": "許可リスト",
        "tenant_restriction": "テナント制限",
        "specific_communication": "特定通信",
        "mfa": "MFA",
        "file_exchange": "ファイル交換",
        "logging": "ログ",
        "malware_check": "ウイルス検査",
        "no_redirection": "転送禁止",
        "waf": "WAF",
    },
    "en": {
        "sanitise_file": "sanitised",
        "sanitise_mail": "sanitised",
        "screen_transfer": "screen transfer",
        "lbo_allowlist": "allow-list",
        "tenant_restriction": "tenant restr.",
        "specific_communication": "specific comm.",
        "mfa": "MFA",
        "file_exchange": "file exchange",
        "logging": "logged",
        "malware_check": "malware check",
        "no_redirection": "no redirection",
        "waf": "WAF",
    },
}

_AUTH_WORDS: Mapping[str, Mapping[str, str]] = {
    "ja": {
        "password": "パスワード",
        "pin": "PIN",
        "ic_card": "ICカード",
        "token": "トークン",
        "totp": "ワンタイムPW",
        "certificate": "証明書",
        "biometrics": "生体認証",
    },
    "en": {
        "password": "password",
        "pin": "PIN",
        "ic_card": "IC card",
        "token": "token",
        "totp": "TOTP",
        "certificate": "certificate",
        "biometrics": "biometrics",
    },
}


# ---------------------------------------------------------------------------- text helpers

_XML_INVALID = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_ID_SAFE = re.compile(r"^[A-Za-z0-9_.-]{1,80}$")


def _clean(text: str) -> str:
    """Text without the characters XML 1.0 cannot carry, newlines folded to spaces."""
    return _XML_INVALID.sub("", text).replace("\r", " ").replace("\n", " ").replace("\t", " ")


def _esc(text: str) -> str:
    """Escape for element content and for double-quoted attribute values."""
    return (
        _clean(text)
        .replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
    )


def _char_w(ch: str) -> float:
    if ch == "⚠" or unicodedata.east_asian_width(ch) in ("W", "F"):
        return 1.0
    if ch in "il.,:;|!' ":
        return 0.32
    if ch.isupper() or ch in "mwMW@%#":
        return 0.7
    return 0.58


def _text_w(text: str, size: float) -> float:
    """Estimated advance width of ``text`` at ``size`` px (CJK is square, Latin narrower)."""
    return sum(_char_w(ch) for ch in text) * size


def _fit(text: str, width: float, size: float) -> str:
    """``text`` cut with an ellipsis so that it fits ``width``."""
    text = _clean(text)
    if _text_w(text, size) <= width:
        return text
    room = width - size  # the ellipsis
    out: list[str] = []
    used = 0.0
    for ch in text:
        used += _char_w(ch) * size
        if used > room:
            break
        out.append(ch)
    return "".join(out) + "…"


def _n(value: float) -> str:
    r = round(value, 1)
    return str(int(r)) if r == int(r) else f"{r:.1f}"


def _attrs(attrs: Mapping[str, str | float | int | None]) -> str:
    parts = []
    for k, v in attrs.items():
        if v is None:
            continue
        val = _n(v) if isinstance(v, float) else str(v)
        parts.append(f' {k}="{_esc(val)}"')
    return "".join(parts)


def _tag(name: str, attrs: Mapping[str, str | float | int | None], text: str | None = None) -> str:
    if text is None:
        return f"<{name}{_attrs(attrs)}/>"
    return f"<{name}{_attrs(attrs)}>{_esc(text)}</{name}>"


class _Ids:
    """SVG ids from user ids: kept when already safe, otherwise cleaned and hashed; unique."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def make(self, prefix: str, raw: str) -> str:
        if _ID_SAFE.match(raw):
            base = f"{prefix}-{raw}"
        else:
            cleaned = re.sub(r"[^A-Za-z0-9_.-]", "_", raw)[:40]
            digest = hashlib.sha1(raw.encode("utf-8", "replace"), usedforsecurity=False)
            base = f"{prefix}-{cleaned}-{digest.hexdigest()[:8]}"
        out = base
        i = 2
        while out in self.used:
            out = f"{base}-{i}"
            i += 1
        self.used.add(out)
        return out


# ---------------------------------------------------------------------------- layout records


@dataclass
class _Box:
    x: float
    y: float
    w: float
    h: float

    @property
    def right(self) -> float:
        return self.x + self.w

    @property
    def bottom(self) -> float:
        return self.y + self.h

    @property
    def cx(self) -> float:
        return self.x + self.w / 2

    @property
    def cy(self) -> float:
        return self.y + self.h / 2

    def hits(self, other: _Box) -> bool:
        return (
            self.x < other.right
            and other.x < self.right
            and self.y < other.bottom
            and other.y < self.bottom
        )

    def overlap(self, other: _Box) -> float:
        w = min(self.right, other.right) - max(self.x, other.x)
        h = min(self.bottom, other.bottom) - max(self.y, other.y)
        return w * h if w > 0 and h > 0 else 0.0


@dataclass
class _SysBox:
    svg_id: str
    raw_id: str
    name: str
    text: str
    rules: tuple[str, ...]
    x: float  # relative to the zone box
    y: float
    w: float


@dataclass
class _TermBlock:
    svg_id: str
    raw_id: str
    role: str
    rules: tuple[str, ...]
    lines: list[tuple[str, float]]  # (text, baseline relative to the zone box)


@dataclass
class _ZoneLayout:
    zone: Zone
    svg_id: str
    column: int = 0
    title: str = ""
    caption: str = ""
    lines_top: list[tuple[str, float]] = field(default_factory=list)  # (text, baseline)
    systems: list[_SysBox] = field(default_factory=list)
    terminals: list[_TermBlock] = field(default_factory=list)
    rules: tuple[str, ...] = ()
    badge_y: float = 0.0  # 0: in the title line, right-aligned
    caption_y: float = 39.0
    height: float = 0.0
    box: _Box = field(default_factory=lambda: _Box(0, 0, 0, 0))
    external: bool = False


@dataclass
class _Edge:
    svg_id: str
    src: str
    dst: str
    flows: list[Flow]
    both: bool
    kind: str
    controls: frozenset[str]
    rules: tuple[str, ...]
    aggregated: bool = False
    route: str = ""
    # attachments: (zone id, side) for each end; side in left/right/bottom
    side_a: str = ""
    side_b: str = ""
    gutter_a: int = -1
    gutter_b: int = -1
    channel: str = ""  # "top" / "bottom" / ""
    port_a: float = 0.0
    port_b: float = 0.0
    track_a: float = 0.0  # x of the vertical track at the src end
    track_b: float = 0.0
    track_y: float = 0.0
    points: list[tuple[float, float]] = field(default_factory=list)

    @property
    def red(self) -> bool:
        return bool(self.rules)

    @property
    def dashed(self) -> str | None:
        if self.kind == "screen" or "screen_transfer" in self.controls:
            return "7 4"
        if self.kind == "specific" or "specific_communication" in self.controls:
            return "2 3"
        return None


# ---------------------------------------------------------------------------- public API


def render_svg(
    model: NetworkModel,
    findings: Sequence[Finding] = (),
    *,
    lang: str = "ja",
    title: str = "",
) -> str:
    """A standalone SVG document of ``model``; the zones, flows, systems and terminals that
    ``findings`` point at are drawn red with a ⚠ and the rule id. Never raises on a model
    whose references are inconsistent: such elements are left out."""
    return _Diagram(model, findings, "en" if lang.lower().startswith("en") else "ja", title).svg()


class _Diagram:
    def __init__(
        self, model: NetworkModel, findings: Sequence[Finding], lang: str, title: str
    ) -> None:
        self.model = model
        self.lang = lang
        self.words = _WORDS[lang]
        self.ids = _Ids()
        self.findings = findings
        self.rules_of: dict[str, dict[str, set[str]]] = {
            "zones": {},
            "flows": {},
            "systems": {},
            "terminals": {},
        }
        for f in findings:
            for attr in ("zones", "flows", "systems", "terminals"):
                for ref in getattr(f, attr):
                    self.rules_of[attr].setdefault(str(ref), set()).add(str(f.rule))
        self.unplaced = [
            f for f in findings if not (f.zones or f.flows or f.systems or f.terminals)
        ]
        model_word = self.words.get(model.model, model.model)
        self.title = _clean(title) or self.words["default_title"].format(org=model.org or "—")
        self.subtitle = model_word
        self.full_labels = True
        self.track_h = 20.0
        self.track_x = 10.0

    # ------------------------------------------------------------------ helpers

    def _rules(self, attr: str, ref: str) -> tuple[str, ...]:
        return tuple(sorted(self.rules_of[attr].get(ref, ())))

    def _auth(self, factors: Iterable[str]) -> str:
        names = _AUTH_WORDS[self.lang]
        return "+".join(names.get(f, f) for f in factors)

    def _flow_text(self, edge: _Edge) -> str:
        kinds = _FLOW_WORDS[self.lang]
        base = kinds.get(edge.kind, edge.kind)
        words: list[str] = []
        ctl_words = _CONTROL_WORDS[self.lang]
        for c in CONTROLS:
            if c in edge.controls:
                w = ctl_words[c]
                if w != base and w not in words:
                    words.append(w)
        extra = [c for c in sorted(edge.controls) if c not in ctl_words]
        words.extend(extra)
        if len(words) > 3:
            words = [*words[:3], f"+{len(words) - 3}"]
        if any(w.startswith(base) for w in words):  # ファイル交換 says ファイル already
            base = ""
        sep = "・" if self.lang == "ja" else ", "
        joiner = " " if self.lang == "ja" else ": "
        text = joiner.join(part for part in (base, sep.join(words)) if part)
        if edge.aggregated and len(edge.flows) > 1:
            text = f"×{len(edge.flows)} {text}" if self.full_labels else f"×{len(edge.flows)}"
        if edge.rules:
            text = f"⚠ {', '.join(edge.rules[:2])} {text}"
        return _fit(text, 220, LABEL_SIZE)

    # ------------------------------------------------------------------ zones

    def _zones(self) -> None:
        own: list[Zone] = []
        seen: set[str] = set()
        for z in self.model.zones:
            if z.id in seen or z.id in EXTERNALS:
                continue
            seen.add(z.id)
            own.append(z)
        self.layouts: dict[str, _ZoneLayout] = {}
        # columns
        groups: dict[int, list[tuple[int, int, Zone]]] = {}
        for i, z in enumerate(own):
            col = _COLUMN_OF_KIND.get(z.kind, 2)
            groups.setdefault(col, []).append((_MIDDLE_ORDER.get(z.kind, 3), i, z))
        self.columns: list[list[str]] = []
        self.group_of_column: list[int] = []
        for g in sorted(groups):
            members = [z for _o, _i, z in sorted(groups[g], key=lambda t: (t[0], t[1]))]
            for start in range(0, len(members), MAX_STACK):
                self.columns.append([z.id for z in members[start : start + MAX_STACK]])
                self.group_of_column.append(g)
        for c, ids in enumerate(self.columns):
            for zid in ids:
                z = next(zz for zz in own if zz.id == zid)
                self.layouts[zid] = self._zone_layout(z, c)
        for ext in _EXT_ORDER:
            zone = Zone(id=ext, kind=ext, label=self.words[ext], external=True)
            lay = _ZoneLayout(
                zone=zone,
                svg_id=self.ids.make("zone", ext),
                title=self.words[ext],
                caption=self.words["external"],
                rules=self._rules("zones", ext),
                external=True,
            )
            self.layouts[ext] = lay

    def _zone_layout(self, z: Zone, column: int) -> _ZoneLayout:
        kind_word = self.words.get(z.kind, z.kind)
        label = _clean(z.label)
        title = label if label and label != z.id else kind_word
        lay = _ZoneLayout(
            zone=z,
            svg_id=self.ids.make("zone", z.id),
            column=column,
            title=title,
            caption=kind_word if kind_word != title else "",
            rules=self._rules("zones", z.id),
        )
        inner = ZONE_W - 24
        y = 23.0
        title_room: float = inner
        if lay.rules:
            badge_w = _text_w("⚠ " + ", ".join(lay.rules[:3]), 11) + 8
            if _text_w(title, 14) + badge_w > inner:  # the badge gets a line of its own
                y += 16
                lay.badge_y = y
            else:
                title_room = inner - badge_w
        lay.title = _fit(title, title_room, 14)
        if lay.caption:
            y += 16
            lay.caption_y = y
        y += 16
        if z.prefixes:
            lines: list[str] = []
            current = ""
            for p in z.prefixes:
                candidate = f"{current}, {p}" if current else p
                if _text_w(candidate, 10) <= inner:
                    current = candidate
                else:
                    if current:
                        lines.append(current)
                    current = p
            if current:
                lines.append(current)
            if len(lines) > 2:
                rest = len(z.prefixes) - sum(len(ln.split(", ")) for ln in lines[:2])
                lines = [*lines[:2], self.words["more"].format(n=rest)]
            for ln in lines:
                lay.lines_top.append((_fit(ln, inner, 10), y))
                y += LINE_H
        if z.auth:
            text = self.words["auth"].format(factors=self._auth(z.auth))
            lay.lines_top.append((_fit(text, inner, 10), y))
            y += LINE_H
        # systems: two to a row when the name fits half the width, else a whole row
        half = (inner - SYS_GAP) / 2
        top = y - 8
        col = 0
        row_y = top
        placed_any = False
        for sys in self.model.systems:
            if sys.zone != z.id:
                continue
            rules = self._rules("systems", sys.id)
            text = f"⚠ {sys.name}" if rules else _clean(sys.name)
            full = _text_w(text, 10.5) + 12 > half
            if full and col == 1:
                row_y += SYS_H + SYS_GAP
                col = 0
            width = inner if full else half
            lay.systems.append(
                _SysBox(
                    svg_id=self.ids.make("system", sys.id),
                    raw_id=sys.id,
                    name=_clean(sys.name),
                    text=_fit(text, width - 12, 10.5),
                    rules=rules,
                    x=12 + (half + SYS_GAP) * col,
                    y=row_y,
                    w=width,
                )
            )
            placed_any = True
            if full or col == 1:
                row_y += SYS_H + SYS_GAP
                col = 0
            else:
                col = 1
        if placed_any:
            if col == 1:
                row_y += SYS_H + SYS_GAP
            y = row_y + 10
        y += 4
        for t in self.model.terminals:
            if t.zone != z.id:
                continue
            rules = self._rules("terminals", t.id)
            head = self.words["terminals"].format(count=f"{t.count:,}", role=_clean(t.role))
            if rules:
                head = f"⚠ {', '.join(rules[:2])} {head}"
            detail = " · ".join(part for part in (_clean(t.location), self._auth(t.auth)) if part)
            block = _TermBlock(
                svg_id=self.ids.make("terminal", t.id),
                raw_id=t.id,
                role=t.role,
                rules=rules,
                lines=[],
            )
            if detail and _text_w(f"{head} {detail}", 10.5) <= inner:
                block.lines.append((f"{head} {detail}", y))
                y += LINE_H
            else:
                block.lines.append((_fit(head, inner, 10.5), y))
                y += LINE_H
                details = [detail] if _text_w(detail, 10) <= inner - 12 else detail.split(" · ")
                for part in details if detail else []:
                    block.lines.append((_fit(part, inner - 12, 10), y - 1))
                    y += LINE_H - 1
            lay.terminals.append(block)
        lay.height = max(y + 4, 96.0)
        return lay

    def _zone_height(self, lay: _ZoneLayout) -> float:
        return lay.height

    # ------------------------------------------------------------------ edges

    def _edges(self) -> None:
        known = set(self.layouts)
        flows = [
            f for f in self.model.flows if f.src in known and f.dst in known and f.src != f.dst
        ]
        seen: set[str] = set()
        unique: list[Flow] = []
        for f in flows:
            if f.id in seen:
                continue
            seen.add(f.id)
            unique.append(f)
        pairs: dict[tuple[str, str], list[Flow]] = {}
        for f in unique:
            a, b = sorted((f.src, f.dst))
            pairs.setdefault((a, b), []).append(f)
        aggregate_all = len(unique) > AGGREGATE_OVER
        self.edges: list[_Edge] = []
        for f in unique:
            a, b = sorted((f.src, f.dst))
            group = pairs[(a, b)]
            if aggregate_all or len(group) > MAX_PARALLEL:
                if group[0] is not f:
                    continue
                kinds = {g.kind for g in group}
                controls = frozenset.intersection(*(g.controls for g in group))
                rules: set[str] = set()
                for g in group:
                    rules |= set(self._rules("flows", g.id))
                both = any(g.bidirectional for g in group) or any(g.src != f.src for g in group)
                self.edges.append(
                    _Edge(
                        svg_id=self.ids.make("flows", f"{f.src}--{f.dst}"),
                        src=f.src,
                        dst=f.dst,
                        flows=group,
                        both=both,
                        kind=kinds.pop() if len(kinds) == 1 else "mixed",
                        controls=controls,
                        rules=tuple(sorted(rules)),
                        aggregated=True,
                    )
                )
            else:
                self.edges.append(
                    _Edge(
                        svg_id=self.ids.make("flow", f.id),
                        src=f.src,
                        dst=f.dst,
                        flows=[f],
                        both=f.bidirectional,
                        kind=f.kind,
                        controls=f.controls,
                        rules=self._rules("flows", f.id),
                    )
                )
        self.full_labels = len(self.edges) <= FULL_LABELS_UP_TO
        if not self.full_labels:
            self.track_h = 7.0
            self.track_x = 5.0

    def _anchor(self, ext: str) -> tuple[int, str]:
        """The column an external network sits over, and on which side of that column."""
        ncols = len(self.columns)
        want = 1 if ext.startswith("lgwan") else 3
        cols = [c for c, g in enumerate(self.group_of_column) if g == want]
        if cols:
            col = cols[0] if want == 1 else cols[-1]
        elif ncols == 0:
            col = 0
        else:
            below = [c for c, g in enumerate(self.group_of_column) if g <= want]
            col = below[-1] if below else 0
        side = "left" if ext in ("lgwan_wan", "security_cloud") else "right"
        return col, side

    def _classify(self) -> None:
        for e in self.edges:
            la, lb = self.layouts[e.src], self.layouts[e.dst]
            if la.external and lb.external:
                e.route = "ext_ext"
                e.side_a = e.side_b = "bottom"
                e.channel = "top"
                continue
            if la.external or lb.external:
                e.route = "ext_own"
                e.channel = "top"
                own, ext = (lb, la) if la.external else (la, lb)
                col, side = self._anchor(ext.zone.id)
                if own.column < col:
                    own_side = "right"
                elif own.column > col:
                    own_side = "left"
                else:
                    own_side = side
                gutter = own.column + 1 if own_side == "right" else own.column
                if la.external:
                    e.side_a, e.side_b, e.gutter_b = "bottom", own_side, gutter
                else:
                    e.side_a, e.side_b, e.gutter_a = own_side, "bottom", gutter
                continue
            ca, cb = la.column, lb.column
            if ca == cb:
                e.route = "same_column"
                e.side_a = e.side_b = "right"
                e.gutter_a = e.gutter_b = ca + 1
            elif abs(ca - cb) == 1:
                e.route = "adjacent"
                e.side_a, e.side_b = ("right", "left") if ca < cb else ("left", "right")
                e.gutter_a = e.gutter_b = max(ca, cb)
            else:
                e.route = "far"
                e.channel = "bottom"
                e.side_a, e.side_b = ("right", "left") if ca < cb else ("left", "right")
                e.gutter_a = ca + 1 if ca < cb else ca
                e.gutter_b = cb if ca < cb else cb + 1

    # ------------------------------------------------------------------ geometry

    def _geometry(self) -> None:
        ncols = len(self.columns)
        # gutters: one vertical track per edge end that passes through
        uses = self._gutter_uses(ncols)
        widths: dict[int, float] = {}
        for g, u in uses.items():
            if not u:
                widths[g] = PAD if g in (0, ncols) else 2 * PAD
                continue
            # room for the labels of the flows that have nowhere else to go
            label_w = max(
                (
                    _text_w(self._flow_text(e), LABEL_SIZE) + 22
                    for e, _end in u
                    if e.route in ("adjacent", "same_column") and self.full_labels
                ),
                default=0.0,
            )
            tracks_w = 2 * GUTTER_PAD + max(0, len(u) - 1) * self.track_x
            widths[g] = max(GUTTER_MIN, min(label_w, 240.0), tracks_w)
        x = float(PAD)
        self.gutter_x: dict[int, float] = {}
        for c in range(ncols):
            self.gutter_x[c] = x
            x += widths[c]
            for zid in self.columns[c]:
                self.layouts[zid].box.x = x
                self.layouts[zid].box.w = ZONE_W
            x += ZONE_W
        self.gutter_x[ncols] = x
        x += widths[ncols]
        zones_right = x
        # the external band: desired centres over the anchor columns, then pushed apart
        ext_centres: list[tuple[float, str]] = []
        shift = (EXT_W + EXT_GAP) / 2
        for ext in _EXT_ORDER:
            col, side = self._anchor(ext)
            base = self.gutter_x[col] + widths[col] + ZONE_W / 2 if ncols else PAD + 2 * EXT_W
            ext_centres.append((base - shift if side == "left" else base + shift, ext))
        left = float(PAD)
        placed: list[tuple[float, str]] = []
        for cx, ext in ext_centres:  # left to right, pushed apart
            ex = max(left, cx - EXT_W / 2)
            placed.append((ex, ext))
            left = ex + EXT_W + EXT_GAP
        right_limit = max(zones_right, PAD + len(placed) * (EXT_W + EXT_GAP) - EXT_GAP)
        if left - EXT_GAP > right_limit:  # pulled back from the right where there is room
            pulled: list[tuple[float, str]] = []
            limit = right_limit
            for ex, ext in reversed(placed):
                nx = min(ex, limit - EXT_W)
                pulled.append((nx, ext))
                limit = nx - EXT_GAP
            placed = list(reversed(pulled))
        for ex, ext in placed:
            self.layouts[ext].box = _Box(ex, 0, EXT_W, EXT_H)
        direct_max = self._direct_edges()
        uses = self._gutter_uses(ncols)
        legend_w = 2 * PAD + self._legend_width()
        self.width = max(
            zones_right + PAD,
            max(ex + EXT_W for ex, _e in placed) + PAD,
            legend_w,
            _text_w(self.title, 17) + 2 * PAD,
        )
        # gutter tracks
        for g, u in uses.items():
            u.sort(key=lambda t: self._gutter_key(t[0], t[1], g))
            n = len(u)
            start = self.gutter_x[g] + (widths[g] - (n - 1) * self.track_x) / 2
            for i, (e, end) in enumerate(u):
                tx = start + i * self.track_x
                if end == "a":
                    e.track_a = tx
                    if e.gutter_b == e.gutter_a and e.route != "far":
                        e.track_b = tx
                else:
                    e.track_b = tx
        # vertical layout
        y = float(PAD)
        self.title_y = y + 18
        y += 48
        self.band = _Box(PAD / 2, y, self.width - PAD, EXT_H + 24)
        for ext in _EXT_ORDER:
            self.layouts[ext].box.y = y + 12
        y += EXT_H + 24
        self._ext_ports()
        top_edges = [e for e in self.edges if e.channel == "top"]
        tracks = self._channel_tracks(top_edges)
        self.top_channel = _Box(
            0,
            y,
            self.width,
            max(2 * CHANNEL_PAD + max(0, tracks - 1) * self.track_h, 12 + 24 * direct_max),
        )
        for e in top_edges:
            e.track_y = y + CHANNEL_PAD + e.track_y * self.track_h
        y = self.top_channel.bottom + 6
        bottom = y
        for c in range(ncols):
            cy = y
            for zid in self.columns[c]:
                lay = self.layouts[zid]
                lay.box.y = cy
                lay.box.h = self._zone_height(lay)
                cy += lay.box.h + STACK_GAP
            bottom = max(bottom, cy - STACK_GAP)
        self._zone_ports()
        self._separate_stubs()
        far = [e for e in self.edges if e.channel == "bottom"]
        tracks = self._channel_tracks(far)
        y = bottom + CHANNEL_PAD + 6
        for e in far:
            e.track_y = y + e.track_y * self.track_h
        y = bottom + (2 * CHANNEL_PAD + max(0, tracks - 1) * self.track_h if far else 12) + 12
        self.legend_y = y
        self.height = y + 64 + PAD
        if self.unplaced:
            self.height += 20 + 18 * min(len(self.unplaced) + 1, MAX_UNPLACED + 1)
        for e in self.edges:
            e.points = self._route(e)

    def _gutter_uses(self, ncols: int) -> dict[int, list[tuple[_Edge, str]]]:
        """Per gutter, the edge ends that run a vertical track through it."""
        uses: dict[int, list[tuple[_Edge, str]]] = {g: [] for g in range(ncols + 1)}
        for e in self.edges:
            if e.gutter_a >= 0:
                uses[e.gutter_a].append((e, "a"))
            if e.gutter_b >= 0 and not (e.gutter_b == e.gutter_a and e.route != "far"):
                uses[e.gutter_b].append((e, "b"))
        return uses

    def _direct_edges(self) -> int:
        """Turn zone ↔ external edges into straight vertical lines where the external network
        sits right over the top zone of its column; returns the most such lines of one pair."""
        direct: dict[tuple[str, str], list[_Edge]] = {}
        spans: dict[tuple[str, str], tuple[float, float]] = {}
        for e in self.edges:
            if e.route != "ext_own":
                continue
            src_external = self.layouts[e.src].external
            own_id, ext_id = (e.dst, e.src) if src_external else (e.src, e.dst)
            own = self.layouts[own_id]
            col, _side = self._anchor(ext_id)
            if own.column != col or self.columns[col][0] != own_id:
                continue
            ext = self.layouts[ext_id].box
            lo = max(own.box.x, ext.x) + 14
            hi = min(own.box.right, ext.right) - 14
            if hi - lo < 30:
                continue
            e.route = "ext_direct"
            e.channel = ""
            e.gutter_a = e.gutter_b = -1
            e.side_a, e.side_b = ("bottom", "top") if src_external else ("top", "bottom")
            direct.setdefault((own_id, ext_id), []).append(e)
            spans[(own_id, ext_id)] = (lo, hi)
        self.reserved: dict[str, tuple[float, float]] = {}
        for key, es in direct.items():
            lo, hi = spans[key]
            n = len(es)
            for i, e in enumerate(sorted(es, key=lambda ed: ed.svg_id)):
                e.port_a = e.port_b = lo + (i + 1) * (hi - lo) / (n + 1)
            self.reserved[key[1]] = (lo - 6, hi + 6)
        return max((len(es) for es in direct.values()), default=0)

    def _gutter_key(self, e: _Edge, end: str, gutter: int) -> tuple[float, float]:
        zid = e.src if end == "a" else e.dst
        lay = self.layouts[zid]
        other = self.layouts[e.dst if end == "a" else e.src]
        on_left = not lay.external and lay.column < gutter  # the zone is left of the gutter
        going = {"top": 0.0, "bottom": 2.0}.get(e.channel, 1.0)
        if on_left:
            return (going, -other.column)
        return (4.0 - going, -other.column)

    def _ext_ports(self) -> None:
        bottoms: dict[str, list[tuple[float, _Edge, str]]] = {}
        sides: dict[tuple[str, str], list[tuple[float, _Edge, str]]] = {}
        for e in self.edges:
            if e.route == "ext_direct":
                continue
            for end, zid, side in (("a", e.src, e.side_a), ("b", e.dst, e.side_b)):
                lay = self.layouts[zid]
                if not lay.external:
                    continue
                other = self.layouts[e.dst if end == "a" else e.src]
                key = other.box.cx if other.external else (e.track_a if end == "b" else e.track_b)
                if side == "bottom":
                    bottoms.setdefault(zid, []).append((key, e, end))
                else:
                    sides.setdefault((zid, side), []).append((0.0, e, end))
        for zid, ports in bottoms.items():
            box = self.layouts[zid].box
            lo, hi = box.x, box.right
            if zid in self.reserved:  # the straight lines of _direct_edges
                r_lo, r_hi = self.reserved[zid]
                left, right = (box.x, r_lo), (r_hi, box.right)
                lo, hi = left if left[1] - left[0] >= right[1] - right[0] else right
                if hi - lo < 16:
                    lo, hi = box.x, box.right
            ports.sort(key=lambda t: (t[0], t[1].svg_id))
            n = len(ports)
            for i, (_k, e, end) in enumerate(ports):
                px = lo + (i + 1) * (hi - lo) / (n + 1)
                if end == "a":
                    e.port_a = px
                else:
                    e.port_b = px
        for (zid, _side), ports in sides.items():
            box = self.layouts[zid].box
            # both ends list the same edges in the same order: the lines come out straight
            ports.sort(key=lambda t: t[1].svg_id)
            n = len(ports)
            for i, (_k, e, end) in enumerate(ports):
                py = box.y + (i + 1) * box.h / (n + 1)
                if end == "a":
                    e.port_a = py
                else:
                    e.port_b = py

    def _zone_ports(self) -> None:
        sides: dict[tuple[str, str], list[tuple[tuple[float, float], _Edge, str]]] = {}
        for e in self.edges:
            if e.route == "ext_direct":
                continue
            for end, zid, side in (("a", e.src, e.side_a), ("b", e.dst, e.side_b)):
                lay = self.layouts[zid]
                if lay.external:
                    continue
                other = self.layouts[e.dst if end == "a" else e.src]
                if e.channel == "top":
                    key = (0.0, other.box.cx if side == "left" else -other.box.cx)
                elif e.channel == "bottom":
                    key = (2.0, -abs(other.box.cx - lay.box.cx))
                else:
                    key = (1.0, other.box.cy)
                sides.setdefault((zid, side), []).append((key, e, end))
        for (zid, _side), ports in sides.items():
            box = self.layouts[zid].box
            ports.sort(key=lambda t: (t[0], t[1].svg_id))
            top = box.y + 22
            span = box.h - 22 - 10
            n = len(ports)
            for i, (_k, e, end) in enumerate(ports):
                py = top + (i + 1) * span / (n + 1)
                if end == "a":
                    e.port_a = py
                else:
                    e.port_b = py

    def _separate_stubs(self) -> None:
        """Two boxes facing each other across a gutter may put ports at the same height: move
        one port a little where two horizontal stubs of different edges would overlap."""
        by_gutter: dict[int, list[tuple[_Edge, str]]] = {}
        for e in self.edges:
            for end, zid, side, gutter in (
                ("a", e.src, e.side_a, e.gutter_a),
                ("b", e.dst, e.side_b, e.gutter_b),
            ):
                if gutter >= 0 and side in ("left", "right") and not self.layouts[zid].external:
                    by_gutter.setdefault(gutter, []).append((e, end))
        for ends in by_gutter.values():
            for _attempt in range(8):
                stubs: list[tuple[float, float, float, _Edge, str]] = []
                for e, end in ends:
                    zid, side = (e.src, e.side_a) if end == "a" else (e.dst, e.side_b)
                    port, track = (e.port_a, e.track_a) if end == "a" else (e.port_b, e.track_b)
                    box = self.layouts[zid].box
                    x0 = box.right if side == "right" else box.x
                    stubs.append((port, min(x0, track), max(x0, track), e, end))
                stubs.sort(key=lambda t: (t[0], t[3].svg_id, t[4]))
                moved = False
                for i, (y1, lo1, hi1, e1, _end1) in enumerate(stubs):
                    for y2, lo2, hi2, e2, end2 in stubs[i + 1 :]:
                        if y2 - y1 >= 4:
                            break
                        if e1 is e2 or min(hi1, hi2) - max(lo1, lo2) <= 0.5:
                            continue
                        box = self.layouts[e2.src if end2 == "a" else e2.dst].box
                        new = y1 + 5 if y1 + 5 <= box.bottom - 6 else y1 - 5
                        if end2 == "a":
                            e2.port_a = new
                        else:
                            e2.port_b = new
                        moved = True
                if not moved:
                    break

    def _channel_tracks(self, edges: list[_Edge]) -> int:
        """Assign each edge a track index (stored in ``track_y``) so that edges sharing a track
        do not overlap in x (interval colouring), and return the number of tracks."""
        spans: list[tuple[float, float, _Edge]] = []
        for e in edges:
            xa = e.port_a if self.layouts[e.src].external else e.track_a
            xb = e.port_b if self.layouts[e.dst].external else e.track_b
            lo, hi = min(xa, xb), max(xa, xb)
            spans.append((lo, hi, e))
        spans.sort(key=lambda t: (t[1] - t[0], t[0], t[2].svg_id))
        gap = 130.0 if self.full_labels else 12.0
        tracks: list[list[tuple[float, float]]] = []
        for lo, hi, e in spans:
            for i, used in enumerate(tracks):
                if all(hi + gap < a or lo > b + gap for a, b in used):
                    used.append((lo, hi))
                    e.track_y = float(i)
                    break
            else:
                tracks.append([(lo, hi)])
                e.track_y = float(len(tracks) - 1)
        return len(tracks)

    def _end(self, zid: str, side: str, port: float) -> tuple[float, float]:
        box = self.layouts[zid].box
        if side == "bottom":
            return (port, box.bottom)
        if side == "left":
            return (box.x, port)
        if side == "top":
            return (port, box.y)
        return (box.right, port)

    def _route(self, e: _Edge) -> list[tuple[float, float]]:
        a = self._end(e.src, e.side_a, e.port_a)
        b = self._end(e.dst, e.side_b, e.port_b)
        pts: list[tuple[float, float]]
        if e.route == "ext_direct":
            pts = [a, b]
        elif e.route == "ext_ext":
            pts = [a, (a[0], e.track_y), (b[0], e.track_y), b]
        elif e.route == "ext_own":
            if self.layouts[e.src].external:
                pts = [a, (a[0], e.track_y), (e.track_b, e.track_y), (e.track_b, b[1]), b]
            else:
                pts = [a, (e.track_a, a[1]), (e.track_a, e.track_y), (b[0], e.track_y), b]
        elif e.route in ("same_column", "adjacent"):
            pts = [a, (e.track_a, a[1]), (e.track_a, b[1]), b]
        else:
            pts = [
                a,
                (e.track_a, a[1]),
                (e.track_a, e.track_y),
                (e.track_b, e.track_y),
                (e.track_b, b[1]),
                b,
            ]
        return _simplify(pts)

    # ------------------------------------------------------------------ labels

    def _place_labels(self) -> dict[str, tuple[_Box, str]]:
        obstacles: list[_Box] = []
        for lay in self.layouts.values():
            obstacles.append(lay.box)
        grid: dict[tuple[int, int], list[_Box]] = {}
        cell = 120.0

        def cells(b: _Box) -> Iterable[tuple[int, int]]:
            for gx in range(int(b.x // cell), int(b.right // cell) + 1):
                for gy in range(int(b.y // cell), int(b.bottom // cell) + 1):
                    yield (gx, gy)

        out: dict[str, tuple[_Box, str]] = {}
        # red labels first so that they get the best places
        order = sorted(self.edges, key=lambda e: (not e.red, e.svg_id))
        for e in order:
            if not self.full_labels and not e.red and not (e.aggregated and len(e.flows) > 1):
                continue
            text = self._flow_text(e)
            size = LABEL_SIZE if self.full_labels else 9.0
            w = _text_w(text, size) + 10
            h = size + 6
            best: tuple[float, _Box] | None = None
            segs = list(zip(e.points, e.points[1:], strict=False))

            # long segments first, horizontal ones preferred
            weights = [abs(a[0] - b[0]) * 2 + abs(a[1] - b[1]) for a, b in segs]
            ranked = sorted(range(len(segs)), key=lambda k: -weights[k])
            for rank, i in enumerate(ranked):
                (x1, y1), (x2, y2) = segs[i]
                for frac in (0.5, 0.3, 0.7, 0.15, 0.85, 0.05, 0.95):
                    cx = x1 + (x2 - x1) * frac
                    cy = y1 + (y2 - y1) * frac
                    box = _Box(cx - w / 2, cy - h / 2, w, h)
                    hit = 0.0
                    for c in cells(box):
                        for other in grid.get(c, ()):
                            if box.hits(other):
                                hit += 1000
                    for ob in obstacles:
                        hit += box.overlap(ob) / 10
                    score = hit + rank * 3 + abs(frac - 0.5) * 4
                    if best is None or score < best[0]:
                        best = (score, box)
                    if hit == 0 and rank == 0 and frac == 0.5:
                        break
                if best is not None and best[0] < 1:
                    break
            if best is None:
                continue
            box = best[1]
            out[e.svg_id] = (box, text)
            for c in cells(box):
                grid.setdefault(c, []).append(box)
        return out

    # ------------------------------------------------------------------ drawing

    def _legend_width(self) -> float:
        w = 60.0
        for key in ("legend_flow", "legend_red", "legend_screen", "legend_specific", "legend_both"):
            w += 44 + _text_w(self.words[key], 11) + 18
        return w

    def svg(self) -> str:
        self._zones()
        self._edges()
        self._classify()
        self._geometry()
        labels = self._place_labels()
        out: list[str] = []
        w, h = self.width, self.height
        n_findings = len(self.findings)
        desc = self.words["desc"].format(
            org=self.model.org or "—",
            model=self.subtitle,
            zones=len([z for z in self.layouts.values() if not z.external]),
            flows=len(self.model.flows),
            findings=n_findings,
        )
        out.append(
            "<svg"
            + _attrs(
                {
                    "xmlns": "http://www.w3.org/2000/svg",
                    "version": "1.1",
                    "role": "img",
                    "aria-labelledby": "diagram-title diagram-desc",
                    "viewBox": f"0 0 {_n(w)} {_n(h)}",
                    "width": _n(w),
                    "height": _n(h),
                    "font-family": FONT_FAMILY,
                    "lang": self.lang,
                    "data-model": self.model.model,
                    "data-org": self.model.org,
                }
            )
            + ">"
        )
        out.append(_tag("title", {"id": "diagram-title"}, self.title))
        out.append(_tag("desc", {"id": "diagram-desc"}, desc))
        out.append(self._defs())
        out.append(_tag("rect", {"x": 0, "y": 0, "width": _n(w), "height": _n(h), "fill": PAGE}))
        out.append(
            _tag(
                "text",
                {
                    "x": PAD,
                    "y": _n(self.title_y),
                    "font-size": 17,
                    "font-weight": "bold",
                    "fill": TEXT,
                },
                self.title,
            )
        )
        sub = self.subtitle
        if n_findings:
            sub += "　" + self.words["findings"].format(n=n_findings)
        out.append(
            _tag(
                "text",
                {
                    "x": PAD,
                    "y": _n(self.title_y + 20),
                    "font-size": 12,
                    "fill": RED if n_findings else TEXT_MUTED,
                },
                sub,
            )
        )
        b = self.band
        out.append(
            _tag(
                "rect",
                {
                    "x": _n(b.x),
                    "y": _n(b.y),
                    "width": _n(b.w),
                    "height": _n(b.h),
                    "rx": 8,
                    "fill": EXTERNAL_BAND,
                    "stroke": "#cfd8dc",
                    "stroke-width": 1,
                },
            )
        )
        for ext in _EXT_ORDER:
            out.append(self._draw_external(self.layouts[ext]))
        for lay in self.layouts.values():
            if not lay.external:
                out.append(self._draw_zone(lay))
        out.append('<g id="flows">')
        for e in sorted(self.edges, key=lambda ed: ed.red):  # red ones on top
            out.append(self._draw_edge(e))
        out.append("</g>")
        out.append('<g id="flow-labels">')
        for e in self.edges:
            if e.svg_id in labels:
                out.append(self._draw_label(e, *labels[e.svg_id]))
        out.append("</g>")
        out.append(self._draw_legend())
        out.append("</svg>")
        return "\n".join(out) + "\n"

    def _defs(self) -> str:
        parts = ["<defs>"]
        for name, colour in (("n", FLOW), ("r", RED)):
            parts.append(
                f'<marker id="arrow-end-{name}" viewBox="0 0 10 10" refX="9" refY="5" '
                f'markerWidth="9" markerHeight="9" markerUnits="userSpaceOnUse" orient="auto">'
                f'<path d="M0,0 L10,5 L0,10 z" fill="{colour}"/></marker>'
            )
            parts.append(
                f'<marker id="arrow-start-{name}" viewBox="0 0 10 10" refX="1" refY="5" '
                f'markerWidth="9" markerHeight="9" markerUnits="userSpaceOnUse" orient="auto">'
                f'<path d="M10,0 L0,5 L10,10 z" fill="{colour}"/></marker>'
            )
        parts.append("</defs>")
        return "".join(parts)

    def _badge(self, x: float, y: float, rules: tuple[str, ...], anchor: str = "end") -> str:
        text = "⚠ " + ", ".join(rules[:3]) + (" …" if len(rules) > 3 else "")
        return _tag(
            "text",
            {
                "x": _n(x),
                "y": _n(y),
                "font-size": 11,
                "font-weight": "bold",
                "fill": RED,
                "text-anchor": anchor,
                "data-rules": " ".join(rules),
            },
            text,
        )

    def _draw_external(self, lay: _ZoneLayout) -> str:
        box = lay.box
        red = bool(lay.rules)
        parts = [
            "<g"
            + _attrs(
                {
                    "id": lay.svg_id,
                    "data-zone-id": lay.zone.id,
                    "data-kind": lay.zone.kind,
                    "data-external": "true",
                    "data-findings": " ".join(lay.rules) or None,
                }
            )
            + ">",
            _tag(
                "rect",
                {
                    "x": _n(box.x),
                    "y": _n(box.y),
                    "width": _n(box.w),
                    "height": _n(box.h),
                    "rx": 10,
                    "fill": WHITE,
                    "stroke": RED if red else ZONE_STROKE["external"],
                    "stroke-width": 2.5 if red else 1.5,
                    "stroke-dasharray": None if red else "5 3",
                },
            ),
            _tag(
                "text",
                {
                    "x": _n(box.x + 10),
                    "y": _n(box.y + 20),
                    "font-size": 12.5,
                    "font-weight": "bold",
                    "fill": TEXT,
                },
                _fit(lay.title, box.w - 20, 12.5),
            ),
        ]
        if red:
            parts.append(self._badge(box.right - 8, box.y + 38, lay.rules))
        else:
            parts.append(
                _tag(
                    "text",
                    {"x": _n(box.x + 10), "y": _n(box.y + 37), "font-size": 10, "fill": TEXT_MUTED},
                    lay.caption,
                )
            )
        parts.append("</g>")
        return "".join(parts)

    def _draw_zone(self, lay: _ZoneLayout) -> str:
        box = lay.box
        z = lay.zone
        red = bool(lay.rules)
        kind = z.kind if z.kind in ZONE_FILL else "custom"
        parts = [
            "<g"
            + _attrs(
                {
                    "id": lay.svg_id,
                    "data-zone-id": z.id,
                    "data-kind": z.kind,
                    "data-findings": " ".join(lay.rules) or None,
                }
            )
            + ">",
            _tag(
                "rect",
                {
                    "x": _n(box.x),
                    "y": _n(box.y),
                    "width": _n(box.w),
                    "height": _n(box.h),
                    "rx": 14,
                    "fill": ZONE_FILL[kind],
                    "stroke": RED if red else ZONE_STROKE[kind],
                    "stroke-width": 3 if red else 1.8,
                },
            ),
        ]
        if red:
            if lay.badge_y:
                parts.append(self._badge(box.x + 12, box.y + lay.badge_y, lay.rules, "start"))
            else:
                parts.append(self._badge(box.right - 10, box.y + 22, lay.rules))
        parts.append(
            _tag(
                "text",
                {
                    "x": _n(box.x + 12),
                    "y": _n(box.y + 23),
                    "font-size": 14,
                    "font-weight": "bold",
                    "fill": TEXT,
                },
                lay.title,
            )
        )
        if lay.caption:
            parts.append(
                _tag(
                    "text",
                    {
                        "x": _n(box.x + 12),
                        "y": _n(box.y + lay.caption_y),
                        "font-size": 10.5,
                        "fill": TEXT_MUTED,
                    },
                    _fit(lay.caption, box.w - 24, 10.5),
                )
            )
        for text, ty in lay.lines_top:
            parts.append(
                _tag(
                    "text",
                    {"x": _n(box.x + 12), "y": _n(box.y + ty), "font-size": 10, "fill": TEXT_MUTED},
                    text,
                )
            )
        for sb in lay.systems:
            s_red = bool(sb.rules)
            sx, sy = box.x + sb.x, box.y + sb.y
            parts.append(
                "<g"
                + _attrs(
                    {
                        "id": sb.svg_id,
                        "data-system-id": sb.raw_id,
                        "data-findings": " ".join(sb.rules) or None,
                    }
                )
                + ">"
            )
            parts.append(
                _tag(
                    "rect",
                    {
                        "x": _n(sx),
                        "y": _n(sy),
                        "width": _n(sb.w),
                        "height": SYS_H,
                        "rx": 4,
                        "fill": SYSTEM_FILL,
                        "stroke": RED if s_red else SYSTEM_STROKE,
                        "stroke-width": 2 if s_red else 1,
                    },
                )
            )
            parts.append(
                _tag(
                    "text",
                    {
                        "x": _n(sx + 6),
                        "y": _n(sy + 15),
                        "font-size": 10.5,
                        "fill": RED if s_red else TEXT,
                        "font-weight": "bold" if s_red else None,
                    },
                    sb.text,
                )
            )
            tip = f"{sb.name}: {', '.join(sb.rules)}" if s_red else sb.name
            parts.append(_tag("title", {}, tip))
            parts.append("</g>")
        for tb in lay.terminals:
            t_red = bool(tb.rules)
            parts.append(
                "<g"
                + _attrs(
                    {
                        "id": tb.svg_id,
                        "data-terminal-id": tb.raw_id,
                        "data-role": tb.role,
                        "data-findings": " ".join(tb.rules) or None,
                    }
                )
                + ">"
            )
            for i, (text, ty) in enumerate(tb.lines):
                parts.append(
                    _tag(
                        "text",
                        {
                            "x": _n(box.x + (12 if i == 0 else 24)),
                            "y": _n(box.y + ty),
                            "font-size": 10.5 if i == 0 else 10,
                            "fill": RED if t_red else (TEXT if i == 0 else TEXT_MUTED),
                            "font-weight": "bold" if t_red and i == 0 else None,
                        },
                        text,
                    )
                )
            parts.append("</g>")
        parts.append("</g>")
        return "".join(parts)

    def _draw_edge(self, e: _Edge) -> str:
        colour = RED if e.red else FLOW
        m = "r" if e.red else "n"
        d = "M" + " L".join(f"{_n(x)},{_n(y)}" for x, y in e.points)
        flow_ids = [f.id for f in e.flows]
        attrs: dict[str, str | float | int | None] = {
            "id": e.svg_id,
            "data-src": e.src,
            "data-dst": e.dst,
            "data-kind": e.kind,
            "data-controls": " ".join(sorted(e.controls)) or None,
            "data-findings": " ".join(e.rules) or None,
            "data-bidirectional": "true" if e.both else None,
        }
        if e.aggregated:
            attrs["data-flows"] = " ".join(flow_ids)
            attrs["data-count"] = str(len(flow_ids))
        else:
            attrs["data-flow-id"] = flow_ids[0]
        parts = ["<g" + _attrs(attrs) + ">"]
        parts.append(
            _tag(
                "path",
                {
                    "d": d,
                    "fill": "none",
                    "stroke": colour,
                    "stroke-width": 2.4 if e.red else 1.5,
                    "stroke-dasharray": e.dashed,
                    "stroke-linejoin": "round",
                    "marker-end": f"url(#arrow-end-{m})",
                    "marker-start": f"url(#arrow-start-{m})" if e.both else None,
                },
            )
        )
        if e.aggregated:
            for f in e.flows:
                parts.append(
                    _tag(
                        "g",
                        {
                            "id": self.ids.make("flow", f.id),
                            "data-flow-id": f.id,
                            "data-src": f.src,
                            "data-dst": f.dst,
                            "data-kind": f.kind,
                            "data-findings": " ".join(self._rules("flows", f.id)) or None,
                        },
                    )
                )
        parts.append("</g>")
        return "".join(parts)

    def _draw_label(self, e: _Edge, box: _Box, text: str) -> str:
        colour = RED if e.red else TEXT
        size = LABEL_SIZE if self.full_labels else 9.0
        return (
            "<g"
            + _attrs({"id": f"label-{e.svg_id}", "data-for": e.svg_id})
            + ">"
            + _tag(
                "rect",
                {
                    "x": _n(box.x),
                    "y": _n(box.y),
                    "width": _n(box.w),
                    "height": _n(box.h),
                    "rx": 3,
                    "fill": WHITE,
                    "fill-opacity": 0.94,
                    "stroke": RED if e.red else "#b0bec5",
                    "stroke-width": 1,
                },
            )
            + _tag(
                "text",
                {
                    "x": _n(box.cx),
                    "y": _n(box.y + box.h / 2 + size * 0.36),
                    "font-size": _n(size),
                    "text-anchor": "middle",
                    "fill": colour,
                    "font-weight": "bold" if e.red else None,
                },
                text,
            )
            + "</g>"
        )

    def _draw_legend(self) -> str:
        y = self.legend_y
        x = float(PAD)
        parts = [
            '<g id="legend">',
            _tag(
                "text",
                {"x": _n(x), "y": _n(y + 14), "font-size": 11, "font-weight": "bold", "fill": TEXT},
                self.words["legend"],
            ),
        ]
        x += 50
        items: list[tuple[str, str, str | None, bool]] = [
            ("legend_flow", FLOW, None, False),
            ("legend_red", RED, None, False),
            ("legend_screen", FLOW, "7 4", False),
            ("legend_specific", FLOW, "2 3", False),
            ("legend_both", FLOW, None, True),
        ]
        for key, colour, dash, both in items:
            m = "r" if colour == RED else "n"
            parts.append(
                _tag(
                    "path",
                    {
                        "d": f"M{_n(x)},{_n(y + 10)} L{_n(x + 36)},{_n(y + 10)}",
                        "fill": "none",
                        "stroke": colour,
                        "stroke-width": 2.4 if colour == RED else 1.5,
                        "stroke-dasharray": dash,
                        "marker-end": f"url(#arrow-end-{m})",
                        "marker-start": f"url(#arrow-start-{m})" if both else None,
                    },
                )
            )
            parts.append(
                _tag(
                    "text",
                    {"x": _n(x + 44), "y": _n(y + 14), "font-size": 11, "fill": TEXT},
                    self.words[key],
                )
            )
            x += 44 + _text_w(self.words[key], 11) + 18
        parts.append(
            _tag(
                "text",
                {"x": PAD + 50, "y": _n(y + 36), "font-size": 11, "fill": TEXT_MUTED},
                self.words["legend_count"],
            )
        )
        if self.unplaced:
            uy = y + 62
            parts.append(
                _tag(
                    "text",
                    {"x": PAD, "y": _n(uy), "font-size": 11, "font-weight": "bold", "fill": TEXT},
                    self.words["unplaced"],
                )
            )
            for f in self.unplaced[:MAX_UNPLACED]:
                uy += 18
                title = f.title.get(self.lang) or f.title.get("ja") or f.key
                parts.append(
                    _tag(
                        "text",
                        {
                            "x": PAD + 12,
                            "y": _n(uy),
                            "font-size": 11,
                            "fill": RED,
                            "data-rule": f.rule,
                            "data-key": f.key,
                        },
                        _fit(f"⚠ {f.rule} {title}", max(300.0, self.width - 2 * PAD), 11),
                    )
                )
            if len(self.unplaced) > MAX_UNPLACED:
                uy += 18
                more = self.words["more"].format(n=len(self.unplaced) - MAX_UNPLACED)
                parts.append(
                    _tag(
                        "text",
                        {"x": PAD + 12, "y": _n(uy), "font-size": 11, "fill": TEXT_MUTED},
                        more,
                    )
                )
        parts.append("</g>")
        return "".join(parts)


def _simplify(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Drop repeated points and the middle one of three collinear points."""
    out: list[tuple[float, float]] = []
    for p in points:
        if out and abs(out[-1][0] - p[0]) < 0.05 and abs(out[-1][1] - p[1]) < 0.05:
            continue
        out.append(p)
    i = 1
    while i < len(out) - 1:
        (x0, y0), (x1, y1), (x2, y2) = out[i - 1], out[i], out[i + 1]
        if (abs(x0 - x1) < 0.05 and abs(x1 - x2) < 0.05) or (
            abs(y0 - y1) < 0.05 and abs(y1 - y2) < 0.05
        ):
            del out[i]
        else:
            i += 1
    if len(out) == 1:
        out.append((out[0][0] + 1, out[0][1]))
    return out
