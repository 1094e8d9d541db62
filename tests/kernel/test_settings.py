"""Settings: secrets are generated for local use and refused when missing in production."""

import pytest
from pydantic import ValidationError

from cognify.settings import Settings


def test_local_secret_is_generated_once(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("COGNIFY_SECRET_KEY", raising=False)
    first = Settings(data_dir=tmp_path, env="development")
    second = Settings(data_dir=tmp_path, env="development")
    assert len(first.secret_key) >= 32 and first.secret_key == second.secret_key
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


@pytest.mark.parametrize("env", ["production", "test"])
@pytest.mark.parametrize("secret", ["", "changeme", "secret"])
def test_outside_development_missing_or_placeholder_secret_refuses(
    tmp_path, monkeypatch, secret, env
) -> None:
    monkeypatch.delenv("COGNIFY_SECRET_KEY", raising=False)
    with pytest.raises(ValidationError, match="secret"):
        Settings(data_dir=tmp_path, env=env, secret_key=secret)
    assert not (tmp_path / "secret_key").exists()


def test_short_secret_is_refused(tmp_path) -> None:
    with pytest.raises(ValidationError, match="32 characters"):
        Settings(data_dir=tmp_path, secret_key="too-short-but-not-a-placeholder")


def test_conventional_database_and_redis_urls(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@h/db")
    monkeypatch.setenv("REDIS_URL", "redis://h:1/0")
    settings = Settings(data_dir=tmp_path)
    assert settings.database_url == "postgresql://u@h/db" and settings.redis_url == "redis://h:1/0"


def test_regions_are_read_from_json_and_checked(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("COGNIFY_REGIONS",
                       '{"eu": {"database_url": "postgresql://u@eu/db", "storage_dir": "/srv/eu"},'
                       ' "us-east": {"database_url": "postgresql://u@us/db", "s3_bucket": "b"}}')
    regions = Settings(data_dir=tmp_path).regions
    assert regions["eu"].database_url == "postgresql://u@eu/db"
    assert str(regions["eu"].storage_dir) == "/srv/eu"
    assert regions["us-east"].s3_bucket == "b"
    for bad, message in (('{"EU!": {"database_url": "x", "storage_dir": "/a"}}', "not a region name"),
                         ('{"eu": {"database_url": "x"}}', "storage_dir or s3_bucket"),
                         ('{"eu": {"database_url": "x", "storage_dir": "/a", "s3_bucket": "b"}}',
                          "storage_dir or s3_bucket"),
                         ('{"eu": {"storage_dir": "/a"}}', "database_url")):
        monkeypatch.setenv("COGNIFY_REGIONS", bad)
        with pytest.raises(ValidationError, match=message):
            Settings(data_dir=tmp_path)
