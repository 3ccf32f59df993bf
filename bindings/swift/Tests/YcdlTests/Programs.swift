// Programs.swift — the package's executables (the ycdl program as ycdl-cli,
// ycdl-swift-list) as the tests run them, and a plain HTTP GET by curl.
import Foundation

enum Programs {
    /// SwiftPM puts every product of the package beside the test bundle.
    static let directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()

    /// The ycdl program; $YCDL_HOST_PROGRAM overrides it, as for the core.
    static var ycdl: String {
        ProcessInfo.processInfo.environment["YCDL_HOST_PROGRAM"]
            ?? directory.appendingPathComponent("ycdl-cli").path
    }

    static var list: String { directory.appendingPathComponent("ycdl-swift-list").path }

    /// Runs a program to its end and returns its exit status and output.
    /// (Foundation's Process is fine here: these children end by themselves.)
    static func run(_ arguments: [String], environment: [String: String] = [:]) throws
        -> (status: Int32, output: String)
    {
        let process = Process()
        let output = Pipe()
        process.executableURL = URL(fileURLWithPath: arguments[0])
        process.arguments = Array(arguments.dropFirst())
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardOutput = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, text)
    }

    /// GET by curl (not libycdl): what a test server says about a request.
    static func get(_ url: URL) throws -> String {
        let (status, text) = try run(["/usr/bin/env", "curl", "-sf", url.absoluteString])
        guard status == 0 else { throw TestFailure("curl \(url) exited with \(status)") }
        return text
    }
}

/// Whether a process still exists (kill with signal 0).
func processExists(_ pid: Int32) -> Bool {
    kill(pid, 0) == 0 || errno == EPERM
}
