"""A plugin's dispatch_emu_render_error changes the answers, and the assertion helpers follow."""

from __future__ import annotations

import json

import pytest
from werkzeug import Response
from werkzeug.test import Client

from dispatch_emu._markers import hookimpl
from dispatch_emu.dispatch._answers import error_answer
from dispatch_emu.emulator import Emulator
from dispatch_emu.errors import (
    CpuLimitExceeded,
    DispatcherException,
    WorkerError,
    WorkerException,
    WorkerNotFound,
)
from dispatch_emu.testing import assert_dispatch_failed, assert_worker_not_found, expected_answer


class JsonErrors:
    """Answers failures as JSON: 410 for a missing tenant (naming the path), 502 otherwise."""

    @hookimpl
    def dispatch_emu_render_error(self, error: Exception, request) -> Response | None:
        if isinstance(error, WorkerNotFound):
            return Response(json.dumps({"missing": request.path}), status=410, mimetype="application/json")
        if isinstance(error, WorkerError):
            return Response(json.dumps({"error": error.message}), status=502, mimetype="application/json")
        return None


class Apologetic:
    """Hides every failure behind one fixed answer (the message is not shown)."""

    @hookimpl
    def dispatch_emu_render_error(self, error: Exception, request) -> Response | None:
        return Response("sorry", status=503)


@pytest.fixture
def json_emulator(worker_wasm):
    with Emulator(plugins=[JsonErrors()], load_entrypoints=False) as emu:
        emu.namespace().put_script("broken", wasm=worker_wasm("reactor/trap"))
        yield emu


def test_the_helpers_follow_an_overridden_rendering(json_emulator) -> None:
    client = Client(json_emulator.app(json_emulator.dispatcher()))
    missing = client.get("/where", base_url="http://nobody.localhost")
    assert (missing.status_code, json.loads(missing.get_data())) == (410, {"missing": "/where"})
    assert_worker_not_found(missing, emulator=json_emulator)
    failed = client.get("/", base_url="http://broken.localhost")
    assert failed.status_code == 502
    assert_dispatch_failed(failed, "Worker threw exception", emulator=json_emulator)


def test_the_seeds_answers_are_near_misses_under_an_overridden_rendering(json_emulator) -> None:
    with pytest.raises(AssertionError, match="410"):
        assert_worker_not_found(Response("", status=404), emulator=json_emulator)
    with pytest.raises(AssertionError, match="502"):
        assert_dispatch_failed(
            Response("Worker threw exception", status=500), "Worker threw exception", emulator=json_emulator
        )


def test_a_rendering_that_hides_the_message_is_matched_exactly(worker_wasm) -> None:
    with Emulator(plugins=[Apologetic()], load_entrypoints=False) as emu:
        emu.namespace().put_script("broken", wasm=worker_wasm("reactor/trap"))
        failed = Client(emu.app(emu.dispatcher())).get("/", base_url="http://broken.localhost")
        assert (failed.status_code, failed.get_data()) == (503, b"sorry")
        assert_dispatch_failed(failed, "Worker threw exception", emulator=emu)
        with pytest.raises(AssertionError, match="sorry"):
            assert_dispatch_failed(Response("sorry!", status=503), "Worker threw exception", emulator=emu)


def test_without_an_emulator_the_helpers_expect_the_seeds_answers() -> None:
    assert expected_answer(WorkerNotFound(), emulator=None) == (404, b"")
    assert_worker_not_found(Response("", status=404))
    with pytest.raises(AssertionError):
        assert_worker_not_found(Response("Worker not found.", status=404))


@pytest.mark.parametrize(
    ("error", "answer"),
    [
        (WorkerNotFound(), (404, "")),
        (WorkerNotFound("Worker not found: a custom sentence"), (404, "")),
        (WorkerException("Worker not found in my cache"), (500, "Worker not found in my cache")),
        (CpuLimitExceeded(), (500, "Worker exceeded CPU time limit.")),
        (DispatcherException("Worker threw exception: boom"), (500, "error code: 1101\nWorker threw exception: boom")),
        (RuntimeError("plain"), (500, "plain")),
    ],
)
def test_the_answer_is_decided_by_the_class_not_the_message(error, answer) -> None:
    assert error_answer(error) == answer
