"""`./run lab`: JupyterLab serves notebooks/ and its kernel imports jdxlib (issue 11 §2).

Starts the server on 127.0.0.1 (a free port, no token), checks that /lab answers and lists
the notebooks, runs `import jdxlib` in a kernel over the kernel websocket, then stops it.
"""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.request
import uuid

import pytest

from conftest import PROJECT_ROOT

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _request(url: str, method: str = "GET", body: dict | None = None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return resp.status, resp.read().decode("utf-8")


@pytest.fixture
def lab(tmp_path):
    port = _free_port()
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(tmp_path / "config"),
           "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"), "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / "ws")}
    log = (tmp_path / "lab.log").open("w")
    proc = subprocess.Popen(
        [str(PROJECT_ROOT / "run"), "lab", "--no-browser", "--ServerApp.ip=127.0.0.1",
         f"--ServerApp.port={port}", "--ServerApp.port_retries=0", "--IdentityProvider.token=",
         "--ServerApp.password=", "--ServerApp.disable_check_xsrf=True"]
        + (["--allow-root"] if os.geteuid() == 0 else []),  # CI containers run as root
        cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                _request(f"{base}/api/status")
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"JupyterLab did not start:\n{(tmp_path / 'lab.log').read_text()[-3000:]}")
                time.sleep(0.5)
        yield base
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)  # jupyter shuts its kernels down on SIGTERM
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:  # pragma: no cover
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        log.close()


def _execute(base: str, kernel_id: str, code: str, timeout: float = 120) -> tuple[str, str]:
    """Run *code* in the kernel; return (status, stdout)."""
    import websocket  # websocket-client: a jupyter-server dependency

    ws = websocket.create_connection(f"{base.replace('http', 'ws')}/api/kernels/{kernel_id}/channels",
                                     timeout=timeout)
    msg_id = uuid.uuid4().hex
    ws.send(json.dumps({
        "header": {"msg_id": msg_id, "msg_type": "execute_request", "session": uuid.uuid4().hex,
                   "username": "test", "version": "5.3", "date": ""},
        "parent_header": {}, "metadata": {}, "channel": "shell",
        "content": {"code": code, "silent": False, "store_history": False,
                    "user_expressions": {}, "allow_stdin": False},
    }))
    out, status = [], None
    deadline = time.monotonic() + timeout
    while status is None and time.monotonic() < deadline:
        msg = json.loads(ws.recv())
        if msg.get("parent_header", {}).get("msg_id") != msg_id:
            continue
        if msg["msg_type"] == "stream":
            out.append(msg["content"]["text"])
        elif msg["msg_type"] == "error":
            out.append("\n".join(msg["content"]["traceback"]))
        elif msg["msg_type"] == "execute_reply":
            status = msg["content"]["status"]
    ws.close()
    return status, "".join(out)


def test_lab_serves_the_notebooks_and_its_kernel_imports_jdxlib(lab):
    status, page = _request(f"{lab}/lab")
    assert status == 200 and "JupyterLab" in page
    _, listing = _request(f"{lab}/api/contents")
    names = {item["name"] for item in json.loads(listing)["content"]}
    assert {"01_governance.ipynb", "workshop"} <= names  # rooted at notebooks/

    # As when an analyst opens a notebook: a session, whose kernel runs in the notebook's folder.
    _, body = _request(f"{lab}/api/sessions", "POST", {
        "path": "01_governance.ipynb", "type": "notebook", "name": "", "kernel": {"name": "python3"}})
    kernel_id = json.loads(body)["kernel"]["id"]
    status, out = _execute(lab, kernel_id, (
        "import os, sys, jdxlib\n"
        "print(jdxlib.__file__); print(sys.executable); print(os.getcwd())\n"
        "print(jdxlib.describe('dx_status').credit_line)\n"
    ))
    assert status == "ok", out
    jdx_file, executable, cwd, credit = out.splitlines()
    assert jdx_file == str(PROJECT_ROOT / "jdxlib" / "__init__.py")
    assert executable.startswith(str(PROJECT_ROOT / ".venv"))
    assert cwd == str(PROJECT_ROOT / "notebooks")
    assert credit.startswith("出典：デジタル庁")
    _request(f"{lab}/api/kernels/{kernel_id}", "DELETE")
