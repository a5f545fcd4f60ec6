"""The product is offline: the chat and the CLI make no network call except to this machine (and a
configured Chroma server or model). Each runs in a subprocess under a socket guard, installed by a
`sitecustomize` before anything else loads, that records (and refuses) every DNS lookup and every
connection to an address outside 127.0.0.0/8 and ::1. The environment the tests usually set
(HF_HUB_OFFLINE) is removed, so the product has to be offline on its own."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import BUNDLED, free_port
from tests.indexkit import ROOT

pytestmark = pytest.mark.slow

GUARD = """
import ipaddress, json, os, socket

_LOG = os.environ["NETGUARD_LOG"]
_LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", ""}


def _local(host):
    if host is None or str(host) in _LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:
        return False


def _record(what, target):
    with open(_LOG, "a", encoding="utf-8") as fh:
        fh.write(json.dumps({"what": what, "target": repr(target), "pid": os.getpid()}) + "\\n")
    raise OSError(101, "network is unreachable (blocked by the test's socket guard)")


_getaddrinfo = socket.getaddrinfo
_connect = socket.socket.connect
_connect_ex = socket.socket.connect_ex


def getaddrinfo(host, *args, **kwargs):
    if not _local(host.decode() if isinstance(host, bytes) else host):
        _record("dns", host)
    return _getaddrinfo(host, *args, **kwargs)


def connect(self, address):
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _local(address[0]):
        _record("connect", address)
    return _connect(self, address)


def connect_ex(self, address):
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _local(address[0]):
        _record("connect", address)
    return _connect_ex(self, address)


socket.getaddrinfo = getaddrinfo
socket.socket.connect = connect
socket.socket.connect_ex = connect_ex
"""

COMMANDS = """
import sys
from trialscreen.cli import main
data = ["--data-dir", sys.argv[1]]
runs = [
    ["index", sys.argv[2], "--quiet"],
    ["trials"],
    ["search", "prednisone maximum dose", "-k", "3"],
    ["screen", "--trial", "NCT04077684", "--patient", "45 year old man with SLE"],
    ["match", "--patient", "34 year old woman with lupus"],
    ["ask", "what is the prednisone cap in the telitacicept study?"],
]
for args in runs:
    code = main([*args, *data])
    print("EXIT", args[0], code, file=sys.stderr)
"""


@pytest.fixture
def guarded_env(tmp_path: Path) -> tuple[dict[str, str], Path]:
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(GUARD, "utf-8")
    log = tmp_path / "network.jsonl"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "TRANSFORMERS_", "GRADIO_"))}
    env["PYTHONPATH"] = os.pathsep.join([str(site), str(ROOT), env.get("PYTHONPATH", "")])
    env["NETGUARD_LOG"] = str(log)
    env["TRIALSCREEN_HOME"] = str(tmp_path / "data")
    return env, log


def _attempts(log: Path) -> list[dict[str, str]]:
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text("utf-8").splitlines()]


def test_the_guard_sees_a_call_outside(guarded_env: tuple[dict[str, str], Path]) -> None:
    env, log = guarded_env
    code = (
        "import socket\ntry:\n    socket.create_connection(('example.org', 80), timeout=1)\nexcept OSError:\n    pass\n"
    )
    subprocess.run([sys.executable, "-c", code], env=env, check=True, timeout=60)
    assert [a["what"] for a in _attempts(log)] == ["dns"]


def test_the_cli_makes_no_network_call(guarded_env: tuple[dict[str, str], Path], tmp_path: Path) -> None:
    env, log = guarded_env
    result = subprocess.run(
        [sys.executable, "-c", COMMANDS, str(tmp_path / "data"), str(BUNDLED)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    exits = [line for line in result.stderr.splitlines() if line.startswith("EXIT")]
    assert exits == [f"EXIT {c} 0" for c in ("index", "trials", "search", "screen", "match", "ask")], result.stderr
    assert _attempts(log) == []


def test_the_chat_makes_no_network_call(guarded_env: tuple[dict[str, str], Path], tmp_path: Path) -> None:
    env, log = guarded_env
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "trialscreen.cli", "chat", "--port", str(port), "--data-dir", str(tmp_path / "data")],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(600):  # the first start indexes the bundled trials with the real model
            if proc.poll() is not None:
                pytest.fail(f"the chat exited: {proc.stderr.read() if proc.stderr else ''}")
            try:
                if httpx.get(url + "/", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
        else:
            pytest.fail("the chat did not come up")
        from gradio_client import Client

        client = Client(url, verbose=False)
        assert "10 mg/day" in client.predict("what's the prednisone cap in the telitacicept study?", api_name="/ask")
        client.predict("could I join a lupus trial? I'm a 40 year old man", api_name="/patient_send")
        time.sleep(1)  # let Gradio's start-up threads (where a version check would run) finish
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
    assert _attempts(log) == []
