"""The demo application as gunicorn serves it in a run: ``bench.load.wsgi:app``.

The run passes the databases in the environment (``LOAD_DATABASE_URL``,
``LOAD_USERS``).  Each answer names the worker that served it (``X-Served-By``), so
the clients can tell which workers were cold (had served nothing) when the measured
window began.
"""

from __future__ import annotations

import os
from pathlib import Path

from flask import Response

from bench.load.seed import config
from demo_app import create_app

app = create_app(config(os.environ["LOAD_DATABASE_URL"], Path(os.environ["LOAD_USERS"])))


@app.after_request
def served_by(response: Response) -> Response:
    response.headers["X-Served-By"] = str(os.getpid())
    return response
