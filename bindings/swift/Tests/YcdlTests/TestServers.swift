// TestServers.swift — nginx and the project's fault server, started once per
// test process with tests/servers/testservers.py and stopped when it exits.
import Foundation
#if canImport(Glibc)
import Glibc
#endif

struct TestServers: Sendable {
    let nginx: String
    let fault: String
    let www: URL
    let directory: URL

    /// Started by the first test that needs them.
    static let shared: TestServers = start()

    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// bindings/swift/run-tests names a directory (and stops the servers in it
    /// even after a crash); a bare `swift test` gets a temporary one.
    static let workDirectory: URL = {
        if let dir = ProcessInfo.processInfo.environment["YCDL_SWIFT_TEST_DIR"] {
            return URL(fileURLWithPath: dir)
        }
        return FileManager.default.temporaryDirectory
            .appendingPathComponent("ycdl-swift-tests-\(ProcessInfo.processInfo.processIdentifier)")
    }()

    private static func start() -> TestServers {
        let directory = workDirectory.appendingPathComponent("servers")
        do {
            try runServerScript("start", directory)
            let env = try parseEnv(directory.appendingPathComponent("servers.env"))
            atexit { try? TestServers.runServerScript("stop", TestServers.workDirectory.appendingPathComponent("servers")) }
            return TestServers(nginx: env["NGINX_URL"] ?? "", fault: env["FAULT_URL"] ?? "",
                               www: URL(fileURLWithPath: env["WWW_DIR"] ?? ""), directory: directory)
        } catch {
            fatalError("cannot start the test servers: \(error)")
        }
    }

    private static func runServerScript(_ action: String, _ directory: URL) throws {
        let script = repositoryRoot.appendingPathComponent("tests/servers/testservers.py").path
        let status = try spawnAndWait(["python3", script, action, "--dir", directory.path])
        guard status == 0 else {
            throw TestFailure("testservers.py \(action) exited with \(status)")
        }
    }

    private static func parseEnv(_ file: URL) throws -> [String: String] {
        let text = try String(contentsOf: file, encoding: .utf8)
        var env: [String: String] = [:]
        for line in text.split(separator: "\n") {
            guard let equals = line.firstIndex(of: "=") else { continue }
            env[String(line[..<equals])] = String(line[line.index(after: equals)...])
        }
        return env
    }

    func nginxURL(_ path: String) -> URL { URL(string: "\(nginx)/\(path)")! }
    func faultURL(_ path: String) -> URL { URL(string: "\(fault)/\(path)")! }

    /// Writes www/<name> with `size` bytes that depend only on the name, and
    /// returns their SHA-256.
    @discardableResult
    func makeFile(_ name: String, size: Int) throws -> String {
        let file = www.appendingPathComponent(name)
        try deterministicBytes(seed: name, count: size).write(to: file)
        return try sha256(of: file)
    }
}

/// Runs a program and returns its exit status. Foundation's Process would
/// hand the child the signal mask of the calling thread — Swift's worker
/// threads block SIGTERM — so a server started through it could never be
/// stopped; posix_spawn here gives the child an empty mask instead.
func spawnAndWait(_ arguments: [String]) throws -> Int32 {
    try waitForExit(spawnQuietly(arguments))
}

/// Starts a program as spawnAndWait does (empty signal mask, stdout to
/// /dev/null) and returns its pid without waiting.
func spawnQuietly(_ arguments: [String]) throws -> pid_t {
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var noSignals = sigset_t()
    sigemptyset(&noSignals)
    var defaultSignals = sigset_t()
    sigemptyset(&defaultSignals)
    sigaddset(&defaultSignals, SIGPIPE)
    posix_spawnattr_setsigmask(&attributes, &noSignals)
    posix_spawnattr_setsigdefault(&attributes, &defaultSignals)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

    // Quiet: the scripts' chatter would mix with the test report.
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)

    let argv = arguments.map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    var pid = pid_t()
    let spawned = posix_spawnp(&pid, arguments[0], &actions, &attributes, argv, environ)
    guard spawned == 0 else { throw TestFailure("cannot run \(arguments[0]): error \(spawned)") }
    return pid
}

/// Waits for a child and returns its exit status (-1 when a signal ended it).
func waitForExit(_ pid: pid_t) -> Int32 {
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    // WIFEXITED / WEXITSTATUS, which Swift does not import.
    return status & 0x7f == 0 ? (status >> 8) & 0xff : -1
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// xorshift64 seeded with the FNV-1a hash of `seed`.
func deterministicBytes(seed: String, count: Int) -> Data {
    var state: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in seed.utf8 {
        state = (state ^ UInt64(byte)) &* 0x100_0000_01b3
    }
    var bytes = [UInt8](repeating: 0, count: count)
    for index in 0..<count {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        bytes[index] = UInt8(truncatingIfNeeded: state)
    }
    return Data(bytes)
}

/// SHA-256 by coreutils' sha256sum: an implementation independent of the one
/// inside libycdl that reports the finished file's hash.
func sha256(of file: URL) throws -> String {
    let process = Process()
    let output = Pipe()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["sha256sum", file.path]
    process.standardOutput = output
    try process.run()
    let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    guard process.terminationStatus == 0, let hash = text.split(separator: " ").first else {
        throw TestFailure("sha256sum \(file.path) failed")
    }
    return String(hash)
}
