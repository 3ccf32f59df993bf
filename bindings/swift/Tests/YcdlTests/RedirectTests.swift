// RedirectTests.swift — the seed's 302 story: redirects are followed, each
// hop is reported, and the task stays known by its original URL.
import Foundation
import Testing
@testable import Ycdl

@Suite struct RedirectTests {
    let servers = TestServers.shared

    @Test func followsRedirectChainAndKeepsOriginalURLAsIdentity() async throws {
        let sha = try servers.makeFile("swift-redirected.bin", size: 123_456)
        let session = try openSession("redirect", in: freshDirectory("redirect"))
        defer { session.close() }
        let log = EventLog(session)
        let original = servers.faultURL("redirect/3?to=%2Fswift-redirected.bin&code=302")
        let final = servers.faultURL("swift-redirected.bin")

        let task = try session.startDownload(url: original)
        let file = try await task.finished()

        #expect(try sha256(of: file) == sha)
        let hops = log.events(for: task.key).compactMap { event -> (URL, URL, Int)? in
            if case .redirected(_, let from, let to, let status) = event { return (from, to, status) } else { return nil }
        }
        #expect(hops.count == 4)
        #expect(hops.first?.0 == original)
        #expect(hops.last?.1 == final)
        #expect(hops.allSatisfy { $0.2 == 302 })
        #expect(log.events(for: task.key).contains {
            if case .finished(_, _, _, _, final, _, _) = $0 { return true } else { return false }
        })
        #expect(session.task(url: original) == task)
        #expect(session.task(url: final) == nil)
        let info = try task.info()
        #expect(info.url == original)
        #expect(info.finalURL == final)
    }

    @Test func redirectLoopFailsWithTooManyRedirects() async throws {
        let session = try openSession("loop", in: freshDirectory("loop"))
        defer { session.close() }

        let task = try session.startDownload(url: servers.faultURL("loop"))
        let error = await downloadError { _ = try await task.finished() }

        #expect(error?.code == .tooManyRedirects)
        #expect(error?.isRetryable == false)
    }
}
