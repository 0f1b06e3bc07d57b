"""`tiendo web serve` as an operator starts it: its own process, two server processes
(uvicorn's factory builds one application in each), a user added with `tiendo web user
add` reading the password from stdin, the sign-in form, the dashboard, the API; the
server stops cleanly on Ctrl-C (SIGINT)."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar

PASSWORD = "một mật khẩu đủ dài"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/healthz", timeout=5) as answer:
            return answer.status == 200
    except OSError:
        return False


def test_web_serve_with_two_server_processes(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "DATABASE_URL": f"sqlite:///{tmp_path / 'tiendo.db'}",
           "TIENDO_DATA_DIR": str(tmp_path), "HOME": str(tmp_path)}
    subprocess.run([sys.executable, "-m", "services", "web", "user", "add", "lan", "--role", "leadership"],
                   input=PASSWORD + "\n", env=env, text=True, check=True, capture_output=True, timeout=120)
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = (tmp_path / "web.log").open("w")
    server = subprocess.Popen([sys.executable, "-m", "services", "web", "serve", "--port", str(port),
                               "--insecure-cookies", "--workers", "2"], env=env, stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + 120  # a safety bound on a busy machine, not a measure
        while not _healthy(url):
            assert server.poll() is None, (tmp_path / "web.log").read_text()
            assert time.monotonic() < deadline, "no answer on /healthz: " + (tmp_path / "web.log").read_text()
            time.sleep(0.2)

        jar = CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        try:
            urllib.request.urlopen(f"{url}/api/national", timeout=30)
            raise AssertionError("an anonymous API request was answered")
        except urllib.error.HTTPError as refused:
            assert refused.code == 401
        form = urllib.parse.urlencode({"name": "lan", "password": PASSWORD, "next": "/"}).encode()
        with opener.open(f"{url}/login", data=form, timeout=30) as answer:  # 303, followed to the dashboard
            page = answer.read().decode("utf-8")
        assert answer.status == 200 and "Tổng quan toàn quốc" in page
        assert [c.name for c in jar] == ["tiendo_session"]
        # Whichever server process answers, the session (in the database) holds.
        for _ in range(6):
            with opener.open(f"{url}/api/position", timeout=30) as answer:
                assert answer.status == 200
    finally:
        server.send_signal(signal.SIGINT)
        code = server.wait(timeout=60)
        log.close()
    assert code == 0, (tmp_path / "web.log").read_text()
