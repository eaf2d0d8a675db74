"""The network-model diagram: valid standalone SVG, every element findable by id, findings in
red, user text inert, no inline styles, and it survives large and random models."""

from __future__ import annotations

import itertools
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tsunagu.engines.compliance import diagram
from tsunagu.engines.compliance.diagram import RED, render_svg
from tsunagu.engines.compliance.findings import Finding
from tsunagu.engines.compliance.model import (
    CONTROLS,
    EXTERNALS,
    FLOW_KINDS,
    ZONE_KINDS,
    Destination,
    Flow,
    NetworkModel,
    System,
    Terminal,
    Zone,
    parse_model,
)

NS = "{http://www.w3.org/2000/svg}"


def _model() -> NetworkModel:
    """A small α model in the shape the demo produces."""
    zones = (
        Zone(
            "mynumber",
            "mynumber",
            "マイナンバー利用事務系",
            ("10.1.0.0/18",),
            ("ic_card", "password"),
        ),
        Zone("lgwan", "lgwan", "LGWAN接続系", ("10.1.64.0/18",), ("password",)),
        Zone("internet", "internet", "インターネット接続系", ("10.1.128.0/18",)),
        Zone("dmz", "dmz", "DMZ", ("10.1.192.0/24",)),
        Zone("sanitiser", "sanitiser", "無害化セグメント", ("10.1.193.0/24",)),
        Zone("wifi", "custom", "庁内Wi-Fi（更新予定）"),
    )
    systems = (
        System("s1", "住民記録システム", "resident_register", "mynumber"),
        System("s2", "財務会計システム", "finance", "lgwan"),
        System("s3", "無害化サーバ", "sanitiser", "sanitiser"),
        System("s4", "公式ホームページ", "public_website", "dmz"),
    )
    terminals = (
        Terminal("t1", "lgwan", "main", 800, "本庁舎", ("ic_card", "password")),
        Terminal("t2", "mynumber", "mynumber", 120, "窓口", ("password",)),
    )
    flows = (
        Flow("f1", "lgwan", "internet", "screen", frozenset({"screen_transfer", "mfa"})),
        Flow("f2", "internet", "sanitiser", "file", frozenset({"malware_check"})),
        Flow("f3", "sanitiser", "lgwan", "file", frozenset({"sanitise_file"})),
        Flow("f4", "internet", "lgwan", "mail", frozenset({"sanitise_mail"})),
        Flow("f5", "lgwan", "lgwan_wan", "data", bidirectional=True),
        Flow("f6", "lgwan", "lgwan_asp", "data"),
        Flow(
            "f7",
            "mynumber",
            "lgwan",
            "data",
            frozenset({"specific_communication"}),
            bidirectional=True,
        ),
        Flow(
            "f8", "internet_external", "mynumber", "specific", frozenset({"specific_communication"})
        ),
        Flow(
            "f9", "internet_external", "mynumber", "specific", frozenset({"specific_communication"})
        ),
        Flow("f10", "internet", "security_cloud", "browse"),
        Flow("f11", "security_cloud", "internet_external", "browse"),
        Flow("f12", "security_cloud", "dmz", "browse", frozenset({"waf"})),
        Flow(
            "f13",
            "lgwan",
            "internet_external",
            "lbo",
            frozenset({"lbo_allowlist", "tenant_restriction"}),
            (Destination("*.teams.microsoft.com", True, "Teams"),),
        ),
        Flow("f14", "wifi", "lgwan", "data", frozenset({"mfa"})),
        Flow("f15", "lgwan", "internet", "file", frozenset({"file_exchange"})),
    )
    return NetworkModel(
        org="小金井市",
        model="alpha",
        zones=zones,
        systems=systems,
        terminals=terminals,
        flows=flows,
    )


def _finding(rule: str, **refs: tuple[str, ...]) -> Finding:
    return Finding(
        key=f"{rule}:x",
        rule=rule,
        severity="high",
        title={"ja": "t", "en": "t"},
        fix={},
        detail={},
        **refs,  # type: ignore[arg-type]
    )


def _parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)  # noqa: S314 - our own output, the subject under test
    assert root.tag == f"{NS}svg"
    return root


def _by_id(root: ET.Element) -> dict[str, ET.Element]:
    return {el.attrib["id"]: el for el in root.iter() if "id" in el.attrib}


