"""The allocator settings long-running processes apply at start."""

from __future__ import annotations

import platform

import pytest

from streams.allocator import tune_allocator

glibc_only = pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="mallopt is glibc's")


@glibc_only
def test_glibc_accepts_the_fixed_mmap_threshold_and_arena_cap() -> None:
    assert tune_allocator() is True
