// GroupTests.swift — groups of tasks: exact figures of a group with mixed
// outcomes, the calls for a whole group, finished() on groupFinished, and
// the exact errors of bad names and unknown groups.
import Foundation
import Testing
@testable import Ycdl

@Suite struct GroupTests {
    let servers = TestServers.shared

    private func inGroup(_ name: String?, paused: Bool = false) -> DownloadOptions {
        var options = DownloadOptions()
        options.group = name
        options.startsPaused = paused
        return options
    }

    @Test func groupOfMixedOutcomesFinishesWithExactFigures() async throws {
        var shas: [String] = []
        var requests: [DownloadRequest] = []
        var known: UInt64 = 0
        for index in 0..<6 {
            let size = 10_000 + index * 3_001
            shas.append(try servers.makeFile("swift-album-\(index).bin", size: size))
            known += UInt64(size)
            requests.append(DownloadRequest(url: servers.nginxURL("swift-album-\(index).bin"), options: inGroup("album")))
        }
        for index in 6..<8 {
            shas.append(try servers.makeFile("swift-album-\(index).bin", size: 20_000 + index))
            requests.append(DownloadRequest(url: servers.faultURL("swift-album-\(index).bin?chunked=1&rate=2000000"),
                                            options: inGroup("album")))
        }
        for index in 8..<10 {
            requests.append(DownloadRequest(url: servers.faultURL("swift-album-\(index).bin?always=404"),
                                            options: inGroup("album")))
        }
        try servers.makeFile("swift-album-paused.bin", size: 1000)
        requests.append(DownloadRequest(url: servers.nginxURL("swift-album-paused.bin"),
                                        options: inGroup("album", paused: true)))
        try servers.makeFile("swift-album-other.bin", size: 1000)
        requests.append(DownloadRequest(url: servers.nginxURL("swift-album-other.bin"), options: inGroup("other")))
        requests.append(DownloadRequest(url: servers.nginxURL("swift-album-other.bin?none")))
        let session = try openSession("album", in: freshDirectory("album")) {
            $0.maxTaskCount = 4
            $0.maxRetries = 0
        }
        defer { session.close() }
        let log = EventLog(session)
        // One call: the group cannot finish between two adds.
        let tasks = try session.startDownloads(requests).map { try $0.get() }
        let album = session.group(named: "album")

        let figures = try await album.finished()

        #expect(figures.name == "album")
        let counts: [Int] = [figures.taskCount, figures.finished, figures.failed, figures.paused]
        #expect(counts == [11, 8, 2, 1])
        let others: [Int] = [figures.waiting, figures.downloading, figures.waitingForNetwork, figures.waitingForURL]
        #expect(others == [0, 0, 0, 0])
        #expect(figures.bytesWrittenKnown + figures.bytesWrittenUnknown == known + 20_006 + 20_007)
        #expect(figures.bytesWrittenKnown == figures.bytesExpected)
        #expect(figures.bytesExpected >= known)
        #expect(figures.bytesPerSecond == 0 && figures.estimatedTimeRemaining == nil)
        #expect(try album.info() == figures)
        for index in 0..<8 {
            #expect(try sha256(of: tasks[index].info().destination) == shas[index])
            #expect(try tasks[index].info().group == "album")
            #expect(try tasks[index].group() == album)
        }
        #expect(try tasks[12].info().group == nil)
        // The group's tasks in the order added, and by status.
        #expect(try album.tasks() == Array(tasks[0..<11]))
        #expect(try album.tasks([.failed]) == Array(tasks[8..<10]))
        #expect(try album.tasks([.failed, .paused]) == Array(tasks[8..<11]))
        try await log.wait("other finished") { if case .groupFinished(let g) = $0 { g.name == "other" } else { false } }
        #expect(try Set(session.groups().map(\.name)) == ["album", "other"])
        let ended = log.events.filter { $0 == .groupFinished(figures) }
        #expect(ended.count == 1)
        #expect(ended.first?.taskKey == nil)
        let progress = log.events.compactMap { event -> DownloadGroupInfo? in
            if case .groupProgress(let g) = event, g.name == "album" { return g } else { return nil }
        }
        #expect(!progress.isEmpty)
        let written = progress.map { $0.bytesWrittenKnown + $0.bytesWrittenUnknown }
        #expect(written == written.sorted())
        #expect(progress.allSatisfy { $0.bytesWrittenKnown <= $0.bytesExpected })
    }

    @Test func groupPausesAndResumesAsOne() async throws {
        let shas = try (0..<3).map { try servers.makeFile("swift-season-\($0).bin", size: 600_000) }
        try servers.makeFile("swift-season-x.bin", size: 2_000_000)
        let session = try openSession("season", in: freshDirectory("season")) { $0.maxTaskCount = 4 }
        defer { session.close() }
        let log = EventLog(session)
        let tasks = try (0..<3).map {
            try session.startDownload(url: servers.faultURL("swift-season-\($0).bin?rate=300000"), options: inGroup("season"))
        }
        let outside = try session.startDownload(url: servers.faultURL("swift-season-x.bin?rate=300000"))
        for task in tasks + [outside] {
            try await log.wait("progress") { $0.isProgress(task.key) }
        }
        let season = session.group(named: "season")

        try season.pause()

        // Done when the call returns; the task outside goes on.
        #expect(try tasks.map { try $0.info().status } == [.paused, .paused, .paused])
        #expect(try outside.info().status == .downloading)
        let paused = try await season.finished()  // nothing pending: at once
        let pausedCounts: [Int] = [paused.paused, paused.finished, paused.downloading]
        #expect(pausedCounts == [3, 0, 0])
        #expect(paused.bytesPerSecond == 0 && paused.bytesExpected == 3 * 600_000 && paused.bytesWrittenKnown > 0)
        try season.setPriority(7)
        try season.setAllowsCellularAccess(false)
        #expect(try tasks.allSatisfy { try $0.info().priority == 7 && !$0.info().allowsCellularAccess })
        #expect(try outside.info().priority == 0 && outside.info().allowsCellularAccess)

        try season.resume()
        let done = try await season.finished()

        let doneCounts: [Int] = [done.finished, done.taskCount, done.paused]
        #expect(doneCounts == [3, 3, 0])
        #expect(done.bytesWrittenKnown == 3 * 600_000 && done.fractionCompleted == 1)
        for (task, sha) in zip(tasks, shas) {
            #expect(try sha256(of: await task.finished()) == sha)
        }
        try outside.pause()
    }

