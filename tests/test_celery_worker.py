"""Tasks go through Redis to a real Celery worker that reads the same (test) database.

The fixture starts ``celery worker`` in a subprocess pointed at the test database pytest-django
created, on a queue and node name of its own (so a second test run or another worker on the same
broker cannot take the tasks), waits until it answers a ping, and stops it afterwards.

Skipped without CELERY_BROKER_URL or with an in-memory SQLite test database; with
STRICT_SERVICES=1 (CI) a skip fails the run.
"""

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from celery.result import AsyncResult, EagerResult
from django.conf import settings

from config.celery import app as celery_app

pytestmark = pytest.mark.celery_worker

REPO = Path(__file__).resolve().parent.parent
START_TIMEOUT = 30  # seconds for the worker to answer a ping
TASK_TIMEOUT = 30


def _database_url(settings_dict):
    """A DATABASE_URL for the database Django is connected to now (the test database)."""
    engine = settings_dict["ENGINE"]
    if engine == "django.db.backends.postgresql":
        user = quote(settings_dict.get("USER") or "", safe="")
        password = quote(settings_dict.get("PASSWORD") or "", safe="")
        auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
        host = settings_dict.get("HOST") or "127.0.0.1"
        port = settings_dict.get("PORT") or "5432"
        return f"postgres://{auth}{host}:{port}/{quote(settings_dict['NAME'], safe='')}"
    if engine == "django.db.backends.sqlite3":
        return f"sqlite:///{settings_dict['NAME']}"
    pytest.fail(f"The Celery worker test does not know how to hand {engine} to the worker.")


def _log_tail(path, lines=80):
    try:
        text = Path(path).read_text(errors="replace")
    except FileNotFoundError:
        return "(no worker log)"
    return "\n".join(text.splitlines()[-lines:])


class Worker:
    def __init__(self, process, hostname, queue, log_path, database_url):
        self.process = process
        self.hostname = hostname
        self.queue = queue
        self.log_path = log_path
        self.database_url = database_url

    def log(self):
        return _log_tail(self.log_path)


@pytest.fixture(scope="session")
def celery_worker_process(request, tmp_path_factory):
    if not os.environ.get("CELERY_BROKER_URL"):
        pytest.skip(
            "CELERY_BROKER_URL is not set: the Celery worker tests need a Redis broker "
            "(for example CELERY_BROKER_URL=redis://127.0.0.1:6379/15)."
        )
    if settings.CELERY_TASK_ALWAYS_EAGER:
        pytest.fail("CELERY_BROKER_URL is set but CELERY_TASK_ALWAYS_EAGER is True.")

    # Only now create the test database, once we know the test can run.
    request.getfixturevalue("django_db_setup")
    from django.db import connection

    if connection.vendor == "sqlite" and connection.creation.is_in_memory_db(
        connection.settings_dict["NAME"]
    ):
        pytest.skip(
            "The test database is in-memory SQLite, which a worker process cannot reach; "
            "set DATABASE_URL to PostgreSQL (for example postgres://postgres@127.0.0.1:5432/"
            "socialvalue) to run the Celery worker tests."
        )
    database_url = _database_url(connection.settings_dict)

    token = uuid.uuid4().hex[:10]
    hostname = f"svtest-{token}@{os.uname().nodename}"
    queue = f"svtest-{token}"
    log_path = tmp_path_factory.mktemp("celery") / "worker.log"
    env = {
        **os.environ,
        "CELERY_BROKER_URL": os.environ["CELERY_BROKER_URL"],
        "DATABASE_URL": database_url,
        "DEBUG": "true",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("CELERY_TASK_ALWAYS_EAGER", None)
    command = [
        sys.executable, "-m", "celery", "-A", "config", "worker",
        "--pool=solo", "--concurrency=1", "-Q", queue, "-n", hostname,
        "--without-heartbeat", "--without-gossip", "--without-mingle", "-l", "info",
    ]
    with open(log_path, "wb") as log_file:
        process = subprocess.Popen(
            command, cwd=REPO, env=env, stdout=log_file, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,  # same process group: a killed test run takes it along
        )
    worker = Worker(process, hostname, queue, log_path, database_url)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if process.poll() is not None:
                pytest.fail(
                    f"The Celery worker exited with {process.returncode} before answering a ping.\n"
                    f"Command: {' '.join(command)}\nLog:\n{worker.log()}"
                )
            replies = celery_app.control.ping(destination=[hostname], timeout=1.0)
            if any(hostname in reply for reply in replies):
                break
            if time.monotonic() > deadline:
                pytest.fail(
                    f"The Celery worker {hostname} did not answer a ping within "
                    f"{START_TIMEOUT} s.\nLog:\n{worker.log()}"
                )
        yield worker
    finally:
        _stop(process)
        _delete_queue(queue)


def _stop(process):
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)  # warm shutdown
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


