// QueueTests.swift — the queue seen through events: at most maxTaskCount
// downloads at once, FIFO, the cellular switch, and "all tasks finished".
import Foundation
import Testing
@testable import Ycdl

@Suite struct QueueTests {
    let servers = TestServers.shared

    /// Replays status changes: the most tasks downloading at one time and
    /// the keys in the order they started.
    private func replay(_ events: [DownloadEvent]) -> (maxParallel: Int, started: [String]) {
        var running = 0, maxParallel = 0
        var started: [String] = []
        for case .statusChanged(let key, let from, let to) in events {
            if to == .downloading {
                running += 1
                started.append(key)
            }
            if from == .downloading { running -= 1 }
            maxParallel = max(maxParallel, running)
        }
        return (maxParallel, started)
    }

    private func startSlow(_ session: DownloadSession, _ name: String, size: Int, rate: Int) throws -> DownloadTask {
        try servers.makeFile(name, size: size)
        return try session.startDownload(url: servers.faultURL("\(name)?rate=\(rate)"))
    }

    @Test func atMostMaxTaskCountRunAndTheRestStartInOrder() async throws {
        let session = try openSession("fifo", in: freshDirectory("fifo")) { $0.maxTaskCount = 2 }
        defer { session.close() }
        let log = EventLog(session)

        let tasks = try (0..<6).map { try startSlow(session, "swift-fifo-\($0).bin", size: 120_000, rate: 600_000) }
        try await log.wait("all tasks finished") { $0.isAllTasksFinished }

        let (maxParallel, started) = replay(log.events)
        #expect(maxParallel == 2)
        #expect(started == tasks.map(\.key))
        #expect(log.events.filter { if case .finished = $0 { return true } else { return false } }.count == 6)
    }

    @Test func raisingMaxTaskCountStartsWaitingTasks() async throws {
        let session = try openSession("raise", in: freshDirectory("raise")) { $0.maxTaskCount = 1 }
        defer { session.close() }
        let log = EventLog(session)

        let tasks = try (0..<3).map { try startSlow(session, "swift-raise-\($0).bin", size: 300_000, rate: 300_000) }
        try await log.wait("first downloading") { $0.isStatus(tasks[0].key, .downloading) }
        #expect(try tasks[2].info().status == .waiting)
        session.maxTaskCount = 3
        #expect(session.maxTaskCount == 3)
        try await log.wait("third downloading") { $0.isStatus(tasks[2].key, .downloading) }
        try await log.wait("all tasks finished") { $0.isAllTasksFinished }

        #expect(replay(log.events).maxParallel == 3)
    }

    @Test func cellularSwitchHoldsTasksUntilAllowed() async throws {
        let session = try openSession("cellular", in: freshDirectory("cellular")) { $0.allowsCellularAccess = false }
        defer { session.close() }
        let log = EventLog(session)
        let sha = try servers.makeFile("swift-cell.bin", size: 50_000)

        try session.setNetwork(.cellular)
        let task = try session.startDownload(url: servers.faultURL("swift-cell.bin"))
        try await log.wait("waiting for network") { $0.isStatus(task.key, .waitingForNetwork) }
        #expect(try task.info().status == .waitingForNetwork)
        // The switch applies to the task already created.
        session.allowsCellularAccess = true

        #expect(try sha256(of: await task.finished()) == sha)
    }

    @Test func allTasksFinishedComesOnceAfterEveryTaskAndCallsTheHook() async throws {
        let session = try openSession("allfin", in: freshDirectory("allfin"))
        let log = EventLog(session)
        let (summaries, hookContinuation) = AsyncStream.makeStream(of: AllTasksFinished.self)
        session.onAllTasksFinished = { hookContinuation.yield($0) }
        let paused = pausedOptions()
        try servers.makeFile("swift-allfin-1.bin", size: 100_000)

        let idle = try session.startDownload(url: servers.nginxURL("swift-allfin-1.bin?x=paused"), options: paused)
        let a = try startSlow(session, "swift-allfin-2.bin", size: 100_000, rate: 400_000)
        let b = try startSlow(session, "swift-allfin-3.bin", size: 100_000, rate: 200_000)
        var hookCalls = summaries.makeAsyncIterator()
        let summary = await hookCalls.next()
        #expect(try idle.info().status == .paused)
        session.close()
        await log.finish()
        hookContinuation.finish()
        var laterCalls = 0
        while await hookCalls.next() != nil { laterCalls += 1 }

        #expect(laterCalls == 0)
        #expect(summary == AllTasksFinished(finished: 2, failed: 0, paused: 1))
        // Both finished events come first, then the one all-finished event.
        let ends = log.events.filter {
            if case .finished = $0 { return true } else { return $0.isAllTasksFinished }
        }
        #expect(ends.count == 3)
        #expect(Set(ends.prefix(2).map(\.taskKey)) == [a.key, b.key])
        #expect(ends.last == .allTasksFinished(AllTasksFinished(finished: 2, failed: 0, paused: 1)))
    }
}
