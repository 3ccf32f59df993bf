# Typing stub for the cffi extension built from build_ffi.py: its `lib` holds
# the C functions and constants of ycdl.h, `ffi` the cffi helpers.
from typing import Any

ffi: Any
lib: Any