def _strokes(el: ET.Element, *, skip_nested_ids: bool = True) -> Iterator[str]:
    """Stroke and fill colours of ``el`` and its descendants, not entering nested elements
    with their own id (a zone's systems and terminals are judged on their own)."""
    yield el.attrib.get("stroke", "")
    yield el.attrib.get("fill", "")
    for child in el:
        if skip_nested_ids and "id" in child.attrib:
            continue
        yield from _strokes(child, skip_nested_ids=skip_nested_ids)


def test_standalone_accessible_svg() -> None:
    svg = render_svg(_model(), title="小金井市 ネットワーク構成")
    root = _parse(svg)
    assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg"')
    assert root.attrib["role"] == "img"
    assert re.fullmatch(r"0 0 [\d.]+ [\d.]+", root.attrib["viewBox"])
    _, _, w, h = root.attrib["viewBox"].split()
    assert root.attrib["width"] == w and root.attrib["height"] == h
    title = root.find(f"{NS}title")
    desc = root.find(f"{NS}desc")
    assert title is not None and title.text == "小金井市 ネットワーク構成"
    assert desc is not None and "小金井市" in (desc.text or "")
    assert "Noto Sans CJK JP" in root.attrib["font-family"]
    assert render_svg(_model()) == render_svg(_model())  # deterministic


def test_every_zone_flow_system_and_terminal_has_an_element() -> None:
    model = _model()
    ids = _by_id(_parse(render_svg(model)))
    for z in model.zones:
        assert f"zone-{z.id}" in ids
        assert ids[f"zone-{z.id}"].attrib["data-kind"] == z.kind
    for ext in EXTERNALS:
        assert f"zone-{ext}" in ids
    for f in model.flows:
        el = ids[f"flow-{f.id}"]
        assert el.attrib["data-src"] == f.src and el.attrib["data-dst"] == f.dst
        assert el.find(f"{NS}path") is not None
    for s in model.systems:
        assert f"system-{s.id}" in ids
    for t in model.terminals:
        assert f"terminal-{t.id}" in ids


def test_zone_contents_and_flow_labels() -> None:
    svg = render_svg(_model())
    assert "10.1.64.0/18" in svg  # prefixes
    assert "端末 800台 (main)" in svg
    assert "ICカード+パスワード" in svg
    labels = {
        el.attrib["data-for"]: "".join(el.itertext())
        for el in _parse(svg).iter()
        if "data-for" in el.attrib
    }
    assert "無害化" in labels["flow-f3"]
    assert "画面転送" in labels["flow-f1"] and "MFA" in labels["flow-f1"]
    assert "LBO" in labels["flow-f13"]
    assert "特定通信" in labels["flow-f8"]
    assert "WAF" in labels["flow-f12"]


def test_english() -> None:
    svg = render_svg(_model(), lang="en")
    assert "LGWAN segment" in svg and "Security cloud" in svg and "Terminals 800 (main)" in svg
    assert "セキュリティクラウド" not in svg
    assert _parse(svg).attrib["lang"] == "en"


def test_finding_elements_are_red_and_others_are_not() -> None:
    findings = [
        _finding("MN-1", zones=("mynumber",), flows=("f7",)),
        _finding("AUTH-1", terminals=("t2",), systems=("s1",)),
    ]
    root = _parse(render_svg(_model(), findings))
    ids = _by_id(root)
    red_ids = {"zone-mynumber", "flow-f7", "terminal-t2", "system-s1"}
    for el_id in red_ids:
        assert RED in set(_strokes(ids[el_id])), el_id
        assert ids[el_id].attrib["data-findings"]
    assert "MN-1" in ids["zone-mynumber"].attrib["data-findings"]
    assert "⚠ MN-1" in "".join(ids["zone-mynumber"].itertext())
    assert "⚠ AUTH-1" in "".join(ids["terminal-t2"].itertext())
    assert "MN-1" in "".join(ids["label-flow-f7"].itertext())
    path = ids["flow-f7"].find(f"{NS}path")
    assert path is not None and path.attrib["stroke"] == RED
    assert path.attrib["marker-end"] == "url(#arrow-end-r)"
    # everything else is calm
    for el_id, el in ids.items():
        if el_id.startswith(("zone-", "flow-", "system-", "terminal-")) and el_id not in red_ids:
            assert RED not in set(_strokes(el)), el_id
            assert "data-findings" not in el.attrib, el_id
    # without findings nothing is red but the legend sample
    plain = _parse(render_svg(_model()))
    for el_id, el in _by_id(plain).items():
        if el_id.startswith(("zone-", "flow-", "system-", "terminal-", "label-")):
            assert RED not in set(_strokes(el, skip_nested_ids=False)), el_id


