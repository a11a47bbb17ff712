"""Build script: compiles the native core ``tokenlab._core`` from Cython.

Environment switches (read at build time):

* ``TOKENLAB_PURE_PYTHON=1`` skips the extension: the package then runs on the
  pure-Python core and says so when imported.
* ``TOKENLAB_REQUIRE_EXT=1`` makes a failed compile fatal instead of falling back
  (CI sets it, so a broken extension can never land unnoticed).
* ``TOKENLAB_DEBUG=1`` compiles with bounds checks and assertions on.
"""

import os
import sys

from setuptools import setup
from setuptools.command.build_ext import build_ext


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


class OptionalBuildExt(build_ext):
    """Build the extension, and fall back to pure Python unless it is required."""

    def run(self) -> None:
        try:
            super().run()
        except Exception as exc:
            self._fail(exc)

    def build_extension(self, ext) -> None:  # type: ignore[no-untyped-def]
        try:
            super().build_extension(ext)
        except Exception as exc:
            # A library left by an earlier build would otherwise be installed as
            # if it were this one, and fail at import with missing names.
            stale = self.get_ext_fullpath(ext.name)
            if os.path.exists(stale):
                os.remove(stale)
            self._fail(exc)

    def _fail(self, exc: Exception) -> None:
        if _flag("TOKENLAB_REQUIRE_EXT"):
            raise
        sys.stderr.write(
            f"WARNING: building tokenlab._core failed ({exc}); tokenlab will run on its "
            "pure-Python core. Set TOKENLAB_REQUIRE_EXT=1 to make this an error.\n"
        )


def _extensions() -> list:
    if _flag("TOKENLAB_PURE_PYTHON"):
        return []
    try:
        from Cython.Build import cythonize
        from setuptools import Extension
    except ImportError:
        if _flag("TOKENLAB_REQUIRE_EXT"):
            raise
        sys.stderr.write("WARNING: Cython is not installed; building without tokenlab._core.\n")
        return []
    debug = _flag("TOKENLAB_DEBUG")
    extra = ["-O0", "-g"] if debug else ["-O3"]
    ext = Extension(
        "tokenlab._core",
        sources=["tokenlab/_core.pyx"],
        language="c++",
        extra_compile_args=["-std=c++17", *extra],
    )
    directives = {
        "language_level": "3",
        "boundscheck": debug,
        "wraparound": False,
        "initializedcheck": debug,
        "cdivision": True,
        "embedsignature": True,
    }
    return cythonize([ext], compiler_directives=directives, quiet=True)


setup(ext_modules=_extensions(), cmdclass={"build_ext": OptionalBuildExt})
