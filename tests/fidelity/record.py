"""Record the differential corpus from workerd: ``python tests/fidelity/record.py [APP ...]``.

For each app under ``tests/fidelity/apps/`` (all of them without arguments):

1. ``npm ci`` its pinned dependencies (``package.json`` + ``package-lock.json``).
2. ``wrangler deploy --dry-run --outdir dist``: the bundle wrangler would upload, committed so
   the suite needs no node (source maps and wrangler's README are removed).
3. ``wrangler deploy --dispatch-namespace fidelity`` against an in-process dispatch_emu server
   that keeps the upload's ``metadata`` part: ``dist/metadata.json`` is exactly the metadata
   wrangler sends (bindings from ``[vars]``, compatibility date, main module or body part),
   and the modules it sent must be byte for byte the ``dist`` files.
4. Two separate runs of ``wrangler dev --local --local-protocol https`` (workerd, each in a
   process group of its own, stopped as a group): every request of ``requests.json`` is sent
   in order with ``Host: <app>.example.com`` and exactly its own headers (plus
   ``Accept-Encoding: identity`` when it sets none, so nothing is compressed), over a
   fresh connection. Secrets come from the app's ``.dev.vars``.
5. Each answer is normalised (``corpus.normalise``: dropped transport/edge headers, multipart
   boundaries). What agrees across the two runs is written to ``expected.json``; a header
   whose value differs between runs is recorded as ``"<varies>"`` (present, value not
   compared); a request whose status or body differs is left out and reported. A local-dev
   artefact (Miniflare's HTML error page for an uncaught exception, "internal error;
   reference =" for a failed fetch) stops the recording: such answers are not Cloudflare's.

wrangler is the version pinned in ``tests/node_tools.py`` (installed on first use). Run it
after changing an app or its requests, review the diff of ``expected.json``, then run
``pytest tests/fidelity`` and update ``differences.toml`` where the emulator differs.
"""

from __future__ import annotations

import argparse
import email.parser
import email.policy
import http.client
import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))
from corpus import VARIES, App, CorpusRequest, apps, normalise  # noqa: E402
from node_tools import WRANGLER_VERSION, node_env, wrangler_bin  # noqa: E402

NAMESPACE = "fidelity"
ACCOUNT = "acc-fidelity"
ARTEFACTS = (b"Miniflare", b"internal error; reference =", b"node_modules/")
# wrangler dev's own 503 (templates/startDevWorker/ProxyWorker.ts) when the worker restarts under a request
RESTARTED = b"Your worker restarted mid-request. Please try sending the request again."


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(command: list[str], cwd: Path, **env: str) -> str:
    result = subprocess.run(
        command, cwd=cwd, env=node_env(**env), capture_output=True, text=True, timeout=600
    )
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed in {cwd}:\n{result.stdout}\n{result.stderr}")
    return result.stdout


# ---------------------------------------------------------------- bundle and metadata


def install(app: App) -> None:
    package = json.loads((app.path / "package.json").read_text())
    if package.get("dependencies"):
        run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], app.path)


def bundle(app: App, wrangler: Path) -> None:
    out = app.bundle_dir
    for old in out.glob("*") if out.is_dir() else ():
        old.unlink()
    run([str(wrangler), "deploy", "--dry-run", "--outdir", "dist"], app.path)
    for extra in [*out.glob("*.map"), out / "README.md"]:
        extra.unlink(missing_ok=True)


