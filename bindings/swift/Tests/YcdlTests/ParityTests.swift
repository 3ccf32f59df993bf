// ParityTests.swift — the rest of the C API through the package: many tasks
// added in one call, every task's info in one call, a new URL for a task
// whose URL stopped working, mirrors, the body guard (accepted types, a
// minimum size), files named after their URL, the progress fields, and one
// file over several connections.
import Foundation
import Testing
@testable import Ycdl

@Suite struct ParityTests {
    let servers = TestServers.shared

    @Test func startDownloadsAddsInOneCallAndReportsEachRequest() async throws {
        let shas = try (0..<3).map { try servers.makeFile("swift-many-\($0).bin", size: 5_000 + $0) }
        let dir = try freshDirectory("many")
        let session = try openSession("many", in: dir)
        defer { session.close() }
        let requests = [
            DownloadRequest(url: servers.nginxURL("swift-many-0.bin")),
            DownloadRequest(url: servers.nginxURL("swift-many-1.bin"), fileID: "second",
                            metadata: DownloadMetadata(fileName: "Second")),
            DownloadRequest(url: URL(string: "ftp://127.0.0.1/swift-refused.bin")!),
            DownloadRequest(url: servers.nginxURL("swift-many-2.bin"),
                            destination: .file(dir.appendingPathComponent("third.bin"))),
        ]

        let results = try session.startDownloads(requests)

        #expect(results.count == 4)
        guard case .failure(let error) = results[2] else {
            Issue.record("the ftp request was accepted")
            return
        }
        #expect(error.code == .refusedProtocol)
        #expect(error.message.contains("ftp"))
        let tasks = try [0, 1, 3].map { try results[$0].get() }
        #expect(tasks[1].key == "second")
        #expect(try session.tasks() == tasks)
        var files: [URL] = []
        for task in tasks { files.append(try await task.finished()) }
        #expect(try files.map { try sha256(of: $0) } == shas)
        #expect(files[2].path == dir.appendingPathComponent("third.bin").path)
        #expect(try session.startDownloads([]).isEmpty)
    }

    @Test func taskInfosGivesEveryTaskInOneCall() throws {
        let session = try openSession("infos", in: freshDirectory("infos"))
        defer { session.close() }
        let tasks = try (0..<4).map { index -> DownloadTask in
            var options = pausedOptions()
            options.group = index % 2 == 1 ? "g" : nil
            return try session.startDownload(url: URL(string: "http://127.0.0.1:9/swift-info-\(index).bin")!,
                                             metadata: DownloadMetadata(fileName: "n\(index)"), options: options)
        }
        try tasks[1].stop()

        let infos = try session.taskInfos()

        #expect(try infos == tasks.map { try $0.info() })
        #expect(infos.map(\.metadata.fileName) == ["n0", "n1", "n2", "n3"])
        #expect(infos.map(\.group) == [nil, "g", nil, "g"])
        #expect(try session.taskInfos([.failed]).map(\.key) == [tasks[1].key])
        #expect(try session.taskInfos([.finished]).isEmpty)
    }

    @Test func taskWhoseURLStopsWorkingWaitsForANewOne() async throws {
        let sha = try servers.makeFile("swift-refresh.bin", size: 300_000)
        let session = try openSession("refresh", in: freshDirectory("refresh"))
        defer { session.close() }
        let log = EventLog(session)
        let original = servers.faultURL("swift-refresh.bin?id=swift-refresh&always=403")
        let task = try session.startDownload(url: original)

        let needed = try await log.wait("url needed") {
            if case .urlNeeded(task.key, _, _) = $0 { true } else { false }
        }
        guard case .urlNeeded(_, let url, let error) = needed else { return }
        #expect(url == original && error.code == .http && error.httpStatus == 403)
        #expect(try task.info().status == .waitingForURL)
        #expect(try task.info().requestURL == nil)
        let fresh = servers.faultURL("swift-refresh.bin?id=swift-refresh-2")

        try task.setURL(fresh)

        #expect(try sha256(of: await task.finished()) == sha)
        let changed = try await log.wait("url changed") {
            if case .urlChanged(task.key, _, _, _) = $0 { true } else { false }
        }
        guard case .urlChanged(_, _, let to, _) = changed else { return }
        #expect(to == fresh)
        #expect(try task.info().url == original && task.info().requestURL == fresh)
        #expect(session.task(url: original) == task)
        #expect(downloadError { try task.setURL(URL(string: "ftp://127.0.0.1/x.bin")!) }?.code == .refusedProtocol)
    }

