"""Listing scripts (cursor paging, tag filters) and deleting them by tag, over raw HTTP.

The SDK has no "list scripts in a namespace", so these speak HTTP directly.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from dispatch_emu.store import ModuleSource, NamespaceStore, ScriptUpload
from tests.api.api_bodies import ACCOUNT, NAMESPACES, ns_path, script_path, simple_upload

MODULE = ModuleSource("index.js", "application/javascript+module", b"export default {}")


def seed(store: NamespaceStore, namespace: str, names: list[str], tags: tuple[str, ...] = ()) -> None:
    """Many scripts at once, through the store (2,500 API uploads would only be slower)."""
    if not store.has_namespace(ACCOUNT, namespace):
        store.create_namespace(ACCOUNT, namespace)
    for name in names:
        upload = ScriptUpload([MODULE], {"main_module": "index.js", "tags": list(tags)})
        store.put_script(ACCOUNT, namespace, name, upload)


def page(http: httpx.Client, namespace: str, **params: Any) -> dict[str, Any]:
    response = http.get(ns_path(namespace, "scripts"), params=params)
    assert response.status_code == 200, response.text
    return response.json()


def names_of(body: dict[str, Any]) -> list[str]:
    return [item["script"]["id"] for item in body["result"]]


def test_walk_2500_scripts_in_pages_of_1000(http: httpx.Client, store: NamespaceStore) -> None:
    expected = [f"w{i:05d}" for i in range(2500)]
    seed(store, "big", expected)
    seen: list[str] = []
    sizes = []
    cursor = ""
    while True:
        body = page(http, "big", limit=1000, cursor=cursor)
        info = body["result_info"]
        assert info["count"] == len(body["result"]) and info["per_page"] == 1000
        seen += names_of(body)
        sizes.append(info["count"])
        cursor = info["cursor"]
        if not cursor:
            break
    assert sizes == [1000, 1000, 500]
    assert seen == expected


def test_default_and_capped_limit(http: httpx.Client, store: NamespaceStore) -> None:
    seed(store, "big", [f"w{i:04d}" for i in range(1200)])
    assert page(http, "big")["result_info"]["count"] == 1000
    capped = page(http, "big", limit=5000)
    assert capped["result_info"]["per_page"] == 1000 and capped["result_info"]["count"] == 1000


def test_walk_while_scripts_come_and_go(http: httpx.Client, store: NamespaceStore) -> None:
    """Every script that exists for the whole walk is listed exactly once."""
    stable = [f"s{i:04d}" for i in range(0, 3000, 2)]
    doomed = [f"s{i:04d}" for i in range(1, 3000, 2)]
    seed(store, "churn", stable + doomed)
    seen: list[str] = []
    cursor = ""
    round_ = 0
    while True:
        body = page(http, "churn", limit=250, cursor=cursor)
        seen += names_of(body)
        cursor = body["result_info"]["cursor"]
        if not cursor:
            break
        round_ += 1
        # between pages: delete doomed scripts behind and ahead of the cursor, add new
        # ones behind it ("a-"), in the middle and ahead of it ("z-")
        behind = doomed[round_ * 20 : round_ * 20 + 20]
        ahead = doomed[len(doomed) - round_ * 20 : len(doomed) - round_ * 20 + 20]
        for name in behind + ahead:
            assert http.delete(script_path("churn", name)).status_code == 200
        seed(store, "churn", [f"s{round_:04d}-new", f"a-{round_}", f"z-{round_}"])
    assert len(seen) == len(set(seen)), "a script was listed twice"
    listed_stable = [n for n in seen if n in set(stable)]
    assert listed_stable == stable  # all of them, in name order
    added_ahead = [f"z-{r}" for r in range(1, round_ + 1)]
    assert round_ >= 10 and set(added_ahead) <= set(seen)


def test_tag_filters(http: httpx.Client, store: NamespaceStore) -> None:
    seed(store, "tagged", ["a1", "a2"], tags=("customer-1", "production"))
    seed(store, "tagged", ["b1"], tags=("customer-1",))
    seed(store, "tagged", ["c1"], tags=("production",))
    assert names_of(page(http, "tagged", tags="customer-1:yes")) == ["a1", "a2", "b1"]
    assert names_of(page(http, "tagged", tags="customer-1:yes,production:no")) == ["b1"]
    assert names_of(page(http, "tagged", tags="production:no")) == ["b1"]
    assert names_of(page(http, "tagged", tags="nobody:yes")) == []
    filtered = page(http, "tagged", tags="production:yes", limit=1)
    assert names_of(filtered) == ["a1"] and filtered["result_info"]["cursor"]
    rest = page(http, "tagged", tags="production:yes", cursor=filtered["result_info"]["cursor"])
    assert names_of(rest) == ["a2", "c1"] and rest["result_info"]["cursor"] == ""


def test_list_items_are_script_wrappers(http: httpx.Client, store: NamespaceStore) -> None:
    http.post(NAMESPACES, json={"name": "ns"})
    body, content_type = simple_upload(tags=["x"])
    http.put(script_path("ns", "one"), content=body, headers={"Content-Type": content_type})
    item = page(http, "ns")["result"][0]
    assert item["dispatch_namespace"] == "ns"
    assert item["script"]["tags"] == ["x"] and item["created_on"] == item["script"]["created_on"]
    # the seed page's spelling, with a trailing slash, works too
    assert http.get(ns_path("ns", "scripts") + "/?limit=10").json()["result_info"]["count"] == 1


@pytest.mark.parametrize(
    "params",
    [{"limit": 0}, {"limit": "ten"}, {"cursor": "not-a-cursor"}, {"tags": "a:maybe"}, {"tags": "a:yes,a:no"}],
)
def test_bad_list_parameters_are_400(http: httpx.Client, store: NamespaceStore, params: dict) -> None:
    seed(store, "ns", ["one"])
    response = http.get(ns_path("ns", "scripts"), params=params)
    assert response.status_code == 400 and response.json()["errors"][0]["code"] == 10021


def test_cursor_of_another_namespace_is_refused(http: httpx.Client, store: NamespaceStore) -> None:
    seed(store, "one", ["a", "b"])
    seed(store, "two", ["a", "b"])
    cursor = page(http, "one", limit=1)["result_info"]["cursor"]
    assert http.get(ns_path("two", "scripts"), params={"cursor": cursor}).status_code == 400


def test_list_in_missing_namespace_is_404(http: httpx.Client) -> None:
    response = http.get(ns_path("ghost", "scripts"))
    assert response.status_code == 404 and response.json()["errors"][0]["code"] == 100119


def test_delete_by_tags(http: httpx.Client, store: NamespaceStore) -> None:
    seed(store, "ns", [f"c{i}" for i in range(5)], tags=("customer-9",))
    seed(store, "ns", ["keep"], tags=("customer-8",))
    first = http.delete(ns_path("ns", "scripts"), params={"tags": "customer-9:yes", "limit": 3})
    assert first.status_code == 200
    assert first.json()["result"] == {
        "deleted": [{"id": "c0"}, {"id": "c1"}, {"id": "c2"}], "deleted_count": 3, "has_more": True,
    }
    second = http.delete(ns_path("ns", "scripts"), params={"tags": "customer-9:yes"}).json()["result"]
    assert second == {"deleted": [{"id": "c3"}, {"id": "c4"}], "deleted_count": 2, "has_more": False}
    assert [s.name for s in store.list_scripts(ACCOUNT, "ns").scripts] == ["keep"]


def test_delete_by_tags_needs_a_filter(http: httpx.Client, store: NamespaceStore) -> None:
    seed(store, "ns", ["keep"], tags=("t",))
    before = store.snapshot()
    response = http.delete(ns_path("ns", "scripts"))
    assert response.status_code == 400 and response.json()["errors"][0]["code"] == 10021
    assert store.snapshot() == before
