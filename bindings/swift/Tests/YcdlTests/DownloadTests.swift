// DownloadTests.swift — whole downloads: the bytes, the file's name, the
// events in order, and a failure as a typed error.
import Foundation
import Testing
@testable import Ycdl

@Suite struct DownloadTests {
    let servers = TestServers.shared

    @Test func downloadsByteIdenticalFileAndReportsEachStep() async throws {
        let size = 3 * 1024 * 1024 + 17
        let sha = try servers.makeFile("swift-basic.bin", size: size)
        let dir = try freshDirectory("basic")
        let session = try openSession("basic", in: dir)
        let log = EventLog(session)
        let url = servers.nginxURL("swift-basic.bin")

        let task = try session.startDownload(url: url)
        let file = try await task.finished()

        #expect(try sha256(of: file) == sha)
        #expect(task.key.count == 32)  // the MD5 of the URL
        #expect(file.path == dir.appendingPathComponent("\(task.key).bin").path)
        #expect(!FileManager.default.fileExists(atPath: file.path + ".part"))
        // Asking again once finished answers at once with the same file.
        #expect(try await task.finished() == file)
        try await log.wait("all tasks finished") { $0.isAllTasksFinished }
        session.close()
        await log.finish()

        let steps = log.events(for: task.key).filter { !$0.isProgress(task.key) }
        #expect(steps == [
            .taskAdded(key: task.key, url: url, destination: file, fileID: nil, metadata: DownloadMetadata(),
                       status: .waiting),
            .statusChanged(key: task.key, from: .waiting, to: .downloading),
            .resumabilityKnown(key: task.key, isResumable: true, reason: steps.resumabilityReason),
            .statusChanged(key: task.key, from: .downloading, to: .finished),
            .finished(key: task.key, fileURL: file, size: UInt64(size), sha256: sha, finalURL: url,
                      fileID: nil, fileName: nil),
        ])
        let progress = log.events(for: task.key).compactMap(\.progress)
        #expect(!progress.isEmpty)
        #expect(progress.last?.totalBytesExpected == Int64(size))
        #expect(progress.map(\.bytesWritten).reduce(0, +) == progress.last?.totalBytesWritten)
        #expect(log.events.first == .sessionRestored(tasksFound: 0, tasksQuarantined: 0, quarantinePath: nil))
        #expect(log.events.last == .allTasksFinished(AllTasksFinished(finished: 1, failed: 0, paused: 0)))
    }

    @Test func everyEventsStreamSeesTheSameEvents() async throws {
        try servers.makeFile("swift-two-streams.bin", size: 200_000)
        let session = try openSession("two-streams", in: freshDirectory("two-streams"))
        let first = EventLog(session)
        let second = EventLog(session)

        _ = try await session.startDownload(url: servers.nginxURL("swift-two-streams.bin")).finished()
        try await first.wait("all tasks finished") { $0.isAllTasksFinished }
        session.close()
        await first.finish()
        await second.finish()

        #expect(first.events.count >= 5)
        #expect(first.events == second.events)
    }

    @Test func fileIDNamesTheTaskAndTheFile() async throws {
        try servers.makeFile("swift-named.mp4", size: 1000)
        let dir = try freshDirectory("named")
        let session = try openSession("named", in: dir)
        defer { session.close() }

        let task = try session.startDownload(url: servers.nginxURL("swift-named.mp4?x=1"), fileID: "episode-42")
        let file = try await task.finished()

        #expect(task.key == "episode-42")
        #expect(file.path == dir.appendingPathComponent("episode-42.mp4").path)
        #expect(session.task(fileID: "episode-42") == task)
        // The same URL again gives back the existing task.
        #expect(try session.startDownload(url: servers.nginxURL("swift-named.mp4?x=1")) == task)
    }

    @Test func sha256CanBeLeftOut() async throws {
        let sha = try servers.makeFile("swift-nohash.bin", size: 200_000)
        let dir = try freshDirectory("nohash")
        let session = try openSession("nohash", in: dir) { $0.computesSHA256 = false }
        defer { session.close() }

        let task = try session.startDownload(url: servers.nginxURL("swift-nohash.bin"))
        let file = try await task.finished()

        #expect(try sha256(of: file) == sha)
        #expect(try task.info().sha256 == nil)
    }

    @Test func missingFileThrowsHTTPErrorWithStatus() async throws {
        let session = try openSession("missing", in: freshDirectory("missing"))
        defer { session.close() }
        let log = EventLog(session)

        let task = try session.startDownload(url: servers.nginxURL("swift-does-not-exist.bin"))
        let error = await downloadError { _ = try await task.finished() }

        #expect(error?.code == .http)
        #expect(error?.httpStatus == 404)
        #expect(error?.isRetryable == false)
        #expect(try task.info().status == .failed)
        #expect(try task.info().error?.code == .http)
        #expect(!log.events.contains { if case .retrying = $0 { return true } else { return false } })
    }

    @Test func stoppedTaskEndsItsWaiterWithCanceled() async throws {
        try servers.makeFile("swift-stop.bin", size: 1_000_000)
        let session = try openSession("stop", in: freshDirectory("stop"))
        defer { session.close() }
        let log = EventLog(session)
        let url = servers.faultURL("swift-stop.bin?rate=200000")

        let task = try session.startDownload(url: url)
        try await log.wait("progress") { $0.isProgress(task.key) }
        async let outcome = downloadError { _ = try await task.finished() }
        try session.stop(url: url)

        #expect(await outcome?.code == .canceled)
        #expect(try task.info().status == .failed)
    }

    @Test func taskStartedAgainBeforeItsRemovalIsDeliveredIsNotEndedByIt() async throws {
        let sha = try servers.makeFile("swift-readd.bin", size: 300_000)
        let session = try openSession("readd", in: freshDirectory("readd"))
        defer { session.close() }
        // Slow enough that the first download is still running when it is
        // removed, also under the load of the other suites.
        let url = servers.faultURL("swift-readd.bin?rate=200000")
        let first = try session.startDownload(url: url, fileID: "readd")

        // Holds the event queue at the first progress report: the removed
        // event comes only after the second task has its waiter.
        let (held, hold) = AsyncStream.makeStream(of: Void.self)
        let release = DispatchSemaphore(value: 0)
        // Runs before the close: a failure below must not leave the queue held.
        defer { release.signal() }
        let holding = Locked(true)
        session.hub.observe { event in
            let first = event.isProgress("readd") && holding.withLock { holding in
                defer { holding = false }
                return holding
            }
            guard first else { return }
            hold.yield()
            release.wait()
        }
        var heldIterator = held.makeAsyncIterator()
        _ = await heldIterator.next()
        async let firstOutcome = downloadError { _ = try await first.finished() }
        // The waiter must be in place before the removal (a sleep was not
        // enough under the load of the other suites running in parallel).
        try await waitUntil("the first waiter is in place") { session.hub.counts.waiters == 1 }
        try first.remove()
        let second = try session.startDownload(url: url, fileID: "readd")
        async let file = second.finished()
        // The second waiter is in place before the removal is delivered.
        try await waitUntil("the second waiter is in place") { session.hub.counts.waiters == 1 }
        release.signal()

        #expect(await firstOutcome?.code == .canceled)
        #expect(try sha256(of: await file) == sha)
    }
}

extension DownloadEvent {
    var progress: DownloadProgress? {
        if case .progress(_, let progress) = self { return progress }
        return nil
    }
}

extension Array where Element == DownloadEvent {
    /// The reason text of the resumability event, which the tests do not pin.
    var resumabilityReason: String {
        for case .resumabilityKnown(_, _, let reason) in self { return reason }
        return ""
    }
}