    @Test func badGroupNamesAndUnknownGroupsThrowExactCodes() async throws {
        let session = try openSession("badgroups", in: freshDirectory("badgroups"))
        defer { session.close() }
        let url = URL(string: "http://127.0.0.1:9/swift-badgroup.bin")!
        #expect(downloadError { _ = try session.startDownload(url: url, options: inGroup("bad\nname", paused: true)) }?
            .code == .invalidArgument)
        #expect(downloadError {
            _ = try session.startDownload(url: url, options: inGroup(String(repeating: "g", count: 201), paused: true))
        }?.code == .invalidArgument)
        #expect(try session.tasks().isEmpty)
        let task = try session.startDownload(url: url, options: pausedOptions())
        #expect(downloadError { try task.setGroup("tab\there") }?.code == .invalidArgument)
        let nobody = session.group(named: "nobody")
        let calls: [() throws -> Void] = [
            { _ = try nobody.info() }, { _ = try nobody.tasks() }, { try nobody.resume() }, { try nobody.pause() },
            { try nobody.stop() }, { try nobody.remove() }, { try nobody.setPriority(1) },
            { try nobody.setAllowsCellularAccess(true) },
        ]
        for call in calls {
            #expect(downloadError(call)?.code == .notFound)
        }
        #expect(await downloadError { _ = try await nobody.finished() }?.code == .notFound)
        #expect(try session.groups().isEmpty)
        // The task is untouched by all that.
        #expect(try task.info().status == .paused && task.info().group == nil)
    }

    @Test func groupSetLaterSurvivesARestartAndGoesWithItsTasks() async throws {
        let dir = try freshDirectory("later")
        var session = try openSession("later", in: dir)
        let keys = try (0..<3).map {
            try session.startDownload(url: URL(string: "http://127.0.0.1:9/swift-later-\($0).bin")!,
                                      options: pausedOptions()).key
        }
        try session.task(key: keys[0])?.setGroup("later")
        try session.task(key: keys[1])?.setGroup("later")
        try session.task(key: keys[2])?.setGroup("elsewhere")
        #expect(try session.group(named: "later").info().taskCount == 2)
        session.close()

        session = try openSession("later", in: dir)
        defer { session.close() }
        let later = session.group(named: "later")
        #expect(try session.task(key: keys[1])?.info().group == "later")
        #expect(try later.info().taskCount == 2)
        try session.task(key: keys[2])?.setGroup("later")
        #expect(downloadError { _ = try session.group(named: "elsewhere").info() }?.code == .notFound)
        #expect(try later.info().taskCount == 3)
        try session.task(key: keys[0])?.setGroup(nil)
        #expect(try session.task(key: keys[0])?.info().group == nil)
        let removedTask = try #require(session.task(key: keys[1]))
        async let taskOutcome = downloadError { _ = try await removedTask.finished() }
        try await Task.sleep(nanoseconds: 50_000_000)
        try later.remove(deletingFile: true)
        #expect(await taskOutcome?.code == .canceled)
        #expect(downloadError { _ = try later.info() }?.code == .notFound)
        #expect(try session.tasks().map(\.key) == [keys[0]])
        #expect(try session.groups().isEmpty)
    }

    @Test func finishedThrowsWhenTheGroupIsRemovedOrTheSessionCloses() async throws {
        try servers.makeFile("swift-slowgroup.bin", size: 2_000_000)
        let session = try openSession("slowgroup", in: freshDirectory("slowgroup")) { $0.maxRetries = 1000 }
        let slow = session.group(named: "slow")
        let task = try session.startDownload(url: servers.faultURL("swift-slowgroup.bin?rate=200000"),
                                             options: inGroup("slow"))
        async let removed = downloadError { _ = try await slow.finished() }
        try await Task.sleep(nanoseconds: 200_000_000)
        try task.remove()
        #expect(await removed?.code == .notFound)

        _ = try session.startDownload(url: servers.faultURL("swift-slowgroup.bin?rate=200000&again"),
                                      options: inGroup("slow"))
        async let groupRemoved = downloadError { _ = try await slow.finished() }
        try await Task.sleep(nanoseconds: 200_000_000)
        try slow.remove()
        #expect(await groupRemoved?.code == .notFound)
        #expect(try session.tasks().isEmpty)

        _ = try session.startDownload(url: URL(string: "http://127.0.0.1:9/swift-closedgroup.bin")!,
                                      options: inGroup("closed"))  // waits, retrying
        async let closed = downloadError { _ = try await session.group(named: "closed").finished() }
        try await Task.sleep(nanoseconds: 200_000_000)
        session.close()
        #expect(await closed?.code == .closed)
        #expect(downloadError { _ = try slow.info() }?.code == .closed)
    }
}
