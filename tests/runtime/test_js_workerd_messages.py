"""Web APIs as workerd gives them: messages, shapes and defaults, word for word.

Each worker in ``workerd_answers/`` (``NAME.js``) was run once under ``wrangler dev``
(workerd, wrangler 4.86, compatibility date 2025-01-01); ``NAME.json`` is its answer,
verbatim. dispatch_emu must answer the same:

``messages``
    which HTTP methods ``new Request()`` takes, the message of every URL that does not
    parse, ``Response``'s status checks, ``getRandomValues``' errors, a fatal
    ``TextDecoder``, cloning a used body, the member order of exported JSON Web Keys;
``events``
    ``ErrorEvent``, ``MessageEvent``, ``CloseEvent``, and the two events workerd does not
    let a worker construct;
``bodies``
    ``Request``, ``Response``, ``Headers``, bodies, ``Blob`` and ``URLSearchParams``:
    redirect and cache modes, every status code's reason phrase, locked and used bodies,
    redirects, content types;
``streams``
    ``ReadableStream.from``, async iteration, tee, pipes, BYOB readers, non-byte chunks, a
    second reader, Cloudflare's ``IdentityTransformStream`` and ``FixedLengthStream``,
    compression errors, queuing strategies.

To record one again: serve ``NAME.js`` with ``wrangler dev`` and save what ``GET /``
answers as ``NAME.json``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dispatch_emu.runtime import Runtime, RuntimeSettings
from tests.runtime.js_snippets import worker

ANSWERS = Path(__file__).resolve().parent / "workerd_answers"


@pytest.fixture(scope="module")
def runtime():
    with Runtime(RuntimeSettings(cpu_ms=3000, wall_ms=10000)) as rt:
        yield rt


@pytest.mark.parametrize("name", ["messages", "events", "bodies", "streams"])
def test_the_web_apis_answer_as_workerd(runtime, name: str) -> None:
    expected = json.loads((ANSWERS / f"{name}.json").read_text())
    answer = json.loads(worker(runtime, (ANSWERS / f"{name}.js").read_text()).body)
    different = {key: (answer.get(key), theirs) for key, theirs in expected.items() if answer.get(key) != theirs}
    assert different == {}
    assert answer.keys() == expected.keys()
