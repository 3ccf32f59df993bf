// SharedSessionTests.swift — one session, several handles (docs/background.md):
// a handle attached to an owner in this process or in a `ycdl serve` child
// lists its tasks and gets its events; background opening starts a host;
// ycdl-swift-list lists from another process; and the session options that
// came with shared sessions (secret headers, disk reserve, accepted types)
// take effect.
import Foundation
import Testing
@testable import Ycdl

// One at a time: these start hosts and programs and wait for them, which
// would add to the load the timing-sensitive suites run under.
@Suite(.serialized) struct SharedSessionTests {
    let servers = TestServers.shared

    @Test func attachedHandleListsTasksAndReceivesFinished() async throws {
        let sha = try servers.makeFile("swift-attach.bin", size: 40_000)
        let dir = try freshDirectory("attach")
        let owner = try openSession("attach", in: dir)
        defer { owner.close() }
        let ownerLog = EventLog(owner)
        let task = try owner.startDownload(url: servers.nginxURL("swift-attach.bin"), options: pausedOptions())

        #expect(downloadError { _ = try openSession("attach", in: dir) }?.code == .locked)
        let client = try openSession("attach", in: dir, mode: .attach)
        defer { client.close() }
        let log = EventLog(client)

        #expect(client.role == .client)
        #expect(owner.role == .owner)
        let first = try await log.wait("attached") { if case .attached = $0 { true } else { false } }
        guard case .attached(let tasks, let ownerPID) = first else { return }
        #expect(tasks.map(\.key) == [task.key])
        #expect(ownerPID == getpid())
        #expect(try client.taskInfos().map(\.key) == [task.key])
        try await ownerLog.wait("a client") { $0 == .clientsChanged(attached: 1) }
        #expect(try owner.sharingInfo().attachedClients == 1)

        try #require(client.task(key: task.key)).resume()
        let finished = try await log.wait("finished") { $0.isFinished(task.key) }
        guard case .finished(_, let fileURL, _, let hash, _, _, _) = finished else { return }
        #expect(hash == sha)
        #expect(try sha256(of: fileURL) == sha)
    }

