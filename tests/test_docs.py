"""README.md and docs/testing.md as tests: every code block runs as written, or is a file.

Each fenced block is preceded by a directive, ``<!-- doc: KIND [ARG] -->``, saying how it
is checked; a block without one fails this suite, so nothing in the docs goes unrun:

``file PATH``      the block is the whole text of ``PATH`` (a test under tests/examples/ that runs)
``ci``             the block is the command ``.ci/run`` runs
``serve``          ``dispatch-emu serve ...``: the options parse, and a server started with
                   them answers the blocks that follow
``curl``           each ``curl`` line, run against that server (port 8787 → its real port)
``python``         executed; the blocks of one document share their globals, in order
``python-live``    executed against the server of the last ``serve`` block
``pytest``         a test module: pytest runs it (pytester) and it must pass
``failure``        an assertion failure as printed: reproduced by ``_FAILURES[ARG]``
``wrangler``       run as written (through the server) where wrangler is installed
"""

from __future__ import annotations

import contextlib
import re
import shlex
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ("README.md", "docs/testing.md")
KINDS = ("file", "ci", "serve", "curl", "python", "python-live", "pytest", "failure", "wrangler")
_FENCE = re.compile(r"^```(\w*)\n(.*?)^```\n", re.DOTALL | re.MULTILINE)
_DIRECTIVE = re.compile(r"<!-- doc: ([\w-]+)(?: (\S+))? -->\n\Z")


@dataclass
class Block:
    doc: str
    line: int
    lang: str
    text: str
    kind: str | None
    arg: str | None

    def __str__(self) -> str:
        return f"{self.doc}:{self.line}"


def blocks(doc: str) -> list[Block]:
    source = (ROOT / doc).read_text()
    found = []
    for match in _FENCE.finditer(source):
        before = source[: match.start()]
        directive = _DIRECTIVE.search(before)
        found.append(Block(doc, before.count("\n") + 1, match.group(1), match.group(2),
                           directive.group(1) if directive else None, directive.group(2) if directive else None))
    return found


ALL = [block for doc in DOCS for block in blocks(doc)]


def test_every_block_says_how_it_is_checked():
    unchecked = [f"{b} ({b.lang or 'no language'})" for b in ALL if b.kind not in KINDS]
    assert not unchecked, "code blocks without a <!-- doc: KIND --> directive: " + ", ".join(unchecked)
    assert len(ALL) >= 20


@pytest.mark.parametrize("block", [b for b in ALL if b.kind == "file"], ids=str)
def test_file_blocks_are_the_files(block: Block):
    path = ROOT / str(block.arg)
    assert path.is_file(), f"{block}: {block.arg} does not exist"
    assert block.text == path.read_text(), f"{block} differs from {block.arg}: copy the file into the doc"


@pytest.mark.parametrize("block", [b for b in ALL if b.kind == "ci"], ids=str)
def test_ci_blocks_are_what_ci_runs(block: Block):
    assert block.text.strip() in (ROOT / ".ci" / "run").read_text().splitlines()


# ----------------------------------------------------------------------- servers and curls


def _serve_args(block: Block) -> list[str]:
    command = block.text.replace("\\\n", " ")
    words = shlex.split(command.split("dispatch-emu serve", 1)[1].split("&&")[0].split("#")[0])
    return words


@contextlib.contextmanager
def _server_for(block: Block):
    from dispatch_emu import _cli as cli
    from dispatch_emu.server import EmulatorServer

    args = cli.build_parser().parse_args(["serve", *_serve_args(block)])
    emulator = cli.make_emulator(args)
    cli.seed_demo(emulator, args.account, args.namespace, demo=not args.no_demo)
    dispatcher = emulator.dispatcher(args.namespace, account_id=args.account, fetch=args.dispatcher,
                                     routing=args.routing)
    with EmulatorServer(emulator, port=0, dispatcher=dispatcher) as server:
        yield server, args
    emulator.close()


def _curl(line: str, server_url: str) -> httpx.Response:
    port = server_url.rsplit(":", 1)[1]
    words = shlex.split(line.split(" #")[0].replace(":8787", f":{port}"))[1:]
    method, headers, url = "GET", {}, None
    while words:
        word = words.pop(0)
        if word == "-H":
            name, _, value = words.pop(0).partition(": ")
            headers[name] = value
        elif word == "-X":
            method = words.pop(0)
        elif word in ("-i", "-s"):
            continue
        else:
            url = httpx.URL(word)
    assert url is not None, line
    if url.host.endswith(".localhost"):  # curl resolves *.localhost to loopback itself
        headers.setdefault("Host", f"{url.host}:{url.port}")
        url = url.copy_with(host="127.0.0.1")
    return httpx.request(method, url, headers=headers)


def _expected_status(line: str) -> int:
    match = re.search(r"#.*\b([1-5]\d\d)\b", line)
    return int(match.group(1)) if match else 200


def _doc_groups() -> list[tuple[str, list[Block]]]:
    return [(doc, [b for b in ALL if b.doc == doc]) for doc in DOCS]


@pytest.mark.parametrize("doc,doc_blocks", _doc_groups(), ids=[d for d, _ in _doc_groups()])
def test_shell_and_python_blocks_run_in_order(doc: str, doc_blocks: list[Block], tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch):
    """serve / curl / python / python-live / wrangler blocks of one document, top to bottom."""
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, Any] = {"__name__": f"doc_{Path(doc).stem}"}
    with contextlib.ExitStack() as stack:
        server = None
        for block in doc_blocks:
            if block.kind == "serve":
                stack.close()
                server, _ = stack.enter_context(_server_for(block))
            elif block.kind == "curl":
                assert server is not None, f"{block}: no serve block before it"
                for line in block.text.splitlines():
                    if line.startswith("curl "):
                        response = _curl(line, server.url)
                        assert response.status_code == _expected_status(line), f"{block}: {line}\n{response.text}"
            elif block.kind == "python":
                exec(compile(block.text, str(block), "exec"), namespace)
            elif block.kind == "python-live":
                assert server is not None, f"{block}: no serve block before it"
                code = block.text.replace("127.0.0.1:8787", server.url.split("//", 1)[1])
                exec(compile(code, str(block), "exec"), {"__name__": "doc_live"})
                namespace["live_server"] = server
            elif block.kind == "wrangler":
                _run_wrangler(block, server)


