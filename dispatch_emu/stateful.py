"""A Hypothesis state machine for the dispatch-namespace REST API and dynamic dispatch.

:class:`DispatchApiMachine` drives an emulator (or anything that speaks the same API)
through random sequences of calls: create, get, list and delete namespaces; upload
workers (generated :class:`~dispatch_emu.strategies.WorkerProgram`\\ s), replace and edit
their tags, list scripts page by page with a cursor and a tag filter, delete them one by
one or by tag filter, and dispatch requests to them. A plain-Python model predicts every
answer; after each step an invariant compares the namespace listing with the model.

The machine talks to a *target*, any object with the small :class:`ApiTarget`
interface. :class:`HttpTarget` is one over an ``httpx.Client``, so the same machine runs
in process or over a socket::

    from hypothesis import settings
    from dispatch_emu.stateful import HttpTarget, run_machine

    # in process: the REST API and the dispatcher over WSGI, no socket
    run_machine(lambda: HttpTarget.in_process(emulator), settings(max_examples=20))
    # over HTTP: a live server whose dispatcher serves DISPATCH_NAMESPACE
    run_machine(lambda: HttpTarget.over_http(server.url), settings(max_examples=20))

Dispatches go to the namespace :data:`DISPATCH_NAMESPACE` with subdomain routing (the
seed's dispatcher); the machine creates and deletes that namespace like any other, so
dispatching into a missing namespace is exercised too. The target's ``reset()`` runs
at the start of each example (``POST /__dispatch_emu/reset``).

Or subclass the machine to add rules, and run it with Hypothesis' own
``run_state_machine_as_test`` after setting ``target_factory``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import quote

from hypothesis import event
from hypothesis import settings as Settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from dispatch_emu import strategies as des
from dispatch_emu.dispatch._answers import error_answer
from dispatch_emu.errors import WorkerNotFound

#: The namespace the target's dispatcher serves.
DISPATCH_NAMESPACE = "dispatch"
#: A small pool of names, so that rules collide (create twice, delete what exists).
_NAMESPACE_POOL = ("alpha", "beta", DISPATCH_NAMESPACE)
#: A name the machine never creates: rules aimed at it must answer 404.
MISSING_NAMESPACE = "never-created"
_SCRIPT_POOL = ("shop", "blog", "api", "a", "z-last", "_private")
_TAG_POOL = ("t0", "t1", "t2", "t3", "t4", "t5", "t6", "t7", "t8", "t9")
API_PREFIX = "/client/v4"


@dataclass
class ApiAnswer:
    """An answer of the REST API: HTTP status and the JSON envelope (``None`` if not JSON)."""

    status: int
    envelope: Any

    @property
    def result(self) -> Any:
        return self.envelope["result"]

    def error_codes(self) -> list[int]:
        return [e["code"] for e in (self.envelope or {}).get("errors", [])]


class ApiTarget(Protocol):
    """What the machine needs from the system under test."""

    account_id: str

    def reset(self) -> None: ...

    def call(self, method: str, path: str, *, params: dict[str, str] | None = None,
             json_body: Any = None, files: Any = None) -> ApiAnswer:
        """Call the REST API; ``path`` is relative to ``/client/v4/accounts/{account_id}``."""
        ...

    def dispatch(self, worker: str, request: des.HttpRequest) -> tuple[int, bytes]:
        """Send ``request`` to the dispatcher, for ``worker`` (subdomain routing)."""
        ...


class HttpTarget:
    """An :class:`ApiTarget` over an ``httpx.Client`` (WSGI transport or a real socket)."""

    def __init__(self, client: Any, account_id: str = "demo-account", host_suffix: str = "dispatch.test") -> None:
        self.client = client
        self.account_id = account_id
        self.host_suffix = host_suffix

    @classmethod
    def in_process(cls, emulator: Any, account_id: str = "demo-account") -> HttpTarget:
        """The emulator's API and a seed dispatcher for :data:`DISPATCH_NAMESPACE`, over WSGI."""
        import httpx

        app = emulator.app(emulator.dispatcher(DISPATCH_NAMESPACE, account_id=account_id))
        return cls(httpx.Client(transport=httpx.WSGITransport(app=app), base_url="http://emulator.test"),
                   account_id)

    @classmethod
    def over_http(cls, url: str, account_id: str = "demo-account") -> HttpTarget:
        """A server at ``url`` (its dispatcher must serve :data:`DISPATCH_NAMESPACE`)."""
        import httpx

        return cls(httpx.Client(base_url=url, timeout=30), account_id)

    def reset(self) -> None:
        response = self.client.post("/__dispatch_emu/reset")
        assert response.status_code == 200, f"reset failed: {response.status_code} {response.text}"

    def call(self, method: str, path: str, *, params: dict[str, str] | None = None,
             json_body: Any = None, files: Any = None) -> ApiAnswer:
        url = f"{API_PREFIX}/accounts/{quote(self.account_id, safe='')}{path}"
        kwargs: dict[str, Any] = {"params": params, "files": files}
        if json_body is not None:
            kwargs["json"] = json_body
        response = self.client.request(method, url, **kwargs)
        try:
            envelope = response.json()
        except ValueError:
            envelope = None
        return ApiAnswer(response.status_code, envelope)

    def dispatch(self, worker: str, request: des.HttpRequest) -> tuple[int, bytes]:
        headers = [*request.headers, ("Host", f"{worker}.{self.host_suffix}")]
        response = self.client.request(request.method, request.path, headers=headers, content=request.body)
        return response.status_code, response.content

    def close(self) -> None:
        self.client.close()


