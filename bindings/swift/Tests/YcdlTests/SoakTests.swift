// SoakTests.swift — a long-lived session stays flat: rounds of adding small
// downloads, waiting for them and removing them leave no finished() waiter and
// no stream observer behind in the session's event hub.
import Foundation
import Testing
@testable import Ycdl

@Suite struct SoakTests {
    let servers = TestServers.shared
    static let rounds = 6
    static let files = 250

    @Test(.timeLimit(.minutes(1)))
    func addFinishRemoveRoundsLeaveNoWaiterOrObserverBehind() async throws {
        for index in 0..<Self.files {
            try servers.makeFile("swift-soak-\(index).bin", size: 1024 + index)
        }
        let session = try openSession("soak", in: freshDirectory("soak")) { $0.maxTaskCount = 16 }
        defer { session.close() }
        var resident: [Int] = []

        for round in 1...Self.rounds {
            try await addFinishAndRemove(round: round, in: session)
            #expect(session.hub.counts.waiters == 0, "finished() waiters left after round \(round)")
            #expect(session.hub.counts.observers == 0, "observers left after round \(round)")
            #expect(try session.tasks().isEmpty)
            residentBytes().map { resident.append($0) }
        }
        // Only for the record: the other suites run in this process at the
        // same time, so its memory says little about this session.
        if resident.count == Self.rounds {
            print("soak: resident memory from round 2 to \(Self.rounds): \(resident[Self.rounds - 1] - resident[1]) bytes")
        }
    }

    /// Adds the round's files, waits for all of them, removes them all and
    /// returns once the session has reported every removal.
    private func addFinishAndRemove(round: Int, in session: DownloadSession) async throws {
        let tasks = try (0..<Self.files).map {
            // A new URL each round, so each round's tasks have keys of their own.
            try session.startDownload(url: servers.nginxURL("swift-soak-\($0).bin?round=\(round)"))
        }
        try await withThrowingTaskGroup(of: URL.self) { group in
            for task in tasks {
                group.addTask { try await task.finished() }
            }
            for try await _ in group {}
        }
        let events = session.events
        #expect(session.hub.counts.observers == 1)
        for task in tasks {
            try task.remove(deletingFile: true)
        }
        var left = Set(tasks.map(\.key))
        for await event in events {
            if case .removed(let key) = event { left.remove(key) }
            if left.isEmpty { break }
        }
    }

    /// The process's resident set, where /proc tells it.
    private func residentBytes() -> Int? {
        guard let statm = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return nil }
        let fields = statm.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return nil }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}
