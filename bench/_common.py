"""What the benchmarks share: pointing Django at a throwaway database, and describing it."""

import os
import tempfile
from pathlib import Path


def configure_environment():
    """Point Django at DATABASE_URL, or at a SQLite file in a new temporary directory."""
    tmpdir = Path(tempfile.mkdtemp(prefix="sv-bench-"))
    if not os.environ.get("DATABASE_URL"):
        os.environ["DATABASE_URL"] = f"sqlite:///{tmpdir / 'socialvalue.sqlite3'}"
    # The development configuration (no SECRET_KEY needed); requests then run with DEBUG off
    # as in production, because setup_test_environment(debug=False) switches it off.
    os.environ.setdefault("DEBUG", "true")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("AXES_ENABLED", "false")
    return tmpdir


def database_description(connection):
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            version = cursor.fetchone()[0]
        return f"PostgreSQL {version}, database {connection.settings_dict['NAME']}"
    if connection.vendor == "sqlite":
        import sqlite3

        return f"SQLite {sqlite3.sqlite_version}, file {connection.settings_dict['NAME']}"
    return connection.vendor


# --- gunicorn on a loopback port, for the benchmarks that go through the network -------------

REPO = Path(__file__).resolve().parent.parent


def free_port():
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(port, log_path, env, *, workers=4, threads=1, extra_args=()):
    """``gunicorn config.wsgi`` on 127.0.0.1:port with ``env`` as its whole environment, its output
    in ``log_path``. Sync workers, or gthread workers when ``threads`` > 1."""
    import subprocess

    args = [str(REPO / ".venv/bin/gunicorn"), "config.wsgi", "-w", str(workers), "-b", f"127.0.0.1:{port}",
            "--timeout", "60", "--graceful-timeout", "10"]
    if threads > 1:
        args += ["--worker-class", "gthread", "--threads", str(threads)]
    log = open(log_path, "wb")  # noqa: SIM115 (closed by stop_gunicorn)
    process = subprocess.Popen([*args, *extra_args], cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    process.log_file = log
    return process


def wait_until_answering(process, port, log_path, timeout=60, path="/api/v1/", headers=None):
    import http.client
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}:\n{tail(log_path)}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", path, headers=headers or {})
            status = conn.getresponse().status
            conn.close()
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer within {timeout} s:\n{tail(log_path)}")


def stop_gunicorn(process):
    import signal
    import subprocess

    if process is None:
        return
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
    process.log_file.close()


def tail(path, lines=30):
    try:
        return "\n".join(Path(path).read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def percentile(values, fraction):
    """The value at ``fraction`` (0.95 for the 95th percentile) of the sorted values, nearest rank."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]
