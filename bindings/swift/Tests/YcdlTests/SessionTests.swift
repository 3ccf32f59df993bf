// SessionTests.swift — the session itself: one process per identifier, bad
// arguments refused with exact codes, and what close() ends.
import Foundation
import Testing
@testable import Ycdl

@Suite struct SessionTests {
    let servers = TestServers.shared

    @Test func secondSessionWithTheSameIdentifierIsLocked() throws {
        let dir = try freshDirectory("locked")
        let session = try openSession("locked", in: dir)

        let error = downloadError { _ = try openSession("locked", in: dir) }
        #expect(error?.code == .locked)
        #expect(error?.message.isEmpty == false)
        // Another identifier in the same directory is independent.
        try openSession("locked-other", in: dir).close()
        session.close()
        // Closing releases the identifier.
        try openSession("locked", in: dir).close()
    }

    @Test func badArgumentsThrowExactCodes() throws {
        let dir = try freshDirectory("badargs")
        #expect(downloadError { _ = try openSession("bad/identifier", in: dir) }?.code == .invalidArgument)
        #expect(downloadError { _ = try openSession("", in: dir) }?.code == .invalidArgument)
        #expect(downloadError { _ = try openSession("zero", in: dir) { $0.maxTaskCount = 0 } }?.code
            == .invalidArgument)

        let session = try openSession("badargs", in: dir)
        defer { session.close() }
        let start = { (url: String) in downloadError { _ = try session.startDownload(url: URL(string: url)!) } }
        #expect(start("ftp://example.com/x")?.code == .refusedProtocol)
        #expect(start("file:///etc/passwd")?.code == .refusedProtocol)
        #expect(start("http://")?.code == .invalidArgument)
        var badChecksum = DownloadOptions()
        badChecksum.checksum = "sha1:00"
        #expect(downloadError {
            _ = try session.startDownload(url: servers.nginxURL("x.bin"), options: badChecksum)
        }?.code == .invalidArgument)
        #expect(downloadError {
            _ = try session.startDownload(url: servers.nginxURL("x.bin"), fileID: "line\nbreak")
        }?.code == .invalidArgument)
        #expect(downloadError { try session.pause(fileID: "no-such-task") }?.code == .notFound)
        #expect(downloadError { try session.resume(url: servers.nginxURL("no-such-task.bin")) }?.code == .notFound)
        #expect(session.task(key: "no-such-task") == nil)
        #expect(try session.tasks().isEmpty)
    }

    @Test func closeEndsStreamsFailsWaitersAndRefusesCalls() async throws {
        try servers.makeFile("swift-close.bin", size: 1_000_000)
        let session = try openSession("close", in: freshDirectory("close"))
        let log = EventLog(session)
        let task = try session.startDownload(url: servers.faultURL("swift-close.bin?rate=200000"))
        try await log.wait("progress") { $0.isProgress(task.key) }

        async let waiter = downloadError { _ = try await task.finished() }
        // Give the waiter time to be in place: the close must end it either way.
        try await Task.sleep(nanoseconds: 50_000_000)
        session.close()
        session.close()  // idempotent

        #expect(await waiter?.code == .closed)
        await log.finish()  // the stream ended
        #expect(downloadError { try task.pause() }?.code == .closed)
        #expect(downloadError { _ = try session.startDownload(url: servers.nginxURL("x.bin")) }?.code == .closed)
        var afterClose = session.events.makeAsyncIterator()
        #expect(await afterClose.next() == nil)
    }

    @Test func callsFromManyTasksAtOnceAreSafe() async throws {
        let session = try openSession("concurrent", in: freshDirectory("concurrent"))
        defer { session.close() }
        let paused = pausedOptions()

        let keys = try await withThrowingTaskGroup(of: String.self) { group in
            for index in 0..<40 {
                group.addTask {
                    let task = try session.startDownload(url: servers.nginxURL("swift-many-\(index).bin"),
                                                         fileID: "many-\(index)", options: paused)
                    session.maxTaskCount = 1 + index % 4
                    _ = try session.tasks()
                    #expect(try task.info().status == .paused)
                    return task.key
                }
            }
            return try await group.reduce(into: Set<String>()) { $0.insert($1) }
        }

        #expect(keys == Set((0..<40).map { "many-\($0)" }))
        #expect(try session.tasks([.paused]).count == 40)
    }

    @Test func callsRacingCloseEitherWorkOrThrowClosed() async throws {
        let session = try openSession("race-close", in: freshDirectory("race-close"))
        let paused = pausedOptions()
        let task = try session.startDownload(url: servers.nginxURL("swift-race.bin"), options: paused)

        let codes = await withTaskGroup(of: DownloadError.Code?.self) { group in
            for index in 0..<40 {
                group.addTask {
                    if index == 20 { session.close() }
                    return downloadError { _ = try task.info() }?.code
                }
            }
            return await group.reduce(into: [DownloadError.Code?]()) { $0.append($1) }
        }

        #expect(codes.allSatisfy { $0 == nil || $0 == .closed })
        #expect(downloadError { _ = try task.info() }?.code == .closed)
    }
}
