"""Limits per script and per dispatch, subrequests through outbound handlers, routing."""

from __future__ import annotations

import json

import pytest
from werkzeug import Response
from werkzeug.test import Client

from dispatch_emu.dispatch import OutboundWorker, header, lookup, path_prefix
from dispatch_emu.errors import CpuLimitExceeded, SubrequestLimitExceeded, WorkerException


def test_runaway_worker_hits_the_cpu_limit_and_the_process_keeps_serving(emu, ns, worker_wasm) -> None:
    ns.put_script("spin", wasm=worker_wasm("reactor/spin"))
    ns.put_script("ok", wasm=worker_wasm("reactor/hello"))
    app = Client(emu.dispatcher("customers"))
    response = app.get("/", base_url="https://spin.example.com")
    assert response.status_code == 500
    assert response.get_data(as_text=True) == "Worker exceeded CPU time limit."
    assert isinstance(emu.observer.last_call().error, CpuLimitExceeded)
    assert app.get("/", base_url="https://ok.example.com").status_code == 200


def test_dispatch_options_tighten_the_cpu_budget(emu, ns, worker_wasm) -> None:
    ns.put_script("spin", wasm=worker_wasm("reactor/spin"), limits={"cpu_ms": 100_000})
    stub = ns.binding().get("spin", options={"limits": {"cpuMs": 5}})
    with pytest.raises(CpuLimitExceeded, match=r"^Worker exceeded CPU time limit\.$"):
        stub.fetch("https://spin.example.com/")


def test_script_cpu_limit_applies(emu, ns, worker_wasm) -> None:
    ns.put_script("spin", wasm=worker_wasm("reactor/spin"), limits={"cpu_ms": 3})
    with pytest.raises(CpuLimitExceeded) as caught:
        ns.binding().get("spin").fetch("https://spin.example.com/")
    assert caught.value.worker == "spin"


def test_bad_dispatch_limits_are_a_clear_error(emu, ns, worker_wasm) -> None:
    ns.put_script("ok", wasm=worker_wasm("reactor/hello"))
    with pytest.raises(WorkerException, match="Invalid dispatch limits"):
        ns.binding().get("ok", options={"limits": {"cpuMs": -5}}).fetch("https://ok.example.com/")


def test_subrequests_without_outbound_fail_inside_the_guest(emu, ns, worker_wasm) -> None:
    ns.put_script("caller", wasm=worker_wasm("reactor/subrequest"))
    response = ns.binding().get("caller").fetch("https://caller.example.com/")
    assert response.status_code == 502
    assert "no outbound handler" in response.get_data(as_text=True)


def test_python_outbound_handler_sees_every_subrequest(emu, ns, worker_wasm) -> None:
    seen = []

    def outbound(request):
        seen.append((request.method, request.url, request.get_data()))
        return Response("pong", status=201)

    ns.put_script("caller", wasm=worker_wasm("reactor/subrequest"), bindings={"COUNT": "3"})
    response = ns.binding(outbound=outbound).get("caller").fetch("https://caller.example.com/")
    assert response.status_code == 201
    assert response.get_data(as_text=True).splitlines() == ["pong"] * 3
    assert seen == [("POST", "https://upstream.example/ping", b"ping")] * 3


def test_too_many_subrequests(emu, ns, worker_wasm) -> None:
    ns.put_script("caller", wasm=worker_wasm("reactor/subrequest"), bindings={"COUNT": "5"})
    binding = ns.binding(outbound=lambda request: Response("pong"))
    with pytest.raises(SubrequestLimitExceeded, match=r"^Too many subrequests\.$"):
        binding.get("caller", options={"limits": {"subRequests": 2}}).fetch("https://c.example.com/")