def _run_wrangler(block: Block, server: Any) -> None:
    from tests.node_tools import NodeUnavailable, node_env, wrangler_bin

    assert server is not None, f"{block}: no serve block before it"
    try:
        wrangler = str(wrangler_bin(skip=False))  # pinned, installed on first use
    except NodeUnavailable:
        return  # no node on this machine: the block cannot run here (it does in CI)
    command = block.text.replace("\\\n", " ").replace("127.0.0.1:8787", server.url.split("//", 1)[1])
    command = command.replace("npx wrangler", shlex.quote(wrangler))
    folder = Path(tempfile.mkdtemp()) / "greeter"  # wrangler writes a .wrangler/ cache where it runs
    shutil.copytree(ROOT / "tests" / "examples" / "workers" / "greeter", folder)
    result = subprocess.run(command, shell=True, cwd=folder,
                            capture_output=True, text=True, timeout=300,
                            env=dict(node_env(), WRANGLER_SEND_METRICS="false", CI="true"))
    assert result.returncode == 0, result.stdout + result.stderr
    namespace = server.emulator.namespace("customers", create=False)
    assert "greeter" in namespace, "wrangler deploy did not reach the server"


# ----------------------------------------------------------------------- pytest blocks and failures


@pytest.mark.parametrize("block", [b for b in ALL if b.kind == "pytest"], ids=str)
def test_pytest_blocks_pass(block: Block, pytester: pytest.Pytester):
    examples = ROOT / "tests" / "examples" / "workers"
    shutil.copytree(examples, pytester.path / "workers")
    pytester.makepyfile(**{"test_doc_block": block.text})
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q")
    assert result.ret == 0, f"{block}:\n" + "\n".join(result.outlines[-30:])
    assert "passed" in result.outlines[-1]


def _failure_not_found() -> str:
    from werkzeug.test import Client

    from dispatch_emu.emulator import Emulator
    from dispatch_emu.programs import worker_program
    from dispatch_emu.testing import assert_worker_not_found

    with Emulator(load_entrypoints=False) as emu:
        emu.namespace().put_script("broken", wasm=worker_program("trap", logs=["loading cart"]).wasm)
        response = Client(emu.app(emu.dispatcher())).get("/", base_url="http://broken.localhost")
        try:
            assert_worker_not_found(response, emulator=emu)
        except AssertionError as failure:
            return "AssertionError: " + _without_rewriting(str(failure))
    raise AssertionError("assert_worker_not_found passed on a 500")


def _without_rewriting(message: str) -> str:
    """The message as the helper wrote it: pytest's rewriting indents it and appends ``assert ...``."""
    lines = message.splitlines()
    if len(lines) > 1 and lines[-1].startswith("assert "):
        lines = [lines[0], *(line[2:] if line.startswith("  ") else line for line in lines[1:-1])]
    return "\n".join(lines)


def _failure_logged_level() -> str:
    from dispatch_emu.emulator import Emulator
    from dispatch_emu.testing import assert_logged

    with Emulator(load_entrypoints=False) as emu:
        emu.namespace().put_script("checkout", js=_doc_constant("docs/testing.md", "CHECKOUT"))
        emu.binding().get("checkout").fetch("http://checkout.localhost/")
        try:
            assert_logged("card expires soon", "checkout", level="error", emulator=emu)
        except AssertionError as failure:
            return "AssertionError: " + _without_rewriting(str(failure))
    raise AssertionError("assert_logged passed on a line at another level")


def _doc_constant(doc: str, name: str) -> str:
    """The value of ``NAME = \"\"\"...\"\"\"`` in one of the doc's blocks (the worker a failure block uses)."""
    for block in blocks(doc):
        match = re.search(rf'^{name} = """(.*?)"""', block.text, re.DOTALL | re.MULTILINE)
        if match:
            return match.group(1)
    raise LookupError(f"{doc} defines no {name}")


_FAILURES = {"not-found": _failure_not_found, "logged-level": _failure_logged_level}


@pytest.mark.parametrize("block", [b for b in ALL if b.kind == "failure"], ids=str)
def test_failure_blocks_are_what_the_helpers_print(block: Block):
    assert block.text.rstrip("\n") == _FAILURES[str(block.arg)]()


# ----------------------------------------------------------------------- the fixture table


def test_the_fixture_table_is_the_plugins_fixture_list():
    """docs/testing.md lists the plugin's fixtures once; this keeps the list and the plugin equal."""
    import dispatch_emu.pytest_plugin as plugin

    text = (ROOT / "docs" / "testing.md").read_text()
    table = text.split("## Fixtures", 1)[1].split("\n\n", 2)[1]
    documented = dict(re.findall(r"^\| `(\w+)` \| (\w+) \|", table, re.MULTILINE))
    defined = {}
    for name in dir(plugin):
        obj = getattr(plugin, name)
        marker = getattr(obj, "_fixture_function_marker", None) or getattr(obj, "_pytestfixturefunction", None)
        if marker is not None:
            defined[marker.name or name] = marker.scope if isinstance(marker.scope, str) else "function"
    assert documented == defined