# --------------------------------------------------------------------------- the model


@dataclass
class ModelScript:
    program: des.WorkerProgram
    tags: list[str] = field(default_factory=list)


@dataclass
class Model:
    """What the account should hold: namespace → script name → script."""

    namespaces: dict[str, dict[str, ModelScript]] = field(default_factory=dict)

    def matching(self, namespace: str, tag_filter: str | None) -> list[str]:
        scripts = self.namespaces[namespace]
        return [n for n in sorted(scripts) if tag_filter is None or des.filter_matches(tag_filter, scripts[n].tags)]


def _ns(namespace: str) -> str:
    return f"/workers/dispatch/namespaces/{quote(namespace, safe='')}"


def _script(namespace: str, script: str) -> str:
    return f"{_ns(namespace)}/scripts/{quote(script, safe='')}"


_namespace_names = st.one_of(st.sampled_from(_NAMESPACE_POOL), des.namespace_names(max_size=12).filter(
    lambda n: n != MISSING_NAMESPACE))
_script_names = st.one_of(st.sampled_from(_SCRIPT_POOL), des.script_names(max_size=10))
_tag_lists = des.tag_lists(pool=_TAG_POOL)
_tag_filters = st.one_of(st.none(), des.tag_filters(pool=_TAG_POOL[:4], max_items=2))


def _unique(tags: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(tags))


