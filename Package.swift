// swift-tools-version:5.9
// Package.swift — the Swift package of libycdl. It sits at the repository root
// because SwiftPM reads a manifest only there; everything else lives in
// bindings/swift/ (see bindings/swift/README.md).
//
// The Swift module `Ycdl` reaches the C core through the C module `CYcdl`
// (ycdl.h plus the protobuf-c code generated from proto/ycdl.proto, which
// decodes the events). Where CYcdl comes from depends on the host:
//  - Linux, and macOS with YCDL_PKG_CONFIG=1 in the environment: SwiftPM
//    compiles the core itself (libycdl/src plus the protobuf-c code committed
//    in libycdl/generated) as a C target, as tree-sitter grammars compile
//    their parser; libcurl, libevent, protobuf-c, libcrypto and zlib are
//    system libraries found with pkg-config. `swift build` is all it takes.
//  - Apple platforms otherwise: CYcdl.xcframework, static libycdl merged with
//    the libraries it needs, built as bindings/swift/README.md describes
//    (iOS has no system libcurl, libevent or protobuf-c to build against).
import Foundation
import PackageDescription

#if os(Linux) || os(Windows) || os(Android) || os(FreeBSD)
let coreFromSource = true
#else
let coreFromSource = ProcessInfo.processInfo.environment["YCDL_PKG_CONFIG"] == "1"
#endif

let swiftRoot = "bindings/swift"

/// A library the core links, found with pkg-config; its module map (in
/// bindings/swift/Sources/SystemLibraries/<name>) only carries the flags.
func systemLibrary(_ name: String, pkgConfig: String, apt: String, brew: String) -> Target {
    .systemLibrary(
        name: name,
        path: "\(swiftRoot)/Sources/SystemLibraries/\(name)",
        pkgConfig: pkgConfig,
        providers: [.apt([apt]), .brew([brew])])
}

// What the CMake build links (CMakeLists.txt: pkg_check_modules), one target
// per pkg-config name.
let systemLibraries: [Target] = [
    systemLibrary("CYcdlCurl", pkgConfig: "libcurl", apt: "libcurl4-openssl-dev", brew: "curl"),
    systemLibrary("CYcdlEventCore", pkgConfig: "libevent_core", apt: "libevent-dev", brew: "libevent"),
    systemLibrary("CYcdlEventPthreads", pkgConfig: "libevent_pthreads", apt: "libevent-dev", brew: "libevent"),
    systemLibrary("CYcdlProtobufC", pkgConfig: "libprotobuf-c", apt: "libprotobuf-c-dev", brew: "protobuf-c"),
    systemLibrary("CYcdlCrypto", pkgConfig: "libcrypto", apt: "libssl-dev", brew: "openssl@3"),
    systemLibrary("CYcdlZlib", pkgConfig: "zlib", apt: "zlib1g-dev", brew: "zlib"),
]

let coreTargets: [Target] = coreFromSource
    ? systemLibraries + [
        // path "." with `sources:` points the target at the core's own
        // folders, so no source list is written down twice. Every .c file
        // sets its own feature macros (_GNU_SOURCE…) and there is no
        // generated config header, so no defines are needed. The public
        // header folder holds symlinks to ycdl.h and ycdl.pb-c.h and the
        // module map. Symbols are not hidden here (unsafe flags would keep
        // the package from being a dependency): the core is linked
        // statically into the app; only the shared library CMake builds
        // limits its exports to ycdl_* (libycdl/ycdl.map).
        .target(
            name: "CYcdl",
            dependencies: systemLibraries.map { .target(name: $0.name) },
            path: ".",
            sources: ["libycdl/src", "libycdl/generated"],
            publicHeadersPath: "\(swiftRoot)/Sources/CYcdl/include",
            cSettings: [.headerSearchPath("libycdl/generated")],
            linkerSettings: [.linkedLibrary("pthread", .when(platforms: [.linux]))]),
        // The ycdl program (cli/), as CMake builds it: the host a session
        // opened with `background: true` starts ($YCDL_HOST_PROGRAM names
        // it), and what the tests use as one. It links the core's string
        // map from CYcdl, hence libycdl/src on its header path. No product:
        // `swift run ycdl-cli` here, and apps depending on the package
        // never build it.
        .executableTarget(
            name: "ycdl-cli",
            dependencies: ["CYcdl"],
            path: ".",
            exclude: ["cli/CMakeLists.txt"],
            sources: ["cli"],
            cSettings: [.headerSearchPath("libycdl/src")]),
    ]
    // A release that publishes the XCFramework replaces this line with
    // .binaryTarget(name: "CYcdl", url: <zip of the release>, checksum: <swift package compute-checksum>).
    : [.binaryTarget(name: "CYcdl", path: "\(swiftRoot)/Frameworks/CYcdl.xcframework")]

// What the static core in the XCFramework needs from the system. On macOS
// that includes libcurl; on iOS libcurl is inside the XCFramework.
let appleLinkage: [LinkerSetting] = coreFromSource ? [] : [
    .linkedLibrary("z"),
    .linkedLibrary("curl", .when(platforms: [.macOS])),
    .linkedFramework("CoreFoundation"),
    .linkedFramework("Security"),
    .linkedFramework("SystemConfiguration"),
]

let package = Package(
    name: "Ycdl",
    platforms: [.macOS(.v14), .iOS(.v15)],
    products: [
        .library(name: "Ycdl", targets: ["Ycdl"]),
    ],
    targets: coreTargets + [
        .target(
            name: "Ycdl",
            dependencies: ["CYcdl"],
            path: "\(swiftRoot)/Sources/Ycdl",
            linkerSettings: appleLinkage),
        // Lists the tasks of a session another process owns, as JSON lines
        // (see its main.swift): the Swift end of cross-binding tests.
        .executableTarget(
            name: "ycdl-swift-list",
            dependencies: ["Ycdl"],
            path: "\(swiftRoot)/Sources/ycdl-swift-list"),
        .testTarget(
            name: "YcdlTests",
            dependencies: ["Ycdl"],
            path: "\(swiftRoot)/Tests/YcdlTests"),
    ],
    // Swift 6 compilers build in the Swift 6 language mode: strict concurrency
    // checking, so the Sendable claims below are checked, not promised.
    swiftLanguageVersions: [.v5, .version("6")],
    // As CMake compiles the core (CMAKE_C_STANDARD 11, no extensions).
    cLanguageStandard: .c11
)
