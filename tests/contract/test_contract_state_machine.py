"""The REST API and dispatch contract, explored by the shipped state machine.

The same machine runs in process (WSGI, no socket) and against the live server.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, settings

from dispatch_emu.stateful import DISPATCH_NAMESPACE, DispatchApiMachine, HttpTarget, run_machine
from dispatch_emu.strategies import worker_program
from dispatch_emu.testing import assert_reached

EXPLORE = settings(
    max_examples=100,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


def test_contract_in_process(dispatch_emu):
    run_machine(lambda: HttpTarget.in_process(dispatch_emu), EXPLORE, machine=DispatchApiMachine)


@pytest.mark.dispatch_namespace(DISPATCH_NAMESPACE)
def test_contract_over_http(dispatch_emu_url):
    run_machine(lambda: HttpTarget.over_http(dispatch_emu_url), settings(EXPLORE, max_examples=40),
                machine=DispatchApiMachine)


HELLO = worker_program("respond", body=b"hello")


@pytest.mark.dispatch_namespace(scripts={"my_shop": HELLO.wasm})
def test_subdomain_routing_reaches_names_with_underscores(dispatch_emu_client):
    response = dispatch_emu_client.get("http://my_shop.example.com/")
    assert (response.status_code, response.get_data()) == (200, b"hello")
    assert_reached(response, "my_shop")


@pytest.mark.dispatch_namespace(scripts={"shop": HELLO.wasm})
def test_subdomain_routing_ignores_host_case(dispatch_emu_client):
    response = dispatch_emu_client.get("/", headers={"Host": "Shop.example.com"})
    assert (response.status_code, response.get_data()) == (200, b"hello")
