"""The audit hash chain against a brute-force oracle.

Oracle: a stored chain is intact exactly when it equals the chain that was written (same
entries, same order, same head). Hypothesis builds chains, applies random tampering, and checks
that ``verify`` says "intact" if and only if the oracle does.
"""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from tsunagu.engines.audit import GENESIS_HASH, ChainRecord, digest, verify

contents = st.fixed_dictionaries(
    {
        "action": st.sampled_from(["a.create", "a.update", "b.delete", "auth.login"]),
        "actor_id": st.one_of(st.none(), st.integers(1, 50)),
        "summary": st.dictionaries(
            st.text(min_size=1, max_size=5),
            st.one_of(st.integers(), st.text(max_size=8)),
            max_size=3,
        ),
    }
)


def build(items: list[dict[str, object]]) -> list[ChainRecord]:
    chain: list[ChainRecord] = []
    prev = GENESIS_HASH
    for seq, content in enumerate(items, start=1):
        h = digest(prev, seq, content)
        chain.append(ChainRecord(seq=seq, content=content, prev_hash=prev, hash=h))
        prev = h
    return chain


def head_of(chain: list[ChainRecord]) -> tuple[int, str]:
    return (chain[-1].seq, chain[-1].hash) if chain else (0, GENESIS_HASH)


@given(st.lists(contents, max_size=12))
def test_an_untouched_chain_verifies(items):
    chain = build(items)
    seq, h = head_of(chain)
    report = verify(chain, head_seq=seq, head_hash=h)
    assert report.ok
    assert report.checked == len(chain)


tamper = st.sampled_from(["alter", "delete", "truncate", "swap", "duplicate", "rehash_one"])


@settings(max_examples=300)
@given(st.lists(contents, min_size=1, max_size=10), tamper, st.data())
def test_verify_agrees_with_the_oracle_under_tampering(items, how, data):
    original = build(items)
    head_seq, head_hash = head_of(original)  # the head is written with the chain
    stored = list(original)
    i = data.draw(st.integers(0, len(stored) - 1))
    if how == "alter":
        new_action = data.draw(st.sampled_from(["x.forged", "a.create", "a.update"]))
        stored[i] = replace(stored[i], content={**stored[i].content, "action": new_action})
    elif how == "delete":
        del stored[i]
    elif how == "truncate":
        stored = stored[:i]
    elif how == "swap" and len(stored) > 1:
        j = data.draw(st.integers(0, len(stored) - 1))
        stored[i], stored[j] = stored[j], stored[i]
    elif how == "duplicate":
        stored.insert(i, stored[i])
    elif how == "rehash_one":
        # A forger who recomputes the altered entry's own hash still breaks the next link
        # (or the head, if it was the last entry).
        forged = {**stored[i].content, "action": "x.forged"}
        stored[i] = replace(
            stored[i], content=forged, hash=digest(stored[i].prev_hash, stored[i].seq, forged)
        )
    oracle_intact = stored == original
    report = verify(stored, head_seq=head_seq, head_hash=head_hash)
    assert report.ok == oracle_intact, (how, i, report.faults)


@given(st.lists(contents, min_size=2, max_size=8), st.data())
def test_a_deleted_middle_entry_is_reported_as_missing(items, data):
    chain = build(items)
    i = data.draw(st.integers(0, len(chain) - 2))
    stored = chain[:i] + chain[i + 1 :]
    seq, h = head_of(chain)
    kinds = {f.kind for f in verify(stored, head_seq=seq, head_hash=h).faults}
    assert "missing" in kinds


def test_digest_depends_on_every_input():
    base = digest(GENESIS_HASH, 1, {"a": 1})
    assert digest(GENESIS_HASH, 2, {"a": 1}) != base
    assert digest("1" * 64, 1, {"a": 1}) != base
    assert digest(GENESIS_HASH, 1, {"a": 2}) != base
    # Key order does not matter (canonical encoding), values do.
    assert digest(GENESIS_HASH, 1, {"a": 1, "b": 2}) == digest(GENESIS_HASH, 1, {"b": 2, "a": 1})
