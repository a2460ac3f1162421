"""Conformance of what the viewer asks of a finder: the newest additions first
(``SortOrder.ADDED_DESC``), thumbnail sources with micro thumbnails, and folder counts. Runs
against every backend in ``conftest.BACKENDS``."""

from __future__ import annotations

import random
from collections import Counter

from albumen.store import AssetStore
from albumen.store.query import AssetQuery, SortOrder

from store.test_conformance import add_synthetic, reference


def _filled(store: AssetStore) -> AssetStore:
    add_synthetic(store, 600, seed=3)
    return store


def test_added_desc_pages_newest_rowid_first(store: AssetStore) -> None:
    _filled(store)
    query = AssetQuery(sort=SortOrder.ADDED_DESC)
    visible = {r["rowid"] for r in store.iter_rows() if not r["hidden"]}
    expected = sorted(visible, reverse=True)
    finder = store.finder()
    assert finder.count(query) == len(expected)
    got: list[int] = []
    page = 1
    while rows := finder.page(query, page, 64):
        got += [r.rowid for r in rows]
        page += 1
    assert got == expected
    # jumps land on the right rows too
    pages = list(range(1, len(expected) // 50 + 2))
    random.Random(2).shuffle(pages)
    jumper = store.finder()
    for p in pages:
        assert [r.rowid for r in jumper.page(query, p, 50)] == expected[(p - 1) * 50 : p * 50]


def test_thumbnail_sources_carry_targets_and_micro_thumbnails(store: AssetStore) -> None:
    _filled(store)
    rows = {r["rowid"]: r for r in store.iter_rows()}
    readable = [i for i, r in rows.items() if r["error"] is None and r["id"] is not None]
    unreadable = [i for i, r in rows.items() if r["error"] is not None]
    assert readable and unreadable
    store.set_thumbnail_state([(readable[0], b"micro-0")], [])
    wanted = [*readable[:5], *unreadable[:2], 10**9]
    sources = store.finder().thumbnail_sources(wanted)
    assert sorted(sources) == sorted(readable[:5])
    target, micro = sources[readable[0]]
    r = rows[readable[0]]
    assert (target.rowid, target.id, target.path, target.mtime_ns) == (
        r["rowid"], r["id"], r["path"], r["mtime_ns"],
    )  # fmt: skip
    assert micro == b"micro-0" and target.has_micro
    assert sources[readable[1]][1] is None
    assert store.finder().thumbnail_sources([]) == {}


def test_folder_counts_count_visible_assets_per_folder(store: AssetStore) -> None:
    _filled(store)
    expected = Counter(r["folder"] for r in store.iter_rows() if not r["hidden"])
    got = store.finder().folder_counts()
    assert got == sorted(expected.items())
    assert (
        sum(n for _, n in got)
        == store.finder().count(AssetQuery())
        == len(reference(store, AssetQuery()))
    )