class DispatchApiMachine(RuleBasedStateMachine):
    """Random API and dispatch sequences checked against :class:`Model`."""

    #: Builds the target for one example; set it (or use :func:`run_machine`).
    target_factory: Callable[[], ApiTarget] | None = None

    def __init__(self) -> None:
        super().__init__()
        if self.target_factory is None:
            raise RuntimeError("set DispatchApiMachine.target_factory (or use run_machine())")
        self.target = type(self).target_factory()  # type: ignore[misc]
        self.model = Model()

    @initialize()
    def start(self) -> None:
        """Start from an empty account, then create the pool's namespaces."""
        self.target.reset()
        for name in _NAMESPACE_POOL:
            self.create_namespace(name)

    def teardown(self) -> None:
        close = getattr(self.target, "close", None)
        if close is not None:
            close()

    def pick_namespace(self, data: st.DataObject) -> str:
        """An existing namespace most of the time, sometimes one that does not exist."""
        existing = sorted(self.model.namespaces)
        if not existing or data.draw(st.integers(0, 9), label="aim at a missing namespace") == 0:
            return MISSING_NAMESPACE
        return data.draw(st.sampled_from(existing), label="namespace")

    def expect(self, answer: ApiAnswer, status: int, code: int | None = None, what: str = "") -> None:
        assert answer.status == status, f"{what}: expected {status}, got {answer.status}: {answer.envelope}"
        assert answer.envelope is not None, f"{what}: the answer is not JSON"
        assert answer.envelope["success"] is (status == 200), f"{what}: bad envelope {answer.envelope}"
        if status != 200:
            assert answer.envelope["result"] is None and answer.envelope["errors"], answer.envelope
            if code is not None:
                assert code in answer.error_codes(), f"{what}: expected code {code}: {answer.envelope}"

    # ------------------------------------------------------------------ namespaces

    @rule(name=_namespace_names)
    def create_namespace(self, name: str) -> None:
        """Create ``name``; creating one that exists must fail with "already exists"."""
        answer = self.target.call("POST", "/workers/dispatch/namespaces", json_body={"name": name})
        if name in self.model.namespaces:
            self.expect(answer, 400, what=f"create existing {name!r}")
            assert "already exists" in answer.envelope["errors"][0]["message"]
        else:
            self.expect(answer, 200, what=f"create {name!r}")
            assert answer.result["namespace_name"] == name
            assert answer.result["script_count"] == 0
            self.model.namespaces[name] = {}

    @rule(data=st.data())
    def delete_namespace(self, data: st.DataObject) -> None:
        name = self.pick_namespace(data)
        answer = self.target.call("DELETE", _ns(name))
        if name in self.model.namespaces:
            self.expect(answer, 200, what=f"delete namespace {name!r}")
            del self.model.namespaces[name]
        else:
            self.expect(answer, 404, what=f"delete missing namespace {name!r}")

    @rule(data=st.data())
    def get_namespace(self, data: st.DataObject) -> None:
        name = self.pick_namespace(data)
        answer = self.target.call("GET", _ns(name))
        if name in self.model.namespaces:
            self.expect(answer, 200, what=f"get namespace {name!r}")
            assert answer.result["script_count"] == len(self.model.namespaces[name])
        else:
            self.expect(answer, 404, what=f"get missing namespace {name!r}")

    @invariant()
    def namespaces_listed_as_modelled(self) -> None:
        answer = self.target.call("GET", "/workers/dispatch/namespaces")
        self.expect(answer, 200, what="list namespaces")
        listed = {n["namespace_name"]: n["script_count"] for n in answer.result}
        assert listed == {name: len(s) for name, s in self.model.namespaces.items()}

    # ------------------------------------------------------------------ scripts

    @rule(data=st.data(), names=st.lists(_script_names, min_size=1, max_size=6), program=des.worker_programs(),
          tags=st.one_of(st.none(), _tag_lists))
    def upload(self, data: st.DataObject, names: list[str], program: des.WorkerProgram,
               tags: list[str] | None) -> None:
        namespace = self.pick_namespace(data)
        for name in names:
            self.upload_one(namespace, name, program, tags)

    def upload_one(self, namespace: str, name: str, program: des.WorkerProgram, tags: list[str] | None) -> None:
        metadata: dict[str, Any] = {"main_module": "worker.wasm", **program.put_options}
        if tags is not None:
            metadata["tags"] = tags
        files = {"metadata": (None, json.dumps(metadata), "application/json"),
                 "worker.wasm": ("worker.wasm", program.wasm, "application/wasm")}
        answer = self.target.call("PUT", _script(namespace, name), files=files)
        if namespace not in self.model.namespaces:
            self.expect(answer, 404, what=f"upload into missing namespace {namespace!r}")
            return
        self.expect(answer, 200, what=f"upload {namespace}/{name}")
        scripts = self.model.namespaces[namespace]
        previous = scripts.get(name)
        kept = tags if tags is not None else (previous.tags if previous else [])
        scripts[name] = ModelScript(program, _unique(kept))
        assert answer.result["id"] == name and answer.result["tags"] == scripts[name].tags

    @rule(data=st.data(), name=des.invalid_script_names().filter(bool))
    def upload_with_an_invalid_name(self, data: st.DataObject, name: str) -> None:
        namespace = self.pick_namespace(data)
        program = des.worker_program("respond")
        files = {"metadata": (None, json.dumps({"main_module": "worker.wasm"}), "application/json"),
                 "worker.wasm": ("worker.wasm", program.wasm, "application/wasm")}
        answer = self.target.call("PUT", _script(namespace, name), files=files)
        assert answer.status in (400, 404), f"invalid name {name!r} accepted: {answer.envelope}"
        if namespace in self.model.namespaces:
            self.expect(answer, 400, 10021, what=f"invalid script name {name!r}")

    @rule(data=st.data(), name=_script_names)
    def get_script(self, data: st.DataObject, name: str) -> None:
        namespace = self.pick_namespace(data)
        answer = self.target.call("GET", _script(namespace, name))
        script = self.model.namespaces.get(namespace, {}).get(name)
        if script is None:
            self.expect(answer, 404, what=f"get missing script {namespace}/{name}")
        else:
            self.expect(answer, 200, what=f"get script {namespace}/{name}")
            assert answer.result["script"]["id"] == name
            assert answer.result["script"]["tags"] == script.tags

    @rule(data=st.data(), name=_script_names)
    def delete_script(self, data: st.DataObject, name: str) -> None:
        namespace = self.pick_namespace(data)
        answer = self.target.call("DELETE", _script(namespace, name))
        scripts = self.model.namespaces.get(namespace, {})
        if name in scripts:
            self.expect(answer, 200, what=f"delete {namespace}/{name}")
            del scripts[name]
        else:
            self.expect(answer, 404, what=f"delete missing {namespace}/{name}")

    # ------------------------------------------------------------------ tags

    def _existing(self) -> list[tuple[str, str]]:
        return [(ns, name) for ns, scripts in sorted(self.model.namespaces.items()) for name in sorted(scripts)]

    @precondition(lambda self: bool(self._existing()))
    @rule(data=st.data(), tags=_tag_lists)
    def replace_tags(self, data: st.DataObject, tags: list[str]) -> None:
        namespace, name = data.draw(st.sampled_from(self._existing()), label="script")
        answer = self.target.call("PUT", f"{_script(namespace, name)}/tags", json_body=tags)
        self.expect(answer, 200, what=f"put tags {tags} on {namespace}/{name}")
        self.model.namespaces[namespace][name].tags = _unique(tags)
        assert answer.result == _unique(tags)

    @precondition(lambda self: bool(self._existing()))
    @rule(data=st.data(), tag=st.sampled_from(_TAG_POOL))
    def add_tag(self, data: st.DataObject, tag: str) -> None:
        namespace, name = data.draw(st.sampled_from(self._existing()), label="script")
        answer = self.target.call("PUT", f"{_script(namespace, name)}/tags/{tag}")
        script = self.model.namespaces[namespace][name]
        wanted = _unique([*script.tags, tag])
        if len(wanted) > 8:
            self.expect(answer, 400, 10021, what=f"a ninth tag on {namespace}/{name}")
        else:
            self.expect(answer, 200, what=f"add tag {tag} to {namespace}/{name}")
            script.tags = wanted

    @precondition(lambda self: bool(self._existing()))
    @rule(data=st.data(), tag=st.sampled_from(_TAG_POOL))
    def remove_tag(self, data: st.DataObject, tag: str) -> None:
        namespace, name = data.draw(st.sampled_from(self._existing()), label="script")
        answer = self.target.call("DELETE", f"{_script(namespace, name)}/tags/{tag}")
        self.expect(answer, 200, what=f"remove tag {tag} from {namespace}/{name}")
        script = self.model.namespaces[namespace][name]
        script.tags = [t for t in script.tags if t != tag]
        listed = self.target.call("GET", f"{_script(namespace, name)}/tags")
        self.expect(listed, 200, what="list tags")
        assert listed.result == script.tags

    # ------------------------------------------------------------------ listing and bulk delete

    @rule(data=st.data(), limit=st.integers(1, 4), tag_filter=_tag_filters)
    def list_with_cursor_walk(self, data: st.DataObject, limit: int, tag_filter: str | None) -> None:
        namespace = self.pick_namespace(data)
        params = {"limit": str(limit)}
        if tag_filter is not None:
            params["tags"] = tag_filter
        if namespace not in self.model.namespaces:
            self.expect(self.target.call("GET", f"{_ns(namespace)}/scripts", params=params), 404,
                        what=f"list scripts of missing namespace {namespace!r}")
            return
        seen: list[str] = []
        for _ in range(len(self.model.namespaces[namespace]) + 2):
            answer = self.target.call("GET", f"{_ns(namespace)}/scripts", params=params)
            self.expect(answer, 200, what=f"list {namespace} with {params}")
            page = [item["script"]["id"] for item in answer.result]
            assert len(page) <= limit, f"a page of {len(page)} with limit {limit}"
            seen += page
            cursor = answer.envelope["result_info"]["cursor"]
            if not cursor:
                break
            params["cursor"] = cursor
        else:
            raise AssertionError(f"the cursor walk of {namespace!r} never ended: {seen}")
        assert seen == self.model.matching(namespace, tag_filter), f"walk with {params}"

    @rule(data=st.data(), tag_filter=des.tag_filters(pool=_TAG_POOL[:4], max_items=2),
          limit=st.one_of(st.none(), st.integers(1, 3)))
    def delete_by_tags(self, data: st.DataObject, tag_filter: str, limit: int | None) -> None:
        namespace = self.pick_namespace(data)
        params = {"tags": tag_filter}
        if limit is not None:
            params["limit"] = str(limit)
        answer = self.target.call("DELETE", f"{_ns(namespace)}/scripts", params=params)
        if namespace not in self.model.namespaces:
            self.expect(answer, 404, what=f"delete by tags in missing namespace {namespace!r}")
            return
        self.expect(answer, 200, what=f"delete {namespace} scripts with {params}")
        matching = self.model.matching(namespace, tag_filter)
        doomed = matching if limit is None else matching[:limit]
        assert [d["id"] for d in answer.result["deleted"]] == doomed
        assert answer.result["deleted_count"] == len(doomed)
        assert answer.result["has_more"] == (len(matching) > len(doomed))
        for name in doomed:
            del self.model.namespaces[namespace][name]

    # ------------------------------------------------------------------ dispatch

    def routable(self, name: str) -> bool:
        """Whether dispatching to ``name`` is checked; override to step around a known bug."""
        return True

    @rule(name=_script_names, request=des.requests())
    def dispatch(self, name: str, request: des.HttpRequest) -> None:
        if not self.routable(name):
            event(f"dispatch to {name!r} skipped (routable() says no)")
            return
        status, body = self.target.dispatch(name, request)
        script = self.model.namespaces.get(DISPATCH_NAMESPACE, {}).get(name)
        if script is None:
            missing = error_answer(WorkerNotFound())
            assert (status, body.decode("utf-8", "replace")) == missing, (
                f"missing worker {name!r}: {status} {body[:200]!r}"
            )
            return
        program = script.program
        if program.fails:
            assert status == program.expected_status and program.message is not None
            assert program.message in body.decode("utf-8", "replace"), f"{program}: {body[:200]!r}"
        else:
            assert status == program.status, f"{program}: got {status} {body[:200]!r}"
            assert body == program.expected_body(request.body), f"{program}: body {body[:200]!r}"


def run_machine(target_factory: Callable[[], ApiTarget], settings: Settings | None = None,
                machine: type[DispatchApiMachine] = DispatchApiMachine) -> None:
    """Run ``machine`` (by default :class:`DispatchApiMachine`) against targets from ``target_factory``."""
    bound = type(machine.__name__, (machine,), {"target_factory": staticmethod(target_factory)})
    run_state_machine_as_test(bound, settings=settings)


__all__ = [
    "API_PREFIX",
    "DISPATCH_NAMESPACE",
    "MISSING_NAMESPACE",
    "ApiAnswer",
    "ApiTarget",
    "DispatchApiMachine",
    "HttpTarget",
    "Model",
    "ModelScript",
    "run_machine",
]
