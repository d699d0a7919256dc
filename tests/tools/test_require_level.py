"""A sandbox level this machine lacks skips its tests, but fails them under
PLAYGROUND_TEST_REQUIRE_ALL=1 (CI), so a machine without bubblewrap cannot pass without
running the hostile-program tests. The level is made really unavailable: PATH holds no tools."""

from __future__ import annotations

import pytest

from tests.requirements import REQUIRE_ALL
from tests.tools.conftest import require_level
from tools.isolation import check_level


@pytest.fixture
def bare_path(tmp_path, monkeypatch):
    """PATH without any sandbox tool; the cached level checks are probed again on it, and after."""
    empty = tmp_path / "no-tools"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    check_level.cache_clear()
    yield
    check_level.cache_clear()


@pytest.mark.parametrize("level", ["bwrap", "unshare"])
def test_a_missing_level_skips_outside_ci(level, bare_path, monkeypatch):
    monkeypatch.delenv(REQUIRE_ALL, raising=False)
    with pytest.raises(pytest.skip.Exception, match=f"isolation level '{level}' is not available.*not installed"):
        require_level(level)


@pytest.mark.parametrize("level", ["bwrap", "unshare"])
def test_a_missing_level_fails_under_require_all(level, bare_path, monkeypatch):
    monkeypatch.setenv(REQUIRE_ALL, "1")
    with pytest.raises(pytest.fail.Exception, match=f"isolation level '{level}' is not available.*setup.sh"):
        require_level(level)


def test_an_available_level_neither_skips_nor_fails(monkeypatch):
    monkeypatch.setenv(REQUIRE_ALL, "1")
    assert require_level("subprocess") is None  # always there: the level without isolation
