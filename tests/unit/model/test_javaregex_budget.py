"""Matching Java regexes cannot hang: catastrophic backtracking runs out of a time budget."""

import time

import pytest

from mlgitops.model.javaregex import JavaRegexTimeoutError, full_match, match_any, matches_any

NEAR_MISS = "https://" + "a" * 40 + ".com/v1"
CATASTROPHIC = [
    r"^https://(a|aa)+$",
    r"^https://(\w|[a-z])+\.example\.com/.*$",
    r"^https://(?:[a-z]|[a-z])+\.example\.com/.*$",
]


@pytest.mark.parametrize("pattern", CATASTROPHIC)
def test_catastrophic_backtracking_times_out_within_a_second(pattern: str) -> None:
    started = time.monotonic()
    with pytest.raises(
        JavaRegexTimeoutError, match=r"^matching took over 0\.25 s \(catastrophic backtracking"
    ):
        full_match(pattern, NEAR_MISS)
    assert time.monotonic() - started < 1.0


def test_nested_quantifiers_that_hang_java_are_answered_at_once() -> None:
    started = time.monotonic()
    assert not full_match(r"^https://(a+)+$", "https://" + "a" * 60 + "!")
    assert full_match(r"^https://(a+)+$", "https://aaaa")
    assert time.monotonic() - started < 0.5


def test_java_only_constructs_still_match() -> None:
    assert full_match(r"^https://a++b(?=c)(?<=b)c(?>x|y)$", "https://aabcx")
    assert not full_match(r"^https://a++a$", "https://aaa")  # possessive: gives nothing back


def test_match_any_lists_the_patterns_that_ran_out_of_time() -> None:
    slow, fine = CATASTROPHIC[0], r"^https://a+\.com/.*$"
    assert match_any([slow, "[invalid", fine], NEAR_MISS).matched
    outcome = match_any([slow, "[invalid"], NEAR_MISS)
    assert outcome == match_any([slow], NEAR_MISS)
    assert not outcome.matched
    assert outcome.timed_out == (slow,)
    assert not matches_any([slow], NEAR_MISS)