    @Test func attachWithoutOwnerThrowsNotFound() throws {
        let dir = try freshDirectory("attach-none")
        #expect(downloadError { _ = try openSession("attach-none", in: dir, mode: .attach) }?.code == .notFound)
        // Either mode owns a free session.
        let session = try openSession("attach-none", in: dir, mode: .ownOrAttach)
        defer { session.close() }
        #expect(session.role == .owner)
        #expect(downloadError { _ = try openSession("x", in: dir, mode: .own, background: true) }?.code
            == .invalidArgument)
    }

    @Test func attachesToAServeChildAndDownloadsThroughIt() async throws {
        let sha = try servers.makeFile("swift-serve.bin", size: 30_000)
        let dir = try freshDirectory("serve")
        let host = try spawnQuietly([Programs.ycdl, "serve", "--session", "serve", "--state-dir", dir.path])
        defer { kill(host, SIGKILL); _ = waitForExit(host) }
        let client = try await attachWhenServed("serve", in: dir)
        defer { client.close() }
        let log = EventLog(client)
        #expect(try client.sharingInfo().ownerPID == host)

        let task = try client.startDownload(url: servers.nginxURL("swift-serve.bin"))
        let file = try await task.finished()
        #expect(try sha256(of: file) == sha)
        #expect(try client.taskInfos().map(\.status) == [.finished])
        try await log.wait("finished") { $0.isFinished(task.key) }

        // The host closes on a stop request from any handle.
        try client.requestStop()
        #expect(waitForExit(host) == 0)
    }

    @Test func backgroundOpeningStartsAHostThatOutlivesTheHandle() async throws {
        let sha = try servers.makeFile("swift-background.bin", size: 20_000)
        let dir = try freshDirectory("background")
        // The route the core documents: $YCDL_HOST_PROGRAM names ycdl.
        setenv("YCDL_HOST_PROGRAM", Programs.ycdl, 1)
        let session = try openSession("background", in: dir, mode: .ownOrAttach, background: true)
        let hostPID = try session.sharingInfo().ownerPID
        #expect(session.role == .client)
        #expect(hostPID != getpid())
        let task = try session.startDownload(url: servers.nginxURL("swift-background.bin"))
        #expect(try sha256(of: try await task.finished()) == sha)
        session.close()

        // --exit-when-idle: nothing left and nobody attached.
        try await waitUntil("the host exited", timeout: 20) { !processExists(hostPID) }
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("background/host.log").path))
    }

    @Test func listProgramPrintsTheTasksOfAnAttachedSession() async throws {
        let dir = try freshDirectory("list")
        let owner = try openSession("list", in: dir)
        defer { owner.close() }
        let task = try owner.startDownload(url: URL(string: "http://127.0.0.1:9/swift-list.bin")!,
                                           fileID: "listed", options: pausedOptions())
        let destination = try task.info().destination.path

        let byEnvironment = try Programs.run([Programs.list],
                                             environment: ["YCDL_SWIFT_LIST_SESSION": "\(dir.path):list"])
        let byArguments = try Programs.run([Programs.list, dir.path, "list"])

        let line = #"{"key":"listed","path":"\#(destination)","status":"paused"}"#
        #expect(byEnvironment.status == 0)
        #expect(byEnvironment.output == line + "\n")
        #expect(byArguments.output == byEnvironment.output)
        let none = try Programs.run([Programs.list, dir.path, "nobody-owns-this"])
        #expect(none.status == 1)
    }

    @Test func secretHeadersAreSentButNeverWritten() async throws {
        _ = try servers.makeFile("swift-secret.bin", size: 10_000)
        let dir = try freshDirectory("secret")
        let session = try openSession("secret", in: dir)
        defer { session.close() }
        var options = DownloadOptions()
        options.headers = ["X-Plain: visible"]
        options.secretHeaders = ["X-Api-Token: s3cret-token"]

        let task = try session.startDownload(url: servers.faultURL("swift-secret.bin?id=swift-secret"),
                                             options: options)
        _ = try await task.finished()

        let seen = try Programs.get(servers.faultURL("_headers?id=swift-secret"))
        #expect(seen.contains("X-Api-Token: s3cret-token"))
        #expect(seen.contains("X-Plain: visible"))
        let state = try filesContents(under: dir.appendingPathComponent("secret"))
        #expect(state.contains("X-Plain"))
        #expect(!state.contains("s3cret-token"))
    }

    @Test func diskReserveFailsATaskThatWouldNotFit() async throws {
        _ = try servers.makeFile("swift-reserve.bin", size: 10_000)
        let dir = try freshDirectory("reserve")
        let session = try openSession("reserve", in: dir) { $0.diskReserve = UInt64(1) << 60 }
        defer { session.close() }
        let task = try session.startDownload(url: servers.nginxURL("swift-reserve.bin"))

        let error = await downloadError { _ = try await task.finished() }

        #expect(error?.code == .diskFull)
        #expect(error?.message.contains("available") == true)
        #expect(!FileManager.default.fileExists(atPath: try task.info().destination.path))
    }

    @Test func sessionAcceptedTypesRefuseAnotherType() async throws {
        _ = try servers.makeFile("swift-types.bin", size: 10_000)
        let dir = try freshDirectory("types")
        let session = try openSession("types", in: dir) {
            $0.acceptedContentTypes = ["video/*"]
            $0.urlRefreshStatuses = []
        }
        defer { session.close() }
        let log = EventLog(session)

        let task = try session.startDownload(url: servers.faultURL("swift-types.bin?type=application/zip"))

        let needed = try await log.wait("url needed") {
            if case .urlNeeded(task.key, _, _) = $0 { true } else { false }
        }
        guard case .urlNeeded(_, _, let error) = needed else { return }
        #expect(error.code == .notTheFile)
        #expect(try task.info().status == .waitingForURL)
    }

    /// Attaches once the child has begun serving (until then: .notFound).
    private func attachWhenServed(_ name: String, in dir: URL) async throws -> DownloadSession {
        let deadline = Date().addingTimeInterval(15)
        while true {
            do {
                return try openSession(name, in: dir, mode: .attach)
            } catch let error as DownloadError where error.code == .notFound && Date() < deadline {
                try await Task.sleep(nanoseconds: 50_000_000)
            }
        }
    }
}

/// Every file's bytes under a folder, as text (lossy), for "is it written".
private func filesContents(under dir: URL) throws -> String {
    var text = ""
    let files = FileManager.default.enumerator(at: dir, includingPropertiesForKeys: nil)
    while let file = files?.nextObject() as? URL {
        if let data = try? Data(contentsOf: file) { text += String(decoding: data, as: UTF8.self) }
    }
    return text
}
