"""Per-test cost of the dispatch_emu fixture, beside moto and pytest-httpserver, in one run.

Each case is a generated test module of ``--tests`` identical tests, run by pytest in a
fresh subprocess (as a user's suite runs); a small plugin records every test's setup +
call + teardown time. The cases run in interleaved rounds, so machine drift hits all
alike. Printed: the median per-test cost of each case (the first test, which pays for the
session's start, is shown apart), the ratios to moto's, and the cost of
``Emulator.reset()`` with one seeded worker.

Cases:

* ``pytest alone``: an empty test, pytest's own cost per test (the floor of every case);
* ``dispatch_emu wasm``: ``@pytest.mark.dispatch_namespace(scripts={"shop": wasm})``, one
  dispatch through ``dispatch_emu_client``;
* ``dispatch_emu js``: the same with a JavaScript worker;
* ``moto``: ``@mock_aws``, a boto3 S3 client creates a bucket and puts an object;
* ``pytest-httpserver``: one expectation and one request to the ``httpserver`` fixture.

Needs the ``bench`` extra: ``pip install -e '.[bench]'``. Run: ``python benchmarks/fixtures.py``
(``--cases "pytest alone,dispatch_emu js"`` runs some; ``--baseline REV`` runs the dispatch_emu
cases on a git revision too, in the same rounds, for a before/after side by side).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

from _timing import export_revision

HERE = Path(__file__).resolve().parent

RECORDER = '''
import json, os, pytest

_costs = {}

@pytest.hookimpl(trylast=True)
def pytest_runtest_logreport(report):
    _costs[report.nodeid] = _costs.get(report.nodeid, 0.0) + report.duration

def pytest_sessionfinish(session):
    with open(os.environ["BENCH_OUT"], "w") as out:
        json.dump(list(_costs.values()), out)
'''

CASES = {
    "pytest alone": '''
        import pytest

        @pytest.mark.parametrize("i", range(N))
        def test_nothing(i):
            pass
    ''',
    "dispatch_emu wasm": '''
        import pytest
        from dispatch_emu.programs import worker_program

        SHOP = worker_program("respond", body=b"shop").wasm

        @pytest.mark.parametrize("i", range(N))
        @pytest.mark.dispatch_namespace(scripts={"shop": SHOP})
        def test_dispatch(i, dispatch_emu_client):
            assert dispatch_emu_client.get("http://shop.localhost/").get_data() == b"shop"
    ''',
    "dispatch_emu js": '''
        import pytest

        SHOP = b'export default { fetch() { return new Response("shop") } };'

        @pytest.mark.parametrize("i", range(N))
        @pytest.mark.dispatch_namespace(scripts={"shop": SHOP})
        def test_dispatch(i, dispatch_emu_client):
            assert dispatch_emu_client.get("http://shop.localhost/").get_data() == b"shop"
    ''',
    "moto": '''
        import boto3
        import pytest
        from moto import mock_aws

        @pytest.mark.parametrize("i", range(N))
        @mock_aws
        def test_bucket(i):
            s3 = boto3.client("s3", region_name="us-east-1")
            s3.create_bucket(Bucket="shop")
            s3.put_object(Bucket="shop", Key="cart", Body=b"shop")
    ''',
    "pytest-httpserver": '''
        import urllib.request
        import pytest

        @pytest.mark.parametrize("i", range(N))
        def test_request(i, httpserver):
            httpserver.expect_request("/").respond_with_data("shop")
            assert urllib.request.urlopen(httpserver.url_for("/")).read() == b"shop"
    ''',
}


def run_case(workdir: Path, name: str, tests: int, tree: str | None = None) -> list[float]:
    """Per-test seconds of one pytest run of the case's module (with ``tree``: that checkout's
    dispatch_emu, e.g. a revision exported by ``--baseline``)."""
    case = name.split(" @ ")[0]
    module = workdir / f"test_{name.replace(' ', '_').replace('-', '_').replace('@', 'at').replace('.', '_')}.py"
    module.write_text(textwrap.dedent(CASES[case]).replace("range(N)", f"range({tests})"))
    out = workdir / "costs.json"
    # the generated module's folder first, then the tree measured, then any PYTHONPATH given
    pythonpath = os.pathsep.join(filter(None, [str(workdir), tree, os.environ.get("PYTHONPATH")]))
    env = dict(os.environ, BENCH_OUT=str(out), PYTHONPATH=pythonpath, AWS_ACCESS_KEY_ID="testing",
               AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION="us-east-1")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "bench_recorder",
         "-p", "no:randomly", "-p", "no:xdist", str(module)],
        cwd=workdir, env=env, capture_output=True, text=True,
    )
    if result.returncode != 0:
        raise SystemExit(f"{name} failed:\n{result.stdout[-3000:]}{result.stderr[-2000:]}")
    return json.loads(out.read_text())




def reset_cost(rounds: int = 2000) -> float:
    """Median seconds of ``Emulator.reset()`` with one seeded worker that has been dispatched to."""
    from werkzeug.test import Client

    from dispatch_emu import Emulator
    from dispatch_emu.programs import worker_program

    wasm = worker_program("respond", body=b"shop").wasm
    samples = []
    with Emulator(load_entrypoints=False) as emu:
        client = Client(emu.app(emu.dispatcher()))
        for _ in range(rounds):
            emu.namespace().put_script("shop", wasm=wasm)
            client.get("/", base_url="http://shop.localhost")
            start = time.perf_counter()
            emu.reset()
            samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tests", type=int, default=200, help="tests per run (default 200)")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (default 3)")
    parser.add_argument("--cases", help="comma-separated cases to run (default: all; moto's is the slowest)")
    parser.add_argument("--baseline", metavar="REV",
                        help="also run the dispatch_emu cases on a git revision, in the same rounds")
    args = parser.parse_args()
    cases = [name.strip() for name in args.cases.split(",")] if args.cases else list(CASES)
    unknown = [name for name in cases if name not in CASES]
    if unknown:
        raise SystemExit(f"unknown cases {unknown}: choose from {list(CASES)}")
    needed = {"moto": ("moto", "boto3"), "pytest-httpserver": ("pytest_httpserver",)}
    for module in [m for name in cases for m in needed.get(name, ())]:
        try:
            __import__(module)
        except ImportError:
            raise SystemExit(f"{module} is missing: pip install -e '.[bench]'") from None

    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        trees: dict[str, str | None] = {name: None for name in cases}
        if args.baseline:
            export_revision(args.baseline, workdir / "baseline")
            for name in [n for n in cases if n.startswith("dispatch_emu")]:
                trees[f"{name} @ {args.baseline}"] = str(workdir / "baseline")
        per_test: dict[str, list[float]] = {name: [] for name in trees}
        first: dict[str, list[float]] = {name: [] for name in trees}
        (workdir / "bench_recorder.py").write_text(RECORDER)
        for _ in range(args.rounds):
            for name, tree in trees.items():
                costs = run_case(workdir, name, args.tests, tree)
                first[name].append(costs[0])
                per_test[name].append(statistics.median(costs[1:]))

    medians = {name: statistics.median(values) for name, values in per_test.items()}
    moto = medians.get("moto", float("nan"))
    print(f"per-test cost, median of {args.tests - 1} tests (after the first), median of {args.rounds} rounds")
    floor = medians.get("pytest alone", 0.0)
    print(f"{'case':<28} {'per test':>12} {'over pytest':>12} {'vs moto':>9} {'first test':>12}")
    for name, value in medians.items():
        print(f"{name:<28} {value * 1e3:9.2f} ms {(value - floor) * 1e3:9.2f} ms {value / moto:8.3f}x"
              f" {statistics.median(first[name]) * 1e3:9.1f} ms")
    reset = reset_cost()
    print(f"Emulator.reset() with one seeded worker: {reset * 1e6:.1f} µs (median of 2000)")


if __name__ == "__main__":
    main()
