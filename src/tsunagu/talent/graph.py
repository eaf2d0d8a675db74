"""The know-how spread graph as SVG: experts in the middle, organisations around them; a grey
line is an expert's visits to an organisation, a green arrow an artifact one organisation made
and another reused. Presentation attributes only (the CSP forbids inline styles)."""

from __future__ import annotations

import math
from html import escape

from .selectors import SpreadGraph

W, H = 900, 700
CX, CY = W / 2, H / 2


def render(g: SpreadGraph, *, lang: str = "ja") -> str:
    title = "ノウハウの広がり" if lang == "ja" else "How know-how spread"
    desc = (
        f"{len(g.orgs)} organisations, {len(g.experts)} experts, {len(g.visits)} expert links, "
        f"{sum(g.reuses.values())} reuses of artifacts"
    )
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" width="{W}" height="{H}" '
        f'role="img" aria-labelledby="spread-title spread-desc" font-family="Noto Sans CJK JP, '
        f'Noto Sans JP, sans-serif">',
        f'<title id="spread-title">{escape(title)}</title>',
        f'<desc id="spread-desc">{escape(desc)}</desc>',
        '<defs><marker id="reuse-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#1b7f3b"/>'
        "</marker></defs>",
    ]
    orgs = sorted(g.orgs)
    experts = sorted(g.experts)
    pos: dict[str, tuple[float, float]] = {}
    r_org = min(W, H) / 2 - 70
    for i, code in enumerate(orgs):
        a = 2 * math.pi * i / max(1, len(orgs)) - math.pi / 2
        pos[f"o{code}"] = (CX + r_org * math.cos(a), CY + r_org * math.sin(a))
    r_exp = r_org * 0.45
    for i, eid in enumerate(experts):
        a = 2 * math.pi * i / max(1, len(experts)) - math.pi / 2
        pos[f"e{eid}"] = (CX + r_exp * math.cos(a), CY + r_exp * math.sin(a))
    for (eid, code), n in sorted(g.visits.items()):
        (x1, y1), (x2, y2) = pos[f"e{eid}"], pos[f"o{code}"]
        parts.append(
            f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="#9aa5b1" '
            f'stroke-width="{min(4, 0.6 + 0.4 * n):.1f}" stroke-opacity="0.7"/>'
        )
    for (src, dst), n in sorted(g.reuses.items()):
        (x1, y1), (x2, y2) = pos[f"o{src}"], pos[f"o{dst}"]
        mx, my = (
            (x1 + x2) / 2 + (CY - (y1 + y2) / 2) * 0.3,
            (y1 + y2) / 2 + ((x1 + x2) / 2 - CX) * 0.3,
        )
        parts.append(
            f'<path d="M{x1:.1f},{y1:.1f} Q{mx:.1f},{my:.1f} {x2:.1f},{y2:.1f}" fill="none" '
            f'stroke="#1b7f3b" stroke-width="{min(5, 1.5 + n):.1f}" marker-end="url(#reuse-arrow)">'
            f"<title>{escape(g.orgs[src])} → {escape(g.orgs[dst])} ×{n}</title></path>"
        )
    for eid in experts:
        x, y = pos[f"e{eid}"]
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="6" fill="#0031d8"><title>'
            f"{escape(g.experts[eid])}</title></circle>"
        )
    for code in orgs:
        x, y = pos[f"o{code}"]
        anchor = "start" if x >= CX else "end"
        dx = 9 if x >= CX else -9
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5" fill="#ffffff" stroke="#333333" '
            f'stroke-width="1.5"/><text x="{x + dx:.1f}" y="{y + 4:.1f}" font-size="11" '
            f'fill="#1a1a1a" text-anchor="{anchor}">{escape(g.orgs[code])}</text>'
        )
    legend = (
        ("●", "#0031d8", "専門人材" if lang == "ja" else "Expert"),
        ("―", "#6b7785", "支援（訪問）" if lang == "ja" else "Visits"),
        ("→", "#1b7f3b", "成果物の再利用" if lang == "ja" else "Reused artifact"),
    )
    for i, (mark, colour, label) in enumerate(legend):
        parts.append(
            f'<text x="12" y="{20 + 18 * i}" font-size="12" fill="{colour}">{mark}</text>'
            f'<text x="30" y="{20 + 18 * i}" font-size="12" fill="#1a1a1a">{escape(label)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
