"""A free local TCP port, for the servers and workers that tests and benchmark scripts start (no Django import)."""
from __future__ import annotations

import random
import socket


def free_port(low: int = 8800, high: int = 8899) -> int:
    """A TCP port on 127.0.0.1 that is free now, from low..high (tried in random order)."""
    ports = list(range(low, high + 1))
    random.shuffle(ports)
    for port in ports:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {low}-{high}")