def _delete_queue(queue):
    try:
        with celery_app.connection_for_write() as conn:
            channel = conn.default_channel
            channel.queue_delete(queue)
            client = getattr(channel, "client", None)  # Redis: drop the exchange's bindings too
            if client is not None:
                client.delete(f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")
    except Exception:  # noqa: S110 - best effort tidy-up of the broker
        pass


@pytest.fixture
def worker(celery_worker_process, transactional_db):
    """The running worker, with a test database whose writes the worker can see."""
    if celery_worker_process.process.poll() is not None:
        pytest.fail(f"The Celery worker has stopped.\nLog:\n{celery_worker_process.log()}")
    return celery_worker_process


def _send(task, worker):
    return task.apply_async(queue=worker.queue)


def test_worker_reads_the_test_database(worker):
    from toms.models import Measure, Outcome
    from toms.services import load_framework
    from toms.tasks import framework_summary

    load_framework()
    expected = Measure.objects.count()
    assert expected > 0

    summary = _send(framework_summary, worker).get(timeout=TASK_TIMEOUT)
    assert summary["measures"] == expected, worker.log()
    assert summary["partner_vcfse"] == ["NT14", "NT15", "NT16", "NT17"]

    # A row only this test database has: the worker must see it too.
    Measure.objects.create(
        code="ZZ-WORKER-CHECK", title="Only in this test database",
        outcome=Outcome.objects.first(), unit="number", value_kind="number",
    )
    summary = _send(framework_summary, worker).get(timeout=TASK_TIMEOUT)
    assert summary["measures"] == expected + 1, worker.log()
    assert summary["partner_vcfse"] == ["NT14", "NT15", "NT16", "NT17"]


def test_task_goes_through_the_broker_not_eagerly(worker):
    from toms.services import load_framework
    from toms.tasks import framework_summary

    assert settings.CELERY_TASK_ALWAYS_EAGER is False
    assert celery_app.conf.task_always_eager is False
    assert celery_app.conf.broker_url == os.environ["CELERY_BROKER_URL"]
    assert framework_summary.app is celery_app

    load_framework()
    stats_before = _processed(worker)

    result = _send(framework_summary, worker)
    assert isinstance(result, AsyncResult)
    assert not isinstance(result, EagerResult)
    summary = result.get(timeout=TASK_TIMEOUT)
    assert summary["partner_vcfse"] == ["NT14", "NT15", "NT16", "NT17"]
    assert result.state == "SUCCESS"

    # The result came back through the result backend, and our worker (by node name) ran it.
    fetched = AsyncResult(result.id, app=celery_app)
    assert fetched.state == "SUCCESS"
    assert fetched.result == summary
    assert _processed(worker) == stats_before + 1, worker.log()
    deadline = time.monotonic() + 5
    while f"framework_summary[{result.id}] succeeded" not in worker.log():
        assert time.monotonic() < deadline, (
            f"Task {result.id} is not in the worker's log:\n{worker.log()}"
        )
        time.sleep(0.2)


def _processed(worker):
    """How many framework_summary tasks the worker node has run, as it reports itself."""
    stats = celery_app.control.inspect(destination=[worker.hostname], timeout=5).stats()
    assert stats and worker.hostname in stats, f"No stats from {worker.hostname}:\n{worker.log()}"
    return stats[worker.hostname].get("total", {}).get("toms.tasks.framework_summary", 0)