def test_finding_on_an_external_network() -> None:
    ids = _by_id(_parse(render_svg(_model(), [_finding("EXT-1", zones=("internet_external",))])))
    assert RED in set(_strokes(ids["zone-internet_external"]))
    assert RED not in set(_strokes(ids["zone-security_cloud"]))


def test_user_text_is_escaped() -> None:
    evil = '<script>alert("x")</script> & <b onload="x">'
    model = NetworkModel(
        org="A&B <org>",
        zones=(
            Zone("lgwan", "lgwan", evil, ("10.0.0.0/24",)),
            Zone('in"ternet<', "internet", "ok"),
        ),
        systems=(System("s<1>", evil, "other", "lgwan"),),
        terminals=(Terminal("t&1", "lgwan", evil, 3, evil, ()),),
        flows=(Flow("f<1>", "lgwan", 'in"ternet<', "screen", note=evil),),
    )
    svg = render_svg(model, [_finding("R<1>", zones=("lgwan",))], title=evil)
    assert "<script" not in svg and "<b " not in svg
    assert "&lt;script&gt;" in svg and "&amp;" in svg
    root = _parse(svg)
    title = root.find(f"{NS}title")
    assert title is not None and title.text == evil  # the text survives, inert
    assert not any(el.tag == f"{NS}script" for el in root.iter())
    assert all(not a.startswith("on") for el in root.iter() for a in el.attrib)
    ids = _by_id(root)
    assert all(re.fullmatch(r"[A-Za-z0-9_.:-]+", i) for i in ids)  # user ids are cleaned
    assert len(ids) == len([el for el in root.iter() if "id" in el.attrib])  # and unique
    zone = next(el for el in root.iter() if el.attrib.get("data-zone-id") == 'in"ternet<')
    assert zone.attrib["id"].startswith("zone-")


def test_no_inline_style_attributes() -> None:
    svg = render_svg(_model(), [_finding("MN-1", zones=("mynumber",))])
    assert not re.search(r"\sstyle\s*=", svg)
    assert "<style" not in svg and "<script" not in svg
    assert all("style" not in el.attrib for el in _parse(svg).iter())


def test_parallel_flows_do_not_overlap() -> None:
    model = _model()
    extra = (
        Flow("p1", "lgwan", "internet", "data"),  # four between lgwan and internet
        Flow("p2", "mynumber", "lgwan", "data"),  # three between adjacent columns
        Flow("p3", "lgwan", "mynumber", "screen"),
        Flow("p4", "lgwan", "lgwan_wan", "mail"),  # two straight up to LGWAN
        Flow("p5", "security_cloud", "internet_external", "mail"),  # two between externals
        Flow("p6", "internet_external", "mynumber", "specific"),  # three in the top channel
    )
    model = NetworkModel(org="x", zones=model.zones, flows=model.flows + extra)
    root = _parse(render_svg(model))
    segments: dict[str, list[tuple[float, float, float, float]]] = {}
    for el in root.iter(f"{NS}g"):
        path = el.find(f"{NS}path")
        if el.attrib.get("id", "").startswith("flow-") and path is not None:
            pts = [tuple(map(float, p.split(","))) for p in path.attrib["d"][1:].split(" L")]
            segments[el.attrib["id"]] = [
                (a[0], a[1], b[0], b[1]) for a, b in itertools.pairwise(pts)
            ]
    assert len(segments) == len(model.flows)
    items = sorted(segments.items())
    for i, (fa, sa) in enumerate(items):
        for fb, sb in items[i + 1 :]:
            for x1, y1, x2, y2 in sa:
                for u1, v1, u2, v2 in sb:
                    if y1 == y2 == v1 == v2:  # both horizontal on one line
                        overlap = min(max(x1, x2), max(u1, u2)) - max(min(x1, x2), min(u1, u2))
                        assert overlap <= 1, (fa, fb)
                    if x1 == x2 == u1 == u2:
                        overlap = min(max(y1, y2), max(v1, v2)) - max(min(y1, y2), min(v1, v2))
                        assert overlap <= 1, (fa, fb)


def test_bidirectional_flows_have_two_heads() -> None:
    ids = _by_id(_parse(render_svg(_model())))
    both = ids["flow-f5"].find(f"{NS}path")
    one = ids["flow-f6"].find(f"{NS}path")
    assert both is not None and "marker-start" in both.attrib and "marker-end" in both.attrib
    assert one is not None and "marker-start" not in one.attrib


