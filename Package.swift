// swift-tools-version:5.9
// Package.swift — the Swift package of libycdl. It sits at the repository root
// because SwiftPM reads a manifest only there; everything else lives in
// bindings/swift/ (see bindings/swift/README.md).
//
// The Swift module `Ycdl` reaches the C core through the C module `CYcdl`
// (ycdl.h plus the protobuf-c code generated from proto/ycdl.proto, which
// decodes the events). Where CYcdl comes from depends on the host:
//  - Linux, and macOS with YCDL_PKG_CONFIG=1 in the environment: a system
//    library found with pkg-config, i.e. ycdl.pc from the core's
//    `cmake --install` (bindings/swift/run-tests shows the whole route).
//  - Apple platforms otherwise: CYcdl.xcframework, static libycdl merged with
//    the libraries it needs, built as bindings/swift/README.md describes.
import Foundation
import PackageDescription

#if os(Linux) || os(Windows) || os(Android) || os(FreeBSD)
let coreFromPkgConfig = true
#else
let coreFromPkgConfig = ProcessInfo.processInfo.environment["YCDL_PKG_CONFIG"] == "1"
#endif

let swiftRoot = "bindings/swift"

let core: Target = coreFromPkgConfig
    ? .systemLibrary(
        name: "CYcdl",
        path: "\(swiftRoot)/Sources/CYcdl",
        pkgConfig: "ycdl")
    // A release that publishes the XCFramework replaces this line with
    // .binaryTarget(name: "CYcdl", url: <zip of the release>, checksum: <swift package compute-checksum>).
    : .binaryTarget(name: "CYcdl", path: "\(swiftRoot)/Frameworks/CYcdl.xcframework")

// What the static core in the XCFramework needs from the system. On macOS
// that includes libcurl; on iOS libcurl is inside the XCFramework.
let appleLinkage: [LinkerSetting] = coreFromPkgConfig ? [] : [
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
    targets: [
        core,
        .target(
            name: "Ycdl",
            dependencies: ["CYcdl"],
            path: "\(swiftRoot)/Sources/Ycdl",
            linkerSettings: appleLinkage),
        .testTarget(
            name: "YcdlTests",
            dependencies: ["Ycdl"],
            path: "\(swiftRoot)/Tests/YcdlTests"),
    ],
    // Swift 6 compilers build in the Swift 6 language mode: strict concurrency
    // checking, so the Sendable claims below are checked, not promised.
    swiftLanguageVersions: [.v5, .version("6")]
)
