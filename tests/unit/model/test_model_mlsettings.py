"""Parsing setting values the way OpenSearch does (the recorded real answers cover the messages)."""

import pytest

from mlgitops.model import mlsettings

LIST = mlsettings.BY_NAME["plugins.ml_commons.remote_job.status_field"]
STRING = mlsettings.BY_NAME["plugins.ml_commons.task_dispatch_policy"]
INT = mlsettings.BY_NAME["plugins.ml_commons.max_model_on_node"]
BYTES = mlsettings.BY_NAME["plugins.ml_commons.disk_free_space_threshold"]


def test_values_are_parsed_to_their_types() -> None:
    assert mlsettings.parse_value(LIST, "status") == ["status"]
    assert mlsettings.parse_value(LIST, ["a", 1]) == ["a", "1"]
    assert mlsettings.parse_value(STRING, 5) == "5"
    assert mlsettings.parse_value(INT, "7") == 7
    assert mlsettings.parse_value(BYTES, " 10GB ") == "10gb"
    assert mlsettings.parse_value(BYTES, "-1") == "-1"


@pytest.mark.parametrize("value", [True, [1], "1.5"])
def test_an_integer_setting_refuses_what_is_not_an_integer(value: object) -> None:
    with pytest.raises(mlsettings.SettingValueError, match=r"^Failed to parse value \[.*\] for setting"):
        mlsettings.parse_value(INT, value)


def test_static_and_final_settings_are_not_dynamic() -> None:
    updatability = {s.short: s.updatability for s in mlsettings.SETTINGS_2_19 if s not in mlsettings.DYNAMIC}
    assert updatability == {
        "multi_tenancy_enabled": mlsettings.Updatability.STATIC,
        "remote_metadata_type": mlsettings.Updatability.FINAL,
        "remote_metadata_endpoint": mlsettings.Updatability.FINAL,
        "remote_metadata_region": mlsettings.Updatability.FINAL,
        "remote_metadata_service_name": mlsettings.Updatability.FINAL,
    }
    assert len(mlsettings.DYNAMIC) == 46
