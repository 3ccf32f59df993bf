// URLProviderTests.swift — Configuration.urlProvider: a task whose URL
// answers 403 gets the provider's URL through setURL, once; nil leaves it
// waiting for a URL; a thrown error leaves it waiting and reaches
// urlProviderFailed.
import Foundation
import Testing
@testable import Ycdl

@Suite struct URLProviderTests {
    let servers = TestServers.shared

    /// The keys a provider was called with, in order.
    final class Calls: Sendable {
        private let keys = Locked([String]())
        func append(_ key: String) { keys.withLock { $0.append(key) } }
        var all: [String] { keys.withLock { $0 } }
    }

    struct NoLink: Error {}

    @Test func providerRefreshesAnExpiredURLOnce() async throws {
        let sha = try servers.makeFile("swift-up.bin", size: 300_000)
        let fresh = servers.faultURL("swift-up.bin?id=swift-up-2")
        let calls = Calls()
        let session = try openSession("up", in: freshDirectory("up")) {
            $0.urlRefreshStatuses = [403]
            $0.urlProvider = { task in
                calls.append(task.key)
                try await Task.sleep(nanoseconds: 10_000_000)
                return fresh
            }
        }
        defer { session.close() }
        let task = try session.startDownload(url: servers.faultURL("swift-up.bin?id=swift-up&always=403"))

        #expect(try sha256(of: await task.finished()) == sha)
        #expect(calls.all == [task.key])
        #expect(try task.info().requestURL == fresh)
    }

    @Test func providerAnsweringNilLeavesTheTaskWaiting() async throws {
        let sha = try servers.makeFile("swift-up-nil.bin", size: 100_000)
        let calls = Calls()
        let session = try openSession("up-nil", in: freshDirectory("up-nil")) {
            $0.urlRefreshStatuses = [403]
            $0.urlProvider = { task in
                calls.append(task.key)
                return nil
            }
        }
        defer { session.close() }
        let task = try session.startDownload(url: servers.faultURL("swift-up-nil.bin?id=swift-up-nil&always=403"))

        try await waitUntil("the provider was called") { calls.all == [task.key] }
        try await Task.sleep(nanoseconds: 300_000_000)
        #expect(try task.info().status == .waitingForURL)
        #expect(calls.all == [task.key])
        try task.setURL(servers.faultURL("swift-up-nil.bin?id=swift-up-nil-2"))   // the app still may
        #expect(try sha256(of: await task.finished()) == sha)
    }

    @Test func providerThatThrowsLeavesTheTaskWaitingAndIsReported() async throws {
        _ = try servers.makeFile("swift-up-throw.bin", size: 100_000)
        let failures = Locked([(key: String, error: any Error)]())
        let session = try openSession("up-throw", in: freshDirectory("up-throw")) {
            $0.urlRefreshStatuses = [403]
            $0.urlProvider = { _ in throw NoLink() }
            $0.urlProviderFailed = { task, error in failures.withLock { $0.append((task.key, error)) } }
        }
        defer { session.close() }
        let task = try session.startDownload(url: servers.faultURL("swift-up-throw.bin?id=swift-up-throw&always=403"))

        try await waitUntil("the failure was reported") { failures.withLock { !$0.isEmpty } }
        try await Task.sleep(nanoseconds: 200_000_000)
        let reported = failures.withLock { $0 }
        #expect(reported.count == 1)
        #expect(reported.first?.key == task.key && reported.first?.error is NoLink)
        #expect(try task.info().status == .waitingForURL)
    }

    @Test func aURLSetURLRefusesIsReported() async throws {
        _ = try servers.makeFile("swift-up-ftp.bin", size: 100_000)
        let failures = Locked([any Error]())
        let session = try openSession("up-ftp", in: freshDirectory("up-ftp")) {
            $0.urlRefreshStatuses = [403]
            $0.urlProvider = { _ in URL(string: "ftp://127.0.0.1/x.bin")! }
            $0.urlProviderFailed = { _, error in failures.withLock { $0.append(error) } }
        }
        defer { session.close() }
        let task = try session.startDownload(url: servers.faultURL("swift-up-ftp.bin?id=swift-up-ftp&always=403"))

        try await waitUntil("the failure was reported") { failures.withLock { !$0.isEmpty } }
        #expect((failures.withLock { $0.first } as? DownloadError)?.code == .refusedProtocol)
        #expect(try task.info().status == .waitingForURL)
    }

    @Test func aProviderNeedsEvents() throws {
        let error = downloadError {
            _ = try openSession("up-no-events", in: freshDirectory("up-no-events")) {
                $0.urlProvider = { _ in nil }
                $0.receivesEvents = false
            }
        }
        #expect(error?.code == .invalidArgument)
    }
}
