# binding.gyp — builds ycdl.node: the addon's C files plus libycdl's own
# sources (from the repository, or deps/ in a packed tarball: see
# scripts/core-sources.js) with its committed protobuf-c code,
# linked against the system's libcurl, libevent, protobuf-c, libcrypto and
# zlib. The core is compiled into the addon: no libycdl.so at run time.
{
  "variables": {
    "ycdl_pkgs": "libcurl libevent_core libevent_pthreads libprotobuf-c libcrypto zlib"
  },
  "targets": [
    {
      "target_name": "ycdl",
      "sources": [
        "src/addon.c",
        "src/args.c",
        "src/errors.c",
        "src/event_object.c",
        "src/group_methods.c",
        "src/session_class.c",
        "src/task_methods.c",
        "src/watch.c",
        "<!@(node scripts/core-sources.js)"
      ],
      "include_dirs": ["<!@(node scripts/core-sources.js --include)"],
      "defines": ["NAPI_VERSION=8"],
      "cflags": ["-fvisibility=hidden"],
      "cflags_c": ["-std=c11", "-Wall", "-Wextra", "<!@(pkg-config --cflags <(ycdl_pkgs))"],
      "libraries": ["<!@(pkg-config --libs <(ycdl_pkgs))", "-pthread"],
      "conditions": [
        ["OS=='linux'", {
          "ldflags": ["-Wl,--version-script=<(module_root_dir)/src/exports.map"]
        }]
      ],
      "xcode_settings": {
        "GCC_C_LANGUAGE_STANDARD": "c11",
        "GCC_SYMBOLS_PRIVATE_EXTERN": "YES",
        "OTHER_CFLAGS": ["<!@(pkg-config --cflags <(ycdl_pkgs))"]
      }
    }
  ]
}
