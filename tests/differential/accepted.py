"""Accepted differences between the engine and ML Commons 2.19.1: step -> (paths, reason).

A path is a prefix of the difference path (``.body.error.reason``); ``*`` accepts every difference of
the step. Every entry must still be needed: the test fails on an entry that no longer differs.
README.md shows the same table to users.
"""

_REASON = (".body.error.reason", ".body.error.root_cause[0].reason")
ACCEPTED: dict[str, tuple[tuple[str, ...], str]] = {
    "doc_delete_missing": (
        (".body._version",),
        "a shard keeps a tombstone and counts versions of a deleted document; the engine forgets it",
    ),
    "doc_put_conflict": (
        _REASON,
        "the current seqNo in the message: the engine numbers writes with one sequence for the whole "
        "store, a shard per index; clients only send back the number they were given",
    ),
    "model_update_inline_on_standalone": (
        ("*",),
        "2.19.1 fails with a NullPointerException (HTTP 500); the engine gives the refusal the code "
        "intends (400 'Cannot update connector settings for this model. The model was created with a "
        "connector_id and does not have an inline connector.')",
    ),
}