class UploadCapture:
    """WSGI middleware that keeps the body of the script upload wrangler sends."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.uploads: list[tuple[str, bytes]] = []

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        if environ["REQUEST_METHOD"] == "PUT" and "/scripts/" in environ["PATH_INFO"]:
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = environ["wsgi.input"].read(length)
            self.uploads.append((environ.get("CONTENT_TYPE", ""), body))
            import io

            environ["wsgi.input"] = io.BytesIO(body)
        return self.app(environ, start_response)


def capture_metadata(app: App, wrangler: Path) -> None:
    from werkzeug.serving import make_server

    from dispatch_emu import Emulator

    with Emulator(load_entrypoints=False) as emu:
        emu.namespace(NAMESPACE, account_id=ACCOUNT)
        capture = UploadCapture(emu.app())
        server = make_server("127.0.0.1", 0, capture, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            run(
                [str(wrangler), "deploy", "--dispatch-namespace", NAMESPACE],
                app.path,
                CLOUDFLARE_API_BASE_URL=f"http://127.0.0.1:{server.server_port}/client/v4",
                CLOUDFLARE_API_TOKEN="x",
                CLOUDFLARE_ACCOUNT_ID=ACCOUNT,
                CI="true",
            )
        finally:
            server.shutdown()
    if len(capture.uploads) != 1:
        raise SystemExit(f"{app.name}: expected one script upload, saw {len(capture.uploads)}")
    content_type, body = capture.uploads[0]
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body
    )
    metadata = None
    modules = []
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        data = part.get_payload(decode=True)
        if name == "metadata":
            metadata = json.loads(data)
            continue
        local = app.bundle_dir / Path(name).name
        if not local.is_file() or local.read_bytes() != data:
            raise SystemExit(f"{app.name}: uploaded module {name!r} is not the dry-run bundle's {local}")
        modules.append({"name": name, "file": local.name, "content_type": part.get_content_type()})
    record = {"wrangler": WRANGLER_VERSION, "metadata": metadata, "modules": modules}
    (app.bundle_dir / "upload.json").write_text(json.dumps(record, indent=2) + "\n")


# ---------------------------------------------------------------- workerd runs


class WranglerDev:
    """``wrangler dev`` on workerd, in its own process group, stopped as a group."""

    def __init__(self, app: App, wrangler: Path, log: Path, folder: Path | None = None) -> None:
        self.app = app
        self.port = free_port()
        command = [
            str(wrangler), "dev", "--local", "--ip", "127.0.0.1", "--port", str(self.port),
            "--local-protocol", "https", "--inspector-port", str(free_port()), "--show-interactive-dev-session=false",
        ]  # fmt: skip
        self.log = log
        self.proc = subprocess.Popen(
            command,
            cwd=folder or app.path,
            env=node_env(CI="true"),
            stdin=subprocess.DEVNULL,
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_ready(self, timeout: float = 180) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"wrangler dev exited early:\n{self.log.read_text()}")
            if b"Ready on" in self.log.read_bytes():
                try:
                    socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                    return
                except OSError:
                    pass
            time.sleep(0.2)
        raise SystemExit(f"wrangler dev not ready after {timeout}s:\n{self.log.read_text()}")

    def send(self, request: CorpusRequest) -> tuple[int, list[tuple[str, str]], bytes]:
        """One request; sent once more when wrangler dev's proxy never answers it, or answers
        that the worker restarted mid-request.

        Under load wrangler dev sometimes leaves a request unanswered (it never reaches
        workerd: its log shows nothing) until the read times out, or restarts the worker (its
        ``Request.cf`` fallback, with no network) under a POST. A second try cannot make a
        wrong answer pass: whatever comes back is compared with the recording as before."""
        try:
            answer = self._send_once(request, timeout=30)
        except (TimeoutError, ConnectionError, http.client.RemoteDisconnected):
            answer = None
        # wrangler dev's proxy restarted the worker under this request (it retries GET and
        # HEAD itself, answers this for others): the worker never saw it
        if answer is None or (answer[0] == 503 and RESTARTED in answer[2]):
            time.sleep(1)
            return self._send_once(request, timeout=60)
        return answer

    def _send_once(self, request: CorpusRequest, timeout: float) -> tuple[int, list[tuple[str, str]], bytes]:
        context = ssl._create_unverified_context()  # wrangler dev's self-signed certificate
        conn = http.client.HTTPSConnection("127.0.0.1", self.port, context=context, timeout=timeout)
        headers = {"Host": self.app.host, **request.headers}
        if not any(name.lower() == "accept-encoding" for name in headers):
            headers["Accept-Encoding"] = "identity"
        try:
            conn.request(request.method, request.path, body=request.body, headers=headers)
            response = conn.getresponse()
            body = response.read()
            return response.status, response.getheaders(), body
        finally:
            conn.close()

    def stop(self) -> None:
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        except ProcessLookupError:
            pass


def record_run(
    app: App, wrangler: Path, run_no: int, folder: Path | None = None
) -> dict[str, dict[str, Any]]:
    """One run of every request of ``app`` on workerd (in ``folder``, default: the app's own)."""
    # never inside the project folder: wrangler dev watches it and would reload on every line
    log = Path(tempfile.gettempdir()) / f"fidelity-{app.name}-{run_no}-{os.getpid()}.log"
    dev = WranglerDev(app, wrangler, log, folder)
    try:
        dev.wait_ready()
        answers = {}
        for request in app.requests():
            status, headers, body = dev.send(request)
            if any(marker in body for marker in ARTEFACTS):
                raise SystemExit(
                    f"{app.name}/{request.id}: a local-dev artefact of workerd ({status}); "
                    f"not Cloudflare behaviour, fix the app or the request:\n{body[:500]!r}"
                )
            answers[request.id] = normalise(status, headers, body)
        return answers
    finally:
        dev.stop()


def merge(first: dict[str, Any], second: dict[str, Any]) -> tuple[dict[str, Any] | None, str]:
    """What two runs agree on, or None and why not."""
    for key in ("status", "body", "body_base64", "body_length", "body_sha256"):
        if first.get(key) != second.get(key):
            return None, f"{key} differs between runs"
    if [h[0] for h in first["headers"]] != [h[0] for h in second["headers"]]:
        return None, "header names differ between runs"
    headers = [
        [a[0], a[1] if a[1] == b[1] else VARIES]
        for a, b in zip(first["headers"], second["headers"], strict=True)
    ]
    return {**first, "headers": headers}, ""


def record(app: App, wrangler: Path) -> None:
    print(f"== {app.name}: install, bundle, capture the upload", flush=True)
    install(app)
    bundle(app, wrangler)
    capture_metadata(app, wrangler)
    runs = []
    for run_no in (1, 2):
        print(f"   run {run_no} on workerd", flush=True)
        runs.append(record_run(app, wrangler, run_no))
    expected: dict[str, Any] = {}
    for request in app.requests():
        merged, why = merge(runs[0][request.id], runs[1][request.id])
        if merged is None:
            print(f"   left out {request.id}: {why}")
            continue
        expected[request.id] = merged
    out = {
        "recorded_with": f"wrangler {WRANGLER_VERSION} (workerd), wrangler dev --local",
        "answers": expected,
    }
    (app.path / "expected.json").write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n")
    print(f"   {len(expected)} of {len(runs[0])} answers recorded")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("apps", nargs="*", help="app names (default: all)")
    names = parser.parse_args().apps
    wrangler = wrangler_bin(skip=False)
    chosen = [a for a in apps() if not names or a.name in names]
    if names and len(chosen) != len(names):
        raise SystemExit(f"unknown app among {names}; known: {[a.name for a in apps()]}")
    for app in chosen:
        record(app, wrangler)


if __name__ == "__main__":
    main()
