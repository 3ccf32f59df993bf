// Fixtures.swift — sessions in fresh state directories, with the short
// retries and frequent progress the tests want.
import Foundation
@testable import Ycdl

/// A fresh directory for one test's session state and downloads.
func freshDirectory(_ name: String) throws -> URL {
    let dir = TestServers.workDirectory.appendingPathComponent("sessions")
        .appendingPathComponent("\(name)-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir
}

func testConfiguration(_ dir: URL) -> DownloadSession.Configuration {
    var configuration = DownloadSession.Configuration()
    configuration.downloadDirectory = dir
    configuration.progressInterval = 0.05
    configuration.retryBaseDelay = 0.05
    configuration.retryMaxDelay = 0.4
    configuration.connectTimeout = 5
    configuration.lowSpeedTimeout = 5
    return configuration
}

/// A session named `name` whose state and downloads go to `dir`.
func openSession(_ name: String, in dir: URL, mode: DownloadSession.OpenMode = .own, background: Bool = false,
                 _ adjust: (inout DownloadSession.Configuration) -> Void = { _ in }) throws -> DownloadSession
{
    var configuration = testConfiguration(dir)
    adjust(&configuration)
    return try DownloadSession(identifier: name, stateDirectory: dir, mode: mode, background: background,
                               configuration: configuration)
}

/// Options that add a task without starting it.
func pausedOptions() -> DownloadOptions {
    var options = DownloadOptions()
    options.startsPaused = true
    return options
}

/// Runs `body`, expecting it to throw a DownloadError, and returns it.
func downloadError(_ body: () throws -> Void) -> DownloadError? {
    do {
        try body()
    } catch let error as DownloadError {
        return error
    } catch {
        return nil
    }
    return nil
}

func downloadError(_ body: () async throws -> Void) async -> DownloadError? {
    do {
        try await body()
    } catch let error as DownloadError {
        return error
    } catch {
        return nil
    }
    return nil
}

/// Polls `condition` every 10 ms; fails after `timeout` seconds.
func waitUntil(_ what: String, timeout: Double = 10, _ condition: () -> Bool) async throws {
    let deadline = Date().addingTimeInterval(timeout)
    while !condition() {
        guard Date() < deadline else { throw TestFailure("not \(what) within \(timeout) s") }
        try await Task.sleep(nanoseconds: 10_000_000)
    }
}
