"""gunicorn settings for the web role, one file for deploys, the soak and the viewer benchmark.

`HOTLINE_ROLE=web gunicorn -c docs/gunicorn.conf.py app:server`; GUNICORN_WORKERS and
GUNICORN_BIND override the defaults. Why these values:
- threads: a Dash poll is short and mostly waits on Redis, so threads keep a worker busy cheaply;
- keepalive 75 s: longer than the 5 s poll interval and than a load balancer's usual 60 s idle
  timeout, so the server never closes a kept-alive connection a screen is about to reuse (a 2 s
  keep-alive reset about 1 in 130 polls under load in the first soak);
- timeout 120 s: an export or a PDF pack may take tens of seconds on a large month.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8050")
workers = int(os.environ.get("GUNICORN_WORKERS", "4"))
worker_class = "gthread"
threads = 8
keepalive = 75
timeout = 120
graceful_timeout = 30
