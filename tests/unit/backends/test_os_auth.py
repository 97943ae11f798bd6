"""Connection settings for real clusters: URL checks, basic auth, CA bundle, insecure mode."""

import ssl

import httpx
import pytest

from mlgitops.backends.opensearch import auth
from mlgitops.backends.opensearch.backend import connect
from mlgitops.backends.opensearch.http import NO_RETRY
from mlgitops.errors import BackendUnavailableError, ConfigError


def test_plain_https_verifies_tls_without_auth():
    settings = auth.read_connection_settings("https://search.example.com:9200/", {})
    assert settings.base_url == "https://search.example.com:9200"
    assert settings.auth is None
    assert settings.verify is True


def test_basic_auth_from_env_never_shows_in_repr():
    env = {auth.USER_ENV: "admin", auth.PASSWORD_ENV: "pa55-w0rd-secret"}
    settings = auth.read_connection_settings("https://h:9200", env)
    request = httpx.Request("GET", "https://h:9200/")
    assert settings.auth is not None
    flow = settings.auth.auth_flow(request)
    assert next(flow).headers["authorization"].startswith("Basic ")
    assert "pa55-w0rd-secret" not in repr(settings)


@pytest.mark.parametrize(
    ("url", "env", "message"),
    [
        ("ftp://h", {}, "not an http"),
        ("https://admin:pw@h:9200", {}, "do not put credentials in the target URL"),
        ("https://h", {auth.USER_ENV: "admin"}, "set both"),
        ("https://h", {auth.CA_BUNDLE_ENV: "/nonexistent/ca.pem"}, "is not a file"),
    ],
)
def test_bad_settings_are_config_errors(url, env, message):
    with pytest.raises(ConfigError, match=message):
        auth.read_connection_settings(url, env)


def test_insecure_mode_and_ca_bundle(tmp_path):
    assert auth.read_connection_settings("https://h", {auth.INSECURE_ENV: "1"}).verify is False
    bad = tmp_path / "ca.pem"
    bad.write_text("not a certificate")
    with pytest.raises(ConfigError, match="not a valid PEM"):
        auth.read_connection_settings("https://h", {auth.CA_BUNDLE_ENV: str(bad)})


def test_ca_bundle_builds_an_ssl_context():
    bundle = ssl.get_default_verify_paths().cafile
    if not bundle:
        pytest.skip("no system CA bundle file")
    settings = auth.read_connection_settings("https://h", {auth.CA_BUNDLE_ENV: bundle})
    assert isinstance(settings.verify, ssl.SSLContext)


def test_connect_to_a_closed_port_is_a_clear_unavailable_error():
    backend = connect("http://127.0.0.1:9", env={}, retry=NO_RETRY)
    try:
        with pytest.raises(
            BackendUnavailableError, match=r"cannot reach http://127\.0\.0\.1:9: connection refused"
        ):
            backend.client.info()
    finally:
        backend.close()
