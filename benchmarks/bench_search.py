"""Japanese search over 200,000 items: p95 latency of the real search next to a LIKE scan.

Builds N synthetic searchable items (default 200,000: titles and bodies drawn from the
vocabulary of municipal DX — 会議, 移転, 庁舎, ネットワーク更改, サーバー/サーバ, テレワーク,
無線LAN … — seven kinds, 70 % visible to all, the rest for the owner, 都, or named
organisations) through ``search_index_put`` into a throw-away database: a temporary SQLite file,
and a temporary PostgreSQL database when one answers at 127.0.0.1:5432 (created and dropped
here). Then, as a municipal staff member (Musashino), for 1-, 2- and 4-character Japanese
queries (six each):

* ``p95_ms`` — ``search_query`` page 1 through the selector and the index (counts per kind,
  ranking, highlighting included), ``REPEAT`` runs of every query;
* ``like_scan_p95_ms`` — a plain ``title_norm LIKE '%q%' OR body_norm LIKE '%q%'`` scan of the
  same normalised text with the same visibility rule, in the same run;
* ``recall`` — |index ∩ scan| / |scan| over the full result sets (the index path uncapped via
  ``search_match_keys``), the minimum over the queries; ``exact`` says whether the two sets were
  equal for every query.

Writes benchmarks/results/search.json. Target: p95 under 50 ms everywhere, recall 1.0.

Run: .venv/bin/python benchmarks/bench_search.py [--items 200000] [--repeat 20] [--only sqlite]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
ROOT = Path(__file__).resolve().parents[1]
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"

QUERIES = {
    "1": ["会", "移", "線", "舎", "更", "災"],
    "2": ["会議", "移転", "庁舎", "無線", "更改", "災害"],
    "4": ["庁舎移転", "共同利用", "災害復旧", "サーバー", "会議資料", "業務改善"],
}

WORDS = [
    "会議",
    "移転",
    "庁舎",
    "庁舎移転",
    "ネットワーク更改",
    "ネットワーク",
    "サーバー",
    "サーバ",
    "テレワーク",
    "無線LAN",
    "ＬＡＮ",
    "庁内",
    "情報",
    "セキュリティ",
    "セキュリティクラウド",
    "クラウド",
    "共同利用",
    "標準化",
    "標準仕様",
    "ペーパーレス",
    "会議室",
    "会議資料",
    "説明会",
    "協議会",
    "調達",
    "仕様書",
    "入札",
    "システム",
    "基幹系",
    "住民",
    "窓口",
    "オンライン",
    "申請",
    "手続き",
    "電子",
    "決裁",
    "文書",
    "管理",
    "研修",
    "職員",
    "端末",
    "更新",
    "導入",
    "運用",
    "保守",
    "移行",
    "検討",
    "計画",
    "予算",
    "事業",
    "課題",
    "要望",
    "回答",
    "デジタル",
    "推進",
    "人材",
    "専門",
    "ウェブ",
    "ビデオ",
    "大型ディスプレイ",
    "Wi-Fi",
    "環境",
    "整備",
    "回線",
    "障害",
    "対応",
    "バックアップ",
    "災害",
    "災害復旧",
    "コンピュータ",
    "コンピューター",
    "データ",
    "連携",
    "ガバメントクラウド",
    "自治体",
    "マイナンバー",
    "分離",
    "インターネット",
    "メール",
    "無害化",
    "ファイル",
    "共有",
    "業務改善",
    "ｻｰﾊﾞ",
    "情報システム",
    "全庁",
    "ＤＸ",
    "生成AI",
    "チャット",
    "議事録",
    "アンケート",
]
PARTS = ["の", "に", "を", "と", "における", "による", "について", "、", "・", "で", "及び"]
ENDS = ["を行った。", "を検討している。", "が完了した。", "について報告する。", "の事例。"]
KINDS = ["voice", "project", "meeting", "article", "question", "expert", "catalog_service"]


def _title(r: random.Random) -> str:
    n = r.randint(2, 4)
    return "".join(r.choice(WORDS) + (r.choice(PARTS) if i < n - 1 else "") for i in range(n))


def _body(r: random.Random) -> str:
    out = []
    for _ in range(r.randint(2, 5)):
        words = [r.choice(WORDS) for _ in range(r.randint(3, 6))]
        out.append("".join(w + r.choice(PARTS) for w in words[:-1]) + words[-1] + r.choice(ENDS))
    return "".join(out)


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]


# --------------------------------------------------------------------------- one database


def run_one(vendor: str, items: int, repeat: int, seed: int) -> dict:
    """In a child process whose environment points Django at the throw-away database."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tsunagu.config.settings")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    import datetime as dt

    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    from tsunagu.accounts.models import User
    from tsunagu.core.models import Organization
    from tsunagu.core.roles import Role
    from tsunagu.search.backends import backend
    from tsunagu.search.documents import IndexDoc, Visibility
    from tsunagu.search.selectors import search_access, search_match_keys, search_query
    from tsunagu.search.services import search_index_put

    orgs = list(Organization.objects.order_by("code").values_list("pk", flat=True))
    musashino = Organization.objects.get(code="132039")
    user = User.objects.create(
        username="bench-search", organization=musashino, role=Role.MUNI_STAFF, display_name="b"
    )
    r = random.Random(seed)
    now = timezone.now()
    t0 = time.perf_counter()
    batch: list[IndexDoc] = []
    for i in range(items):
        vis = r.choices(list(Visibility), [70, 10, 10, 10])[0]
        batch.append(
            IndexDoc(
                kind=KINDS[i % len(KINDS)],
                object_id=str(i),
                title=_title(r),
                body=_body(r),
                url=f"/bench/{i}/",
                updated_at=now - dt.timedelta(seconds=r.randint(0, 3 * 365 * 86400)),
                organization_id=r.choice(orgs),
                visibility=vis,
                audience_ids=tuple(r.sample(orgs, 3)) if vis == Visibility.ORGS else (),
                facet=r.choice(["network", "relocation", "telework", "cloud", ""]),
            )
        )
        if len(batch) == 2000:
            search_index_put(docs=batch)
            batch = []
    if batch:
        search_index_put(docs=batch)
    build_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    with connection.cursor() as cur:
        # What autovacuum (PostgreSQL) or the rebuild (both) would have done by then.
        cur.execute("VACUUM ANALYZE" if vendor == "postgresql" else "ANALYZE")
    backend().settle()
    settle_s = time.perf_counter() - t0

    access = search_access(user)
    assert not access.everything
    if vendor == "postgresql":
        rule = (
            "(visibility = 'all' OR organization_id = %s OR "
            "(visibility = 'orgs' AND audience @> %s::jsonb))"
        )
        rule_params: list = [musashino.pk, json.dumps([musashino.pk])]
    else:
        rule = (
            "(visibility = 'all' OR organization_id = %s OR (visibility = 'orgs' AND "
            "EXISTS (SELECT 1 FROM json_each(audience) WHERE value = %s)))"
        )
        rule_params = [musashino.pk, musashino.pk]

    def like_scan(q: str) -> list[int]:
        from tsunagu.engines.search.normalize import normalize_text

        pattern = "%" + normalize_text(q) + "%"
        with connection.cursor() as cur:
            cur.execute(
                "SELECT rank_key FROM search_searchdocument WHERE "  # noqa: S608
                f"(title_norm LIKE %s OR body_norm LIKE %s) AND {rule}",
                [pattern, pattern, *rule_params],
            )
            return [k for (k,) in cur.fetchall()]

    out: dict = {}
    for length, queries in QUERIES.items():
        for q in queries:  # warm-up: caches, the unit regex, the query plans
            search_query(actor=user, q=q)
            like_scan(q)
        samples: list[float] = []
        like_samples: list[float] = []
        recalls: list[float] = []
        exact = True
        per_query = []
        for q in queries:
            qs: list[float] = []
            for _ in range(repeat):
                t = time.perf_counter()
                page = search_query(actor=user, q=q)
                qs.append((time.perf_counter() - t) * 1000)
            ls: list[float] = []
            for _ in range(max(3, repeat // 4)):
                t = time.perf_counter()
                scanned = like_scan(q)
                ls.append((time.perf_counter() - t) * 1000)
            found = search_match_keys(actor=user, q=q)
            recall = len(set(found) & set(scanned)) / len(scanned) if scanned else 1.0
            exact = exact and set(found) == set(scanned)
            samples += qs
            like_samples += ls
            recalls.append(recall)
            per_query.append(
                {
                    "q": q,
                    "matches": len(scanned),
                    "shown_total": page.total,
                    "capped": page.total_capped,
                    "p95_ms": round(p95(qs), 2),
                    "median_ms": round(statistics.median(qs), 2),
                    "like_scan_median_ms": round(statistics.median(ls), 2),
                    "recall": recall,
                }
            )
        out[length] = {
            "p95_ms": round(p95(samples), 2),
            "like_scan_p95_ms": round(p95(like_samples), 2),
            "recall": min(recalls),
            "exact": exact,
            "samples": len(samples),
            "queries": per_query,
        }
    out["_build"] = {"build_s": round(build_s, 1), "settle_s": round(settle_s, 1)}
    return out


# --------------------------------------------------------------------------- driver


def _pg_reachable() -> bool:
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN, connect_timeout=3):
            return True
    except Exception:
        return False


def _child(vendor: str, args: argparse.Namespace) -> dict:
    env = dict(os.environ)
    env["DJANGO_SETTINGS_MODULE"] = "tsunagu.config.settings"
    tmp = tempfile.mkdtemp(prefix="tsunagu-bench-search-")
    env["TSUNAGU_VAR_DIR"] = tmp
    dbname = f"tsunagu_bench_search_{os.getpid()}"
    if vendor == "postgresql":
        import psycopg

        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{dbname}"')
            conn.execute(f'CREATE DATABASE "{dbname}"')
        env["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{dbname}"
    else:
        env.pop("DATABASE_URL", None)
    out_file = Path(tmp) / "out.json"
    cmd = [
        sys.executable,
        __file__,
        "--child",
        vendor,
        "--items",
        str(args.items),
        "--repeat",
        str(args.repeat),
        "--seed",
        str(args.seed),
        "--out",
        str(out_file),
    ]
    try:
        subprocess.run(cmd, env=env, check=True)  # noqa: S603
        return json.loads(out_file.read_text())
    finally:
        if vendor == "postgresql":
            import psycopg

            with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--seed", type=int, default=20261122)
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    parser.add_argument("--child", choices=["sqlite", "postgresql"])
    parser.add_argument("--out")
    args = parser.parse_args()
    if args.child:
        result = run_one(args.child, args.items, args.repeat, args.seed)
        Path(args.out).write_text(json.dumps(result))
        return

    command = (
        f".venv/bin/python benchmarks/bench_search.py --items {args.items} --repeat {args.repeat}"
        + (f" --only {args.only}" if args.only else "")
    )
    vendors = [args.only] if args.only else ["sqlite", "postgresql"]
    results: dict = {"items": args.items}
    builds: dict = {}
    for vendor in vendors:
        if vendor == "postgresql" and not _pg_reachable():
            print("PostgreSQL not reachable at 127.0.0.1:5432: skipped")
            continue
        print(f"== {vendor}: building {args.items} items …", flush=True)
        res = _child(vendor, args)
        builds[vendor] = res.pop("_build")
        results[vendor] = res
        print(f"{vendor}: built in {builds[vendor]['build_s']} s")
        for length in QUERIES:
            r = res[length]
            print(
                f"{vendor} {length}-char: p95 {r['p95_ms']} ms (LIKE scan p95 "
                f"{r['like_scan_p95_ms']} ms), recall {r['recall']:.3f}, exact {r['exact']}"
            )
            for q in r["queries"]:
                print(
                    f"    {q['q']}: {q['matches']} matches, p95 {q['p95_ms']} ms, "
                    f"median {q['median_ms']} ms, LIKE median {q['like_scan_median_ms']} ms"
                )
    results["build"] = builds
    results["command"] = command
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "search.json").write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print(f"reproduce: {command}")


if __name__ == "__main__":
    main()
