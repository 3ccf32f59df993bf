"""setup.py - builds the ycdl package from this repository.

Three steps, all at build time, so the installed package needs nothing from
the environment at run time:

1. CMake builds libycdl's static library (position-independent) from the
   repository root into the build's temporary directory.
2. cffi (API mode) generates the C source of ycdl._native from build_ffi.py;
   it is compiled against ycdl.h and linked with libycdl.a plus the system
   libraries that libycdl's own ycdl.pc names (found with pkg-config).
The protobuf module ycdl_pb2 (and its typing stub ycdl_pb2.pyi) is not
generated here: both are committed in ycdl/, made from proto/ycdl.proto by
./generate-protobuf (Debian's protoc 3.21 and mypy-protobuf), and
tests/test_generated.py fails when they no longer match the .proto. So the
build needs no protoc, and the runtime needs a `protobuf` that reads code of
that generator (PROTOBUF_REQUIREMENT).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from build_ffi import make_ffibuilder  # noqa: E402


def find_repository_root() -> Path:
    """The libycdl checkout this binding lives in (two levels up)."""
    for candidate in (HERE, *HERE.parents):
        if (candidate / "libycdl" / "include" / "ycdl.h").is_file() and \
                (candidate / "proto" / "ycdl.proto").is_file():
            return candidate
    raise SystemExit("ycdl: cannot find the libycdl sources above %s; build the "
                     "binding from a libycdl checkout (pip install ./bindings/python)"
                     % HERE)


ROOT = find_repository_root()


def core_version() -> str:
    """The package version is the C library's (YCDL_VERSION_STRING)."""
    header = (ROOT / "libycdl" / "include" / "ycdl.h").read_text()
    match = re.search(r'#define YCDL_VERSION_STRING "([^"]+)"', header)
    if not match:
        raise SystemExit("ycdl: no YCDL_VERSION_STRING in ycdl.h")
    return match.group(1)


# ------------------------------------------------------------------ protobuf

# ycdl_pb2.py comes from protoc 3.21 (the builder API, no runtime version
# check). The Python protobuf of that release, 4.21.12, is the oldest that
# reads it; 5.x, 6.x and 7.x read it too (tested with each). A protobuf 8
# might drop such old generated code: the next major is excluded until it is
# tried. Regenerating with another protoc means revisiting this line.
PROTOBUF_REQUIREMENT = "protobuf>=4.21.12,<8"


def check_protobuf_module() -> None:
    for name in ("ycdl_pb2.py", "ycdl_pb2.pyi"):
        if not (HERE / "ycdl" / name).is_file():
            raise SystemExit("ycdl: ycdl/%s is missing; run bindings/python/generate-protobuf"
                             % name)


# -------------------------------------------------------------------- libycdl

def run(command: list[str]) -> None:
    print("ycdl: " + " ".join(command), flush=True)
    subprocess.run(command, check=True)


def build_libycdl(build_dir: Path) -> Path:
    """Builds libycdl.a (and ycdl.pc) in build_dir with CMake."""
    jobs = os.environ.get("YCDL_BUILD_JOBS", "2")
    run(["cmake", "-S", str(ROOT), "-B", str(build_dir), "-DCMAKE_BUILD_TYPE=Release",
         "-DYCDL_BUILD_TESTS=OFF", "-DYCDL_BUILD_CLI=OFF"])
    run(["cmake", "--build", str(build_dir), "--target", "ycdl_static", "-j", jobs])
    return build_dir


def pkg_config(*args: str) -> list[str]:
    out = subprocess.run(["pkg-config", *args], check=True, stdout=subprocess.PIPE,
                         text=True).stdout
    return out.split()


def system_link_flags(ycdl_pc: Path) -> list[str]:
    """Linker flags for the libraries libycdl needs, as its ycdl.pc names them.

    Only the packages are taken from ycdl.pc (its own -lycdl points at an
    install prefix; the static library is linked by path instead), and they
    are linked as shared libraries, the way Debian ships them.
    """
    packages = []
    for option in ("--print-requires", "--print-requires-private"):
        lines = subprocess.run(["pkg-config", option, str(ycdl_pc)], check=True,
                               stdout=subprocess.PIPE, text=True).stdout.splitlines()
        packages += [line.split()[0] for line in lines if line.strip()]
    return pkg_config("--libs", *packages)


def split_link_flags(flags: list[str]) -> tuple[list[str], list[str], list[str]]:
    """(libraries, library_dirs, other flags) from pkg-config's --libs."""
    libraries = [f[2:] for f in flags if f.startswith("-l")]
    library_dirs = [f[2:] for f in flags if f.startswith("-L")]
    other = [f for f in flags if not f.startswith(("-l", "-L"))]
    return libraries, library_dirs, other


# ----------------------------------------------------------------- commands

class BuildPy(build_py):
    """Copies the package, ycdl_pb2 and its stub included."""

    def run(self) -> None:
        check_protobuf_module()
        # pip builds in this directory: start from an empty package folder so
        # that a module deleted from the sources never lingers in a wheel.
        shutil.rmtree(Path(self.build_lib) / "ycdl", ignore_errors=True)
        super().run()


class BuildExt(build_ext):
    """Builds libycdl, then the cffi extension linked against it."""

    def run(self) -> None:
        temp = Path(self.build_temp).resolve()
        core = build_libycdl(temp / "libycdl")
        libraries, library_dirs, other = split_link_flags(system_link_flags(core / "ycdl.pc"))
        c_source = temp / "ycdl._native.c"
        c_source.parent.mkdir(parents=True, exist_ok=True)
        make_ffibuilder().emit_c_code(str(c_source))
        native = self.extensions[0]
        native.sources = [str(c_source)]
        native.include_dirs = [str(ROOT / "libycdl" / "include")]
        native.extra_objects = [str(core / "libycdl.a")]
        native.depends = [str(core / "libycdl.a")]
        native.libraries = libraries
        native.library_dirs = library_dirs
        # libycdl's symbols stay inside the extension: another copy of the
        # library loaded in the same process never binds to them.
        native.extra_link_args = sorted(set(other) | {"-pthread"}) + ["-Wl,--exclude-libs,ALL"]
        super().run()


setup(
    version=core_version(),
    install_requires=["cffi>=1.15", PROTOBUF_REQUIREMENT],
    packages=["ycdl"],
    package_data={"ycdl": ["py.typed", "*.pyi"]},
    ext_modules=[Extension("ycdl._native", sources=[])],
    cmdclass={"build_py": BuildPy, "build_ext": BuildExt},
    zip_safe=False,
)