def test_outbound_worker_gets_the_dispatch_params(emu, ns, worker_wasm) -> None:
    ns.put_script("caller", wasm=worker_wasm("reactor/subrequest"))
    ns.put_script("egress", wasm=worker_wasm("reactor/echo"))
    binding = ns.binding(outbound={"worker": {"service": "egress"}, "params": [{"name": "customer"}]})
    stub = binding.get("caller", options={"outbound": {"customer": "acme", "ignored": "x"}})
    # the echo worker answers the binding named by the x-binding header: not sent here,
    # so check the request it saw instead: method and url sections
    body = stub.fetch("https://caller.example.com/").get_data(as_text=True)
    sections = body.split("\n--\n")
    assert sections[0] == "POST" and sections[1] == "https://upstream.example/ping"
    assert OutboundWorker.from_binding({"worker": {"service": "egress"}, "params": ["a"]}).params == ("a",)


def test_outbound_worker_env_holds_params(emu, ns, worker_wasm) -> None:
    from dispatch_emu.dispatch import make_request

    ns.put_script("egress", wasm=worker_wasm("reactor/echo"))
    binding = ns.binding(outbound=OutboundWorker("egress", params=("customer",)))
    response = binding.run_worker(
        "egress", make_request("https://x/", headers={"x-binding": "customer"}), extra_env={"customer": "acme"}
    )
    assert response.get_data(as_text=True).split("\n--\n")[-1] == "acme"


@pytest.mark.parametrize(
    "routing,request_kwargs",
    [
        (header("X-Customer"), {"headers": {"X-Customer": "shop"}}),
        ("header:X-Customer", {"headers": {"X-Customer": "shop"}}),
        (path_prefix(), {"path": "/shop/cart"}),
        ("path", {"path": "/shop/cart"}),
        (lookup({"www.shop.test": "shop"}), {"base_url": "https://www.shop.test"}),
    ],
)
def test_ready_made_routings(emu, ns, worker_wasm, routing, request_kwargs) -> None:
    ns.put_script("shop", wasm=worker_wasm("reactor/hello"))
    app = Client(emu.dispatcher("customers", routing=routing))
    assert app.get(**request_kwargs).status_code == 200
    assert app.get("/nobody/x", headers={"X-Customer": "nobody"}).status_code == 404


def test_lookup_routing_from_a_file(emu, ns, worker_wasm, tmp_path) -> None:
    table = tmp_path / "routes.json"
    table.write_text(json.dumps({"tenant.test": "shop"}))
    ns.put_script("shop", wasm=worker_wasm("reactor/hello"))
    app = Client(emu.dispatcher("customers", routing=f"lookup:{table}"))
    assert app.get("/", base_url="http://tenant.test").status_code == 200


def test_unknown_routing_spec_is_refused(emu) -> None:
    with pytest.raises(ValueError, match="unknown routing"):
        emu.dispatcher("customers", routing="telepathy")


def test_trusted_namespace_exposes_cf(emu, worker_wasm) -> None:
    untrusted = emu.namespace("plain")
    trusted = emu.namespace("trusted", trusted_workers=True)
    for handle in (untrusted, trusted):
        handle.put_script("echo", wasm=worker_wasm("reactor/echo"))
    def cf_of(handle):
        return handle.binding().get("echo").fetch("https://e.test/").get_data(as_text=True).split("\n--\n")[4]

    assert cf_of(untrusted) == "(none)"
    assert json.loads(cf_of(trusted))["colo"] == "EMU"


def test_bindings_and_secrets_reach_the_worker(emu, ns, worker_wasm) -> None:
    ns.put_script("echo", wasm=worker_wasm("reactor/echo"), bindings={"PLAIN": "p", "CONF": {"a": 1}},
                  secrets={"KEY": "k"})
    emu.store.put_secret("demo-account", "customers", "echo", "LATER", "set via the API")
    stub = ns.binding().get("echo")
    def last(name):
        response = stub.fetch("https://e.test/", headers={"x-binding": name})
        return response.get_data(as_text=True).split("\n--\n")[-1]

    assert last("PLAIN") == "p"
    assert json.loads(last("CONF")) == {"a": 1}
    assert last("KEY") == "k"
    assert last("LATER") == "set via the API"
