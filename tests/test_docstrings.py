"""Every ``>>>`` example in tokenlab's docstrings runs and prints what it shows."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import tokenlab

MODULES = sorted(
    m.name
    for m in pkgutil.walk_packages(tokenlab.__path__, "tokenlab.")
    if m.name != "tokenlab.__main__"
)


@pytest.mark.parametrize("name", ["tokenlab", *MODULES])
def test_examples(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS, verbose=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {name}"
