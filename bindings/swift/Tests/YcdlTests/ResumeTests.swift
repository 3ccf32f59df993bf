// ResumeTests.swift — pause and resume ("断点续传"): continuing at the exact
// offset where the server allows it, starting again from zero where not.
import Foundation
import Testing
@testable import Ycdl

@Suite struct ResumeTests {
    let servers = TestServers.shared
    let size = 1_500_000

    /// Waits for some progress, pauses, and returns the bytes the task holds.
    private func pauseAfterProgress(_ task: DownloadTask, _ log: EventLog) async throws -> UInt64 {
        try await log.wait("progress") { $0.isProgress(task.key) }
        try task.pause()
        try await log.wait("paused") { $0.isStatus(task.key, .paused) }
        let info = try task.info()
        #expect(info.status == .paused)
        return info.bytesWritten
    }

    @Test func pauseKeepsBytesAndResumeContinuesAtThatOffset() async throws {
        let sha = try servers.makeFile("swift-resume.bin", size: size)
        let session = try openSession("resume", in: freshDirectory("resume"))
        defer { session.close() }
        let log = EventLog(session)
        let url = servers.faultURL("swift-resume.bin?rate=600000")

        let task = try session.startDownload(url: url)
        let held = try await pauseAfterProgress(task, log)
        #expect(held > 0 && held < UInt64(size))
        #expect(try task.info().isResumable == true)
        let resumeFrom = log.count
        try session.resume(url: url)

        let resumed = try await log.wait(from: resumeFrom, "resumed") {
            if case .resumedAtOffset(task.key, _, _) = $0 { return true } else { return false }
        }
        #expect(resumed == .resumedAtOffset(key: task.key, offset: held, expectedTotalBytes: Int64(size)))
        #expect(try sha256(of: await task.finished()) == sha)
        #expect(!log.events.contains { if case .restarted = $0 { return true } else { return false } })
    }

    @Test func serverWithoutRangesRestartsFromZeroAndSaysSo() async throws {
        let sha = try servers.makeFile("swift-norange.bin", size: size)
        let session = try openSession("norange", in: freshDirectory("norange"))
        defer { session.close() }
        let log = EventLog(session)

        let task = try session.startDownload(url: servers.faultURL("swift-norange.bin?rate=600000&norange=1"))
        let held = try await pauseAfterProgress(task, log)
        #expect(try task.info().isResumable == false)
        try task.resume()
        let file = try await task.finished()

        #expect(try sha256(of: file) == sha)
        let restarted = log.events(for: task.key).compactMap { event -> UInt64? in
            if case .restarted(_, _, let discarded) = event { return discarded } else { return nil }
        }
        #expect(restarted == [held])
        #expect(log.events(for: task.key).contains(
            .resumabilityKnown(key: task.key, isResumable: false, reason: log.events(for: task.key).resumabilityReason)))
    }
}