    @Test func mirrorsTakeOverFromAURLThatFailsForGood() async throws {
        let sha = try servers.makeFile("swift-mirror.bin", size: 200_000)
        let session = try openSession("mirror", in: freshDirectory("mirror")) { $0.maxRetries = 0 }
        defer { session.close() }
        let log = EventLog(session)
        let mirror = servers.nginxURL("swift-mirror.bin")
        var options = DownloadOptions()
        options.mirrors = [servers.faultURL("swift-mirror.bin?always=500"), mirror]

        let task = try session.startDownload(url: servers.faultURL("swift-mirror.bin?id=swift-mirror&always=404"),
                                             options: options)

        #expect(try sha256(of: await task.finished()) == sha)
        try await log.wait("finished") { if case .finished(task.key, _, _, _, _, _, _) = $0 { true } else { false } }
        let changes = log.events(for: task.key).compactMap { event -> (URL, String)? in
            if case .urlChanged(_, _, let to, let reason) = event { return (to, reason) } else { return nil }
        }
        #expect(changes.last?.0 == mirror)
        #expect(changes.first?.1.contains("404") == true)
        #expect(try task.info().requestURL == mirror)
        var tooMany = DownloadOptions()
        tooMany.mirrors = Array(repeating: mirror, count: 17)
        #expect(downloadError {
            _ = try session.startDownload(url: servers.nginxURL("swift-mirror.bin?17"), options: tooMany)
        }?.code == .invalidArgument)
    }

    @Test func bodyGuardRefusesWhatIsNotTheFile() async throws {
        try servers.makeFile("swift-guard.bin", size: 20_000)
        let dir = try freshDirectory("guard")
        let session = try openSession("guard", in: dir)
        defer { session.close() }
        let log = EventLog(session)
        var video = DownloadOptions()
        video.acceptedContentTypes = ["video/*"]
        var large = DownloadOptions()
        large.minimumSize = 20_001
        let typed = try session.startDownload(url: servers.faultURL("swift-guard.bin?type=text/plain"),
                                              destination: .file(dir.appendingPathComponent("a.mp4")), options: video)
        let small = try session.startDownload(url: servers.faultURL("swift-guard.bin?small"),
                                              destination: .file(dir.appendingPathComponent("b.bin")), options: large)
        for task in [typed, small] {
            let needed = try await log.wait("url needed") {
                if case .urlNeeded(task.key, _, _) = $0 { true } else { false }
            }
            guard case .urlNeeded(_, _, let error) = needed else { return }
            #expect(error.code == .notTheFile && error.code.rawValue == -27)
            #expect(try task.info().status == .waitingForURL)
            #expect(try task.info().error?.code == .notTheFile)
        }
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("a.mp4").path))
        video.minimumSize = 20_000
        let good = try session.startDownload(url: servers.faultURL("swift-guard.bin?type=video/mp4"),
                                             destination: .file(dir.appendingPathComponent("c.mp4")), options: video)
        #expect(try await good.finished().path == dir.appendingPathComponent("c.mp4").path)
    }

    @Test func namesFileAfterTheURLAsWgetDoes() async throws {
        let sha = try servers.makeFile("swift url name.bin", size: 3_000)
        let dir = try freshDirectory("urlnames")
        let session = try openSession("urlnames", in: dir)
        defer { session.close() }
        var options = DownloadOptions()
        options.namesFileAfterURL = true
        options.conflict = .rename
        let first = try session.startDownload(url: servers.nginxURL("swift%20url%20name.bin?x=1"),
                                              destination: .directory(dir), options: options)
        let second = try session.startDownload(url: servers.nginxURL("swift%20url%20name.bin?x=2"),
                                               destination: .directory(dir), options: options)
        #expect(try await first.finished().lastPathComponent == "swift url name.bin")
        let renamed = try await second.finished()
        #expect(renamed.lastPathComponent == "swift url name (1).bin")
        #expect(try sha256(of: renamed) == sha)
    }

    @Test func progressCarriesTheETAAndWhatItReplaced() async throws {
        try servers.makeFile("swift-eta.bin", size: 600_000)
        let session = try openSession("eta", in: freshDirectory("eta"))
        defer { session.close() }
        let log = EventLog(session)
        let task = try session.startDownload(url: servers.faultURL("swift-eta.bin?rate=1000000"))
        _ = try await task.finished()
        try await log.wait("all tasks finished") { $0.isAllTasksFinished }
        let progress = log.events(for: task.key).compactMap(\.progress)
        #expect(progress.count >= 2)
        for report in progress where report.bytesPerSecond > 0 {
            #expect(report.estimatedTimeRemaining == Int64((600_000 - report.totalBytesWritten) / report.bytesPerSecond))
        }
        // A report that replaced others counts their bytes: the bursts add up.
        #expect(progress.map(\.bytesWritten).reduce(0, +) == 600_000)
        #expect(progress.allSatisfy { $0.coalesced >= 0 })
    }

    @Test func fetchesAFileOverSeveralConnectionsByteIdentical() async throws {
        // nginx lets a second's worth of its rate through at once on every
        // request: four pieces of 2 MiB at 512 KiB/s overlap for 3 s.
        let size = 8 * 1024 * 1024
        let sha = try servers.makeFile("swift-segments.bin", size: size)
        let session = try openSession("segments", in: freshDirectory("segments")) {
            $0.segmentMinimumSize = 2 << 20
        }
        defer { session.close() }
        let log = EventLog(session)
        var options = DownloadOptions()
        options.connections = 4
        let task = try session.startDownload(url: servers.nginxURL("swift-segments.bin?rate=512k"), options: options)
        var most = 0
        try await waitUntil("info() reports more than one connection", timeout: 30) {
            guard let info = try? task.info() else { return false }
            most = max(most, info.connections)
            return most > 1 || info.status == .finished
        }
        #expect(most > 1, "info() never reported more than one connection")
        #expect(try task.info().maxConnections == 4)

        #expect(try sha256(of: await task.finished()) == sha)

        let finished = try await log.wait("finished") { $0.isFinished(task.key) }
        guard case .finished(_, _, _, let hash, _, _, _) = finished else { return }
        #expect(hash == sha)
        let progress = log.events(for: task.key).compactMap(\.progress)
        #expect((progress.map(\.connections).max() ?? 0) > 1)
        #expect(progress.allSatisfy { $0.connections <= 4 })
        // Every piece was validated: nothing restarted, nothing spliced.
        #expect(!log.events(for: task.key).contains { if case .restarted = $0 { true } else { false } })
        let info = try task.info()
        #expect(info.connections == 0 && info.maxConnections == 4)
        #expect(info.bytesWritten == UInt64(size) && info.sha256 == sha)
    }

    @Test func connectionsDefaultToTheSessionsAndAreRefusedOutOfRange() throws {
        let defaults = DownloadSession.Configuration()
        #expect(defaults.connectionsPerTask == 1 && defaults.segmentMinimumSize == 1 << 20)
        let dir = try freshDirectory("connections")
        let session = try openSession("connections", in: dir) { $0.connectionsPerTask = 3 }
        defer { session.close() }
        let url = { (name: String) in URL(string: "http://127.0.0.1:9/\(name).bin")! }
        let paused = try session.startDownload(url: url("swift-conn"), options: pausedOptions())
        #expect(try paused.info().connections == 0 && paused.info().maxConnections == 3)
        var most = pausedOptions()
        most.connections = DownloadOptions.maxConnections
        #expect(try session.startDownload(url: url("swift-conn-most"), options: most).info().maxConnections == 32)
        for bad in [33, -1] {
            var options = pausedOptions()
            options.connections = bad
            let error = downloadError { _ = try session.startDownload(url: url("swift-conn\(bad)"), options: options) }
            #expect(error?.code == .invalidArgument)
            #expect(error?.message.contains("connections") == true)
        }
        #expect(try session.tasks().count == 2)
        #expect(downloadError { _ = try openSession("conn-zero", in: dir) { $0.connectionsPerTask = 0 } }?.code
            == .invalidArgument)
        #expect(downloadError { _ = try openSession("conn-33", in: dir) { $0.connectionsPerTask = 33 } }?.code
            == .invalidArgument)
        let small = downloadError { _ = try openSession("conn-small", in: dir) { $0.segmentMinimumSize = 1024 } }
        #expect(small?.code == .invalidArgument)
        #expect(small?.message.contains("segment_min_size") == true)
    }
}
