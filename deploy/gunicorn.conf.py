"""gunicorn for Pitstop: `gunicorn -c deploy/gunicorn.conf.py` (from the project's directory).

Threaded workers (gthread), one process per CPU with 2 threads each: Django's ORM is
synchronous, and a phone's poll is short. Python runs one thread of a process at a time: a thread
back from the database waits for the others to let go, so on a busy server more threads per
process make every request slower (live200 on 2 cores: a card's POST took 88-151 ms inside the
server with 8 threads, 19-36 ms with 2). Idle keep-alive connections take no thread. Every
setting can be changed from the environment, so the same file serves one VM and several app
servers behind one proxy.
"""

import multiprocessing
import os
import shutil
import sys
import tempfile

wsgi_app = "expeditie.wsgi:application"
settings_module = os.environ.get("DJANGO_SETTINGS_MODULE", "expeditie.settings.production")
raw_env = [f"DJANGO_SETTINGS_MODULE={settings_module}"]

# nginx on the same host speaks to this address; bind to 0.0.0.0 only behind a firewall.
bind = os.environ.get("PITSTOP_BIND", "127.0.0.1:8000").split(",")
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count()))
threads = int(os.environ.get("PITSTOP_THREADS", "2"))

# Python lets a thread that waits for the interpreter (back from the database with its answer)
# take it over only after this long when the other thread keeps it busy (rendering a board): 5 ms
# by default. A card's POST makes some ten round trips to PostgreSQL and Redis, and waited up to
# that long after each. A phone's poll and card beside a thread rendering the run page took a
# quarter less time with 1 ms (median 155-176 ms instead of 211-223 ms, one process, on the
# 2-core machine while other tests ran).
switch_interval_ms = float(os.environ.get("PITSTOP_SWITCH_INTERVAL_MS", "1"))

# Phones poll every second: a keep-alive longer than that keeps their connection (or nginx's
# upstream connection) open between polls instead of opening a new one for every poll.
keepalive = int(os.environ.get("PITSTOP_KEEPALIVE", "75"))
timeout = 30
# On a restart (deploy, SIGTERM) requests in flight finish; nginx sends new ones elsewhere.
graceful_timeout = 20
# Recycle a worker now and then, at different moments, so a slow leak never builds up.
max_requests = 5000
max_requests_jitter = 500

# X-Forwarded-Proto from nginx on this host tells Django the request came in over HTTPS.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# Logs go to standard output for journald or the container runtime. The access log shows no
# visitor's address (nginx is the client here) and no query strings beyond the path.
accesslog = os.environ.get("PITSTOP_ACCESS_LOG", "-")
access_log_format = '%(t)s "%(r)s" %(s)s %(b)s %(M)sms'
errorlog = "-"

# gunicorn's control socket would live in ~/.gunicorn, shared by every gunicorn on the host.
control_socket_disable = True

# Prometheus (expeditie/monitoring.py): each worker process counts its own requests into files
# in this folder, and whichever worker answers /metrics adds them all up. Set before the
# workers start; emptied when gunicorn starts, so counts begin at zero with the server.
if "PROMETHEUS_MULTIPROC_DIR" not in os.environ:
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="pitstop-metrics-")


def on_starting(server) -> None:
    folder = os.environ["PROMETHEUS_MULTIPROC_DIR"]
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder, exist_ok=True)


def post_fork(server, worker) -> None:
    sys.setswitchinterval(switch_interval_ms / 1000)


def child_exit(server, worker) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
