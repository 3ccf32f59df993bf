// ManagerTests.swift — the seed's YCDownloadManager: items with a file name,
// a thumbnail and a file id, whose status and sizes the core persists, so
// the list comes back after the session is opened again.
import Foundation
import Testing
@testable import Ycdl

@Suite struct ManagerTests {
    let servers = TestServers.shared

    @Test func itemListSurvivesReopenWithMetadataStatusAndSizes() async throws {
        let dir = try freshDirectory("items")
        let doneSHA = try servers.makeFile("swift-item-1.mp4", size: 200_000)
        let slowSHA = try servers.makeFile("swift-item-2.mp4", size: 1_000_000)
        let thumbnail1 = URL(string: "https://example.com/1.jpg")!
        let thumbnail2 = URL(string: "https://example.com/2.jpg")!
        let userData = Data([1, 2, 0, 3])

        var manager = try DownloadManager(session: openSession("items", in: dir))
        let log = EventLog(manager.session)
        let done = try manager.startDownload(url: servers.nginxURL("swift-item-1.mp4"), fileName: "Episode 1",
                                             thumbnailURL: thumbnail1, fileID: "ep1")
        let slow = try manager.startDownload(url: servers.faultURL("swift-item-2.mp4?rate=300000"),
                                             fileName: "Episode 2", thumbnailURL: thumbnail2, fileID: "ep2",
                                             userData: userData)
        _ = try await manager.task(done).finished()
        try await log.wait("progress of ep2") { $0.isProgress("ep2") }
        manager.session.close()

        manager = try DownloadManager(session: openSession("items", in: dir))
        defer { manager.session.close() }
        let items = try manager.items()

        #expect(items.map(\.id) == ["ep1", "ep2"])
        let first = items[0], second = items[1]
        #expect(first.fileID == "ep1")
        #expect(first.fileName == "Episode 1")
        #expect(first.thumbnailURL == thumbnail1)
        #expect(first.status == .finished)
        #expect(first.fileSize == 200_000)
        #expect(first.downloadedSize == 200_000)
        #expect(first.fileURL.path == dir.appendingPathComponent("ep1.mp4").path)
        #expect(try sha256(of: first.fileURL) == doneSHA)
        // The running download came back paused, with its bytes and metadata.
        #expect(second.status == .paused)
        #expect(second.fileName == "Episode 2")
        #expect(second.thumbnailURL == thumbnail2)
        #expect(second.userData == userData)
        #expect(second.downloadURL == slow.downloadURL)
        #expect(second.fileSize == 1_000_000)
        #expect(second.downloadedSize > 0 && second.downloadedSize < 1_000_000)
        #expect(manager.item(fileID: "ep2") == second)
        #expect(manager.item(url: slow.downloadURL) == second)

        let (finishedItems, itemFinished) = AsyncStream.makeStream(of: DownloadItem.self)
        manager.onItemFinished = { itemFinished.yield($0) }
        try manager.resume(second)
        var finishedIterator = finishedItems.makeAsyncIterator()
        let finishedItem = await finishedIterator.next()

        #expect(finishedItem?.id == "ep2")
        #expect(finishedItem?.status == .finished)
        #expect(finishedItem?.downloadedSize == 1_000_000)
        #expect(try finishedItem.map { try sha256(of: $0.fileURL) } == slowSHA)
    }

    @Test func itemUpdatesFollowAnItemToItsEnd() async throws {
        try servers.makeFile("swift-updates.bin", size: 300_000)
        let manager = try DownloadManager(session: openSession("updates", in: freshDirectory("updates")))
        defer { manager.session.close() }
        let updates = manager.itemUpdates

        let item = try manager.startDownload(url: servers.faultURL("swift-updates.bin?rate=500000"),
                                             fileName: "Clip")
        var statuses: [DownloadStatus] = []
        var last: DownloadItem?
        for await update in updates where update.id == item.id {
            if statuses.last != update.status { statuses.append(update.status) }
            last = update
            if update.status == .finished { break }
        }

        #expect(statuses == [.downloading, .finished])
        #expect(last?.fileName == "Clip")
        #expect(last?.downloadedSize == 300_000)
        #expect(last?.progress == 1)
    }

    @Test func removingAnItemForgetsItAndDeletesItsFile() async throws {
        try servers.makeFile("swift-remove.bin", size: 10_000)
        let manager = try DownloadManager(session: openSession("remove", in: freshDirectory("remove")))
        defer { manager.session.close() }

        let item = try manager.startDownload(url: servers.nginxURL("swift-remove.bin"), fileID: "gone")
        let file = try await manager.task(item).finished()
        try manager.remove(item)

        #expect(try manager.items().isEmpty)
        #expect(!FileManager.default.fileExists(atPath: file.path))
        #expect(downloadError { try manager.pause(item) }?.code == .notFound)
    }
}