def test_screen_transfer_is_dashed() -> None:
    ids = _by_id(_parse(render_svg(_model())))
    screen = ids["flow-f1"].find(f"{NS}path")
    data = ids["flow-f6"].find(f"{NS}path")
    assert screen is not None and "stroke-dasharray" in screen.attrib
    assert data is not None and "stroke-dasharray" not in data.attrib


def test_many_parallel_flows_are_aggregated_with_a_count() -> None:
    flows = tuple(Flow(f"m{i}", "lgwan", "internet", "data") for i in range(12))
    model = NetworkModel(
        org="x",
        zones=(Zone("lgwan", "lgwan"), Zone("internet", "internet")),
        flows=(*flows, Flow("back", "internet", "lgwan", "data")),
    )
    root = _parse(render_svg(model, [_finding("R-9", flows=("m3",))]))
    edges = [el for el in root.iter(f"{NS}g") if "data-count" in el.attrib]
    assert len(edges) == 1 and edges[0].attrib["data-count"] == "13"
    path = edges[0].find(f"{NS}path")
    assert path is not None and path.attrib["stroke"] == RED
    assert "marker-start" in path.attrib  # flows both ways
    ids = _by_id(root)
    for f in model.flows:
        assert f"flow-{f.id}" in ids  # each flow is still findable
    assert "×13" in "".join(ids[f"label-{edges[0].attrib['id']}"].itertext())


def _big_model(n_zones: int = 50, n_flows: int = 500) -> NetworkModel:
    kinds = ZONE_KINDS
    zones = tuple(
        Zone(f"z{i}", kinds[i % len(kinds)], f"ゾーン{i}", (f"10.{i}.0.0/16",))
        for i in range(n_zones)
    )
    ids = [z.id for z in zones] + list(EXTERNALS)
    flows = []
    for i in range(n_flows):
        a = ids[(i * 7) % len(ids)]
        b = ids[(i * 13 + 5) % len(ids)]
        if a == b:
            b = ids[(i * 13 + 6) % len(ids)]
        flows.append(Flow(f"f{i}", a, b, FLOW_KINDS[i % len(FLOW_KINDS)], bidirectional=i % 3 == 0))
    systems = tuple(System(f"s{i}", f"システム{i}", "other", f"z{i % n_zones}") for i in range(80))
    return NetworkModel(org="big", zones=zones, flows=tuple(flows), systems=systems)


def test_fifty_zones_and_five_hundred_flows() -> None:
    model = _big_model()
    svg = render_svg(model, [_finding("R-1", zones=("z3",), flows=("f10",))])
    root = _parse(svg)
    ids = _by_id(root)
    for z in model.zones:
        assert f"zone-{z.id}" in ids
    for f in model.flows:
        assert f"flow-{f.id}" in ids
    assert RED in set(_strokes(ids["zone-z3"]))
    assert len(svg) < 2_000_000


def test_one_zone_and_no_flows() -> None:
    root = _parse(render_svg(NetworkModel(org="x", zones=(Zone("lgwan", "lgwan"),))))
    assert "zone-lgwan" in _by_id(root)
    root = _parse(render_svg(NetworkModel(org="")))
    assert "zone-internet_external" in _by_id(root)


def test_inconsistent_references_are_left_out() -> None:
    model = NetworkModel(
        org="x",
        zones=(Zone("a", "lgwan"), Zone("a", "internet"), Zone("b", "weird")),
        systems=(System("s", "n", "other", "nowhere"),),
        terminals=(Terminal("t", "nowhere"),),
        flows=(Flow("f1", "a", "nowhere"), Flow("f2", "a", "a"), Flow("f3", "a", "b")),
    )
    ids = _by_id(_parse(render_svg(model, [_finding("X", zones=("ghost",), flows=("f1",))])))
    assert "flow-f3" in ids and "flow-f1" not in ids and "flow-f2" not in ids
    assert "zone-b" in ids


def _luminance(hex_colour: str) -> float:
    def channel(v: int) -> float:
        c = v / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def _contrast(a: str, b: str) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def test_text_colours_meet_wcag_aa() -> None:
    backgrounds = {*diagram.ZONE_FILL.values(), diagram.WHITE, diagram.PAGE, diagram.SYSTEM_FILL}
    for text in (diagram.TEXT, diagram.TEXT_MUTED, RED):
        for bg in backgrounds:
            assert _contrast(text, bg) >= 4.5, (text, bg)
    assert _contrast(diagram.TEXT_MUTED, diagram.EXTERNAL_BAND) >= 4.5


