"""A small keep-alive HTTP load generator, run in its own process so it does not share our GIL.

``python benchmarks/_load.py HOST PORT CLIENTS SECONDS [HOST_HEADER]`` opens ``CLIENTS``
keep-alive connections, each on its own thread, sends ``GET /`` back to back for
``SECONDS`` and prints one JSON line: requests completed and errors. Raw sockets and a
minimal response parser keep the client's own cost (a few µs a request) small against
the server's.
"""

from __future__ import annotations

import json
import socket
import sys
import threading
import time


def _one_client(host: str, port: int, host_header: str, deadline: float, out: list[int]) -> None:
    request = f"GET / HTTP/1.1\r\nHost: {host_header}\r\nUser-Agent: bench\r\n\r\n".encode()
    done = errors = 0
    sock = None
    buf = b""
    while time.perf_counter() < deadline:
        try:
            if sock is None:
                sock = socket.create_connection((host, port))
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                buf = b""
            sock.sendall(request)
            while b"\r\n\r\n" not in buf:
                chunk = sock.recv(65536)
                if not chunk:
                    raise ConnectionError("closed")
                buf += chunk
            head, _, buf = buf.partition(b"\r\n\r\n")
            length = 0
            close = False
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                name = name.strip().lower()
                if name == b"content-length":
                    length = int(value)
                elif name == b"connection" and value.strip().lower() == b"close":
                    close = True
            while len(buf) < length:
                chunk = sock.recv(65536)
                if not chunk:
                    raise ConnectionError("closed")
                buf += chunk
            buf = buf[length:]
            if not head.startswith(b"HTTP/1.1 200") and not head.startswith(b"HTTP/1.0 200"):
                errors += 1
            else:
                done += 1
            if close:
                sock.close()
                sock = None
        except OSError:
            errors += 1
            if sock is not None:
                sock.close()
            sock = None
    if sock is not None:
        sock.close()
    out.append(done)
    out.append(-errors)


def run(host: str, port: int, clients: int, seconds: float, host_header: str) -> dict[str, float]:
    deadline = time.perf_counter() + seconds
    results: list[int] = []
    threads = [
        threading.Thread(target=_one_client, args=(host, port, host_header, deadline, results))
        for _ in range(clients)
    ]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    done = sum(r for r in results if r > 0)
    errors = -sum(r for r in results if r < 0)
    return {"requests": done, "errors": errors, "seconds": elapsed}


if __name__ == "__main__":
    h, p, c, s = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
    header = sys.argv[5] if len(sys.argv) > 5 else f"{h}:{p}"
    print(json.dumps(run(h, p, c, s, header)))
