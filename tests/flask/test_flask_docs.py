"""docs/flask.md against the extension: its example runs, every setting and endpoint
is there."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask

from engagement.flask import DEFAULTS

DOC = Path(__file__).resolve().parents[2] / "docs" / "flask.md"
TEXT = DOC.read_text(encoding="utf-8")


def blocks() -> list[str]:
    return re.findall(r"^```python\n(.*?)^```", TEXT, re.MULTILINE | re.DOTALL)


def test_the_ten_lines_embed_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    first, admin = blocks()[:2]
    assert len([line for line in first.splitlines() if line.strip()]) <= 10
    namespace: dict[str, object] = {"__name__": "host_example"}
    exec(compile(first + admin, str(DOC), "exec"), namespace)
    app = namespace["create_app"]()  # type: ignore[operator]
    assert isinstance(app, Flask)
    client = app.test_client()
    assert client.get("/engagement/openapi.json").status_code == 200
    assert client.get("/engagement/me").status_code == 401
    with app.app_context():
        app.extensions["engagement"].engine.close()


def test_every_setting_is_documented() -> None:
    for key in DEFAULTS:
        assert f"`ENGAGEMENT_{key}`" in TEXT, key


def test_every_endpoint_is_documented(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": "host_example"}
    exec(compile(blocks()[0], str(DOC), "exec"), namespace)
    app = namespace["create_app"]()  # type: ignore[operator]
    document = app.test_client().get("/engagement/openapi.json").json
    for path, item in document["paths"].items():
        for method in item:
            if method != "parameters":
                entry = f"`{method.upper()} {path.removeprefix('/engagement')}"
                assert entry in TEXT, entry
    with app.app_context():
        app.extensions["engagement"].engine.close()