_ZONE_IDS = st.sampled_from(["a", "b", "c", "lgwan", "x y", "<z>", "&", "internet_external"])


@st.composite
def _models(draw: st.DrawFn) -> NetworkModel:
    n = draw(st.integers(0, 50))
    text = st.text(max_size=30)
    zones = tuple(
        Zone(
            id=draw(st.one_of(_ZONE_IDS, st.text(min_size=1, max_size=8))),
            kind=draw(st.sampled_from([*ZONE_KINDS, "odd"])),
            label=draw(text),
            prefixes=tuple(draw(st.lists(st.sampled_from(["10.0.0.0/8", "x"]), max_size=3))),
            auth=tuple(draw(st.lists(st.sampled_from(["password", "ic_card", "?"]), max_size=2))),
        )
        for _ in range(n)
    )
    refs = [z.id for z in zones] + list(EXTERNALS) + ["missing"]
    ref = st.sampled_from(refs)
    flows = tuple(
        Flow(
            id=draw(st.one_of(st.just(f"f{i}"), st.text(max_size=5))),
            src=draw(ref),
            dst=draw(ref),
            kind=draw(st.sampled_from([*FLOW_KINDS, "?"])),
            controls=frozenset(draw(st.lists(st.sampled_from([*CONTROLS, "?"]), max_size=4))),
            bidirectional=draw(st.booleans()),
        )
        for i in range(draw(st.integers(0, 150)))
    )
    systems = tuple(
        System(draw(text), draw(text), "other", draw(ref)) for _ in range(draw(st.integers(0, 8)))
    )
    terminals = tuple(
        Terminal(draw(text), draw(ref), draw(text), draw(st.integers(0, 10**6)), draw(text))
        for _ in range(draw(st.integers(0, 5)))
    )
    return NetworkModel(
        org=draw(text),
        model=draw(st.sampled_from(["alpha", "beta", "custom", "?"])),
        zones=zones,
        systems=systems,
        terminals=terminals,
        flows=flows,
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(model=_models(), data=st.data(), lang=st.sampled_from(["ja", "en", "fr"]))
def test_random_models_never_raise(model: NetworkModel, data: st.DataObject, lang: str) -> None:
    refs = [z.id for z in model.zones] + [f.id for f in model.flows] + ["nope"]
    findings = [
        _finding(
            data.draw(st.text(max_size=6)),
            zones=tuple(data.draw(st.lists(st.sampled_from(refs), max_size=3))),
            flows=tuple(data.draw(st.lists(st.sampled_from(refs), max_size=3))),
        )
        for _ in range(data.draw(st.integers(0, 3)))
    ]
    svg = render_svg(model, findings, lang=lang, title=data.draw(st.text(max_size=20)))
    root = _parse(svg)
    assert "style=" not in svg
    ids = _by_id(root)
    for z in model.zones:
        if z.id not in EXTERNALS:
            want = diagram._clean(z.id)
            assert any(el.attrib.get("data-zone-id") == want for el in ids.values())


def test_a_parsed_document_renders() -> None:
    doc = {
        "model": "alpha",
        "zones": [{"id": "lgwan", "kind": "lgwan"}, {"id": "internet", "kind": "internet"}],
        "flows": [{"id": "f1", "src": "lgwan", "dst": "internet", "kind": "screen"}],
    }
    model = parse_model(doc, org="x").model
    assert "flow-f1" in _by_id(_parse(render_svg(model)))


def test_findings_without_an_element_are_listed_under_the_legend() -> None:
    measure = Finding(
        key="POL-1",
        rule="POL-1",
        severity="high",
        title={"ja": "基本方針が公表されていない", "en": "No published basic policy"},
        fix={},
        detail={},
        measures=("basic_policy_published",),
    )
    root = _parse(render_svg(_model(), [measure], lang="en"))
    listed = [el for el in root.iter(f"{NS}text") if el.attrib.get("data-rule") == "POL-1"]
    assert len(listed) == 1 and listed[0].attrib["fill"] == RED
    assert listed[0].text == "⚠ POL-1 No published basic policy"
    assert "No published basic policy" not in render_svg(_model(), lang="en")
