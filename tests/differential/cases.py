"""The whole differential scenario, in order (later steps use ids captured by earlier ones)."""

from differential import cases_bodies, cases_models, cases_presets, cases_resources
from differential.scenario import Step

SCENARIO: list[Step] = [
    *cases_resources.SETTINGS,
    *cases_resources.GROUPS,
    *cases_resources.CONNECTORS,
    *cases_models.REGISTER,
    *cases_models.UPDATE,
    *cases_models.LIFECYCLE,
    *cases_presets.TITAN_STEPS,
    *cases_presets.PRESET_STEPS,
    *cases_bodies.BODIES,
    *cases_bodies.DOCUMENTS,
]
