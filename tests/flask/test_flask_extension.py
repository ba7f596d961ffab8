"""The extension's life cycle: init_app, settings, callbacks, errors that say the fix."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from conftest import Client, build_app
from flask import Flask

from engagement import DEFAULT_RULES_PATH, Engagement
from engagement.flask import ConfigurationError, FlaskEngagement, state


def test_init_app_refuses_a_second_call(engine: Engagement) -> None:
    app = Flask("host")
    ext = FlaskEngagement(engine=engine)
    ext.init_app(app)
    with pytest.raises(ConfigurationError, match=r"already initialised.*call init_app once"):
        ext.init_app(app)


def test_state_lives_in_app_extensions_and_one_object_serves_two_apps(engine: Engagement) -> None:
    ext = FlaskEngagement(engine=engine)
    first, second = Flask("one"), Flask("two")
    second.config["ENGAGEMENT_URL_PREFIX"] = "/programme"
    ext.init_app(first)
    ext.init_app(second)
    assert not hasattr(ext, "app")
    with second.app_context():
        assert state().settings.url_prefix == "/programme"
        assert ext.engine is engine
    assert second.test_client().get("/programme/openapi.json").status_code == 200
    assert first.test_client().get("/engagement/openapi.json").status_code == 200


def test_a_database_url_and_a_rule_file_from_settings(tmp_path: object) -> None:
    app = Flask("host")
    app.config.update(
        ENGAGEMENT_DATABASE_URL="sqlite://",
        ENGAGEMENT_CREATE_SCHEMA=True,
        ENGAGEMENT_RULES=str(DEFAULT_RULES_PATH),
    )
    ext = FlaskEngagement(app)
    with app.app_context():
        assert ext.engine.active_rules().version == 1
        ext.engine.close()


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({}, "no database: set ENGAGEMENT_DATABASE_URL"),
        ({"ENGAGEMENT_DATABSE_URL": "sqlite://"}, "unknown setting.*ENGAGEMENT_DATABSE_URL"),
        ({"ENGAGEMENT_URL_PREFIX": "api/"}, "ENGAGEMENT_URL_PREFIX: a path starting with '/'"),
        ({"ENGAGEMENT_MAX_BODY_BYTES": 0}, "ENGAGEMENT_MAX_BODY_BYTES: a whole number above 0"),
        ({"ENGAGEMENT_PAGE_SIZE": 500}, "PAGE_SIZE \\(500\\) is above ENGAGEMENT_MAX_PAGE_SIZE"),
        ({"ENGAGEMENT_RATE_LIMIT": -1}, "ENGAGEMENT_RATE_LIMIT: requests a minute"),
        ({"ENGAGEMENT_TRUSTED_ORIGINS": "https://a.example"}, "TRUSTED_ORIGINS: a list"),
        ({"ENGAGEMENT_SQLALCHEMY_ENGINE": 42}, "ENGAGEMENT_SQLALCHEMY_ENGINE: a SQLAlchemy"),
        ({"ENGAGEMENT_ENGINE_OPTIONS": [1]}, "ENGAGEMENT_ENGINE_OPTIONS: a dict"),
    ],
)
def test_bad_settings_say_the_fix(config: dict[str, object], message: str) -> None:
    app = Flask("host")
    app.config.update(config)
    with pytest.raises(ConfigurationError, match=message):
        FlaskEngagement(app)


def test_using_it_before_init_app_says_so(engine: Engagement) -> None:
    ext = FlaskEngagement(engine=engine)
    with pytest.raises(ConfigurationError, match="no application context"):
        _ = ext.engine
    app = Flask("host")
    with app.app_context(), pytest.raises(ConfigurationError, match=r"did you call ext\.init_app"):
        _ = ext.engine


def test_a_missing_member_loader_says_how_to_register_one(host: Engagement) -> None:
    app = Flask("host")
    FlaskEngagement(app, engine=host)
    app.config["PROPAGATE_EXCEPTIONS"] = True
    with pytest.raises(ConfigurationError, match=r"register one with @ext\.member_loader"):
        app.test_client().get("/engagement/me")


def test_callbacks_by_plain_methods(host: Engagement) -> None:
    app = Flask("host")
    ext = FlaskEngagement(engine=host)
    ext.set_member_loader(lambda: "alice")
    ext.set_administrator_check(lambda: False)
    ext.set_member_display(lambda member: member.upper())
    ext.init_app(app)
    client = app.test_client()
    assert client.get("/engagement/me").json["member"]["member"] == "alice"
    assert client.get("/engagement/admin/rules").status_code == 403
    assert client.get("/engagement/members/alice").json["display_name"] == "ALICE"


def test_a_member_loader_returning_a_non_string_is_refused(host: Engagement) -> None:
    app = Flask("host")
    ext = FlaskEngagement(engine=host)
    ext.set_member_loader(lambda: 42)  # type: ignore[arg-type,return-value]
    ext.init_app(app)
    app.config["PROPAGATE_EXCEPTIONS"] = True
    with pytest.raises(ConfigurationError, match="return the member id as a str"):
        app.test_client().get("/engagement/me")


def test_the_hosts_own_error_pages_stay_html(as_user: Callable[[str | None], Client]) -> None:
    client = as_user("alice")
    page = client.client.get("/host-page")
    assert page.status_code == 404 and page.mimetype == "text/html"
    api = client.get("/no-such-endpoint")
    assert api.status_code == 404 and api.mimetype == "application/json"
    assert api.json["message"].startswith("no such endpoint")


def test_the_openapi_document_lists_every_endpoint(host: Engagement) -> None:
    app = build_app(host, ENGAGEMENT_URL_PREFIX="/hr/engagement")
    document = app.test_client().get("/hr/engagement/openapi.json").json
    assert document["openapi"].startswith("3.")
    paths = set(document["paths"])
    assert "/hr/engagement/actions" in paths
    assert "/hr/engagement/admin/rules/preview" in paths
    assert len(paths) >= 19


def test_beside_a_hosts_own_flask_smorest_api(host: Engagement) -> None:
    import flask_smorest

    app = Flask("host")
    app.config.update(API_TITLE="host", API_VERSION="1", OPENAPI_VERSION="3.0.3",
                      OPENAPI_URL_PREFIX="/docs")  # fmt: skip
    api = flask_smorest.Api(app)
    pets = flask_smorest.Blueprint("pets", __name__)

    @pets.route("/pets")
    @pets.response(200)
    def list_pets() -> dict[str, list[str]]:
        return {"pets": []}

    api.register_blueprint(pets)
    FlaskEngagement(app, engine=host).set_member_loader(lambda: "alice")
    client = app.test_client()
    assert list(client.get("/docs/openapi.json").json["paths"]) == ["/pets"]
    ours = client.get("/engagement/openapi.json").json["paths"]
    assert "/engagement/me" in ours and "/pets" not in ours
    assert client.get("/engagement/me").json["member"]["member"] == "alice"
