"""gunicorn settings for production: ``gunicorn wsgi:app`` reads this file from the
project folder (``-c gunicorn.conf.py`` elsewhere). Every value can be set from the
environment, so several hosts share one file; see DEPLOY.md.

Nothing is kept in a worker between requests (signed-cookie sessions, rate-limit
counters in RATELIMIT_STORAGE_URI), so workers and hosts can be added freely; the
scheduler is NOT started here: it runs as its own process (``flask scheduler``).
"""

import multiprocessing
import os


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


# Where to listen: behind a reverse proxy on the same host, loopback is enough.
bind = os.environ.get("GUNICORN_BIND") or f"127.0.0.1:{_int('PORT', 8000)}"

# Processes × threads. A request mostly waits for PostgreSQL, so a few threads per
# worker serve more for the same memory. WEB_CONCURRENCY is the usual name for it.
_default_workers = min(2 * multiprocessing.cpu_count() + 1, 8)
workers = _int("WEB_CONCURRENCY", _int("GUNICORN_WORKERS", _default_workers))
threads = _int("GUNICORN_THREADS", 4)
worker_class = "gthread"

# A request that runs longer than this is killed (and its worker restarted): the
# longest legitimate one is a CSV export of years of history, streamed in batches.
timeout = _int("GUNICORN_TIMEOUT", 60)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
# Idle keep-alive connections from the reverse proxy.
keepalive = _int("GUNICORN_KEEPALIVE", 5)

# Recycle workers now and then, so a slow leak never grows without bound.
max_requests = _int("GUNICORN_MAX_REQUESTS", 2000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 200)

# Logs to stdout/stderr (journald or the container runtime keeps them); the access
# log shows the client as the proxy saw it.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = os.environ.get("GUNICORN_ERROR_LOG", "-")
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
access_log_format = (
    '%({x-forwarded-for}i)s %(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(M)sms'
)

# Trust X-Forwarded-Proto (https) only from the reverse proxy's address(es): a
# comma-separated list, "*" when the proxy is the only way in. gunicorn sets the
# request's scheme from it, so url_for(_external=True) and secure cookies are right.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
secure_scheme_headers = {"X-FORWARDED-PROTO": "https", "X-FORWARDED-SSL": "on"}

# The app is imported in each worker (not preloaded): each gets its own database pool.
preload_app = False
