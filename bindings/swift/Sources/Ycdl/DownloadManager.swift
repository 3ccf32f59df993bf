// DownloadManager.swift — the seed's YCDownloadManager: downloads as items
// with a file name, a thumbnail and a file id, listed again after a restart.
// It keeps no state of its own: every item is read back from the core, which
// persists the metadata and each task's status and sizes as they change.
import Foundation

public final class DownloadManager: Sendable {
    public let session: DownloadSession
    private let itemFinishedHook = Locked<(@Sendable (DownloadItem) -> Void)?>(nil)
    private let observer: UUID?

    public init(session: DownloadSession) {
        self.session = session
        // Weak: the hub belongs to the session, which must not keep itself alive.
        observer = session.hub.observe { [itemFinishedHook, weak session] event in
            guard case .finished(let key, _, _, _, _, _, _) = event, let session,
                  let hook = itemFinishedHook.withLock({ $0 }),
                  let info = try? session.info(key: key) else { return }
            hook(DownloadItem(info))
        }
    }

    deinit {
        if let observer { session.hub.stopObserving(observer) }
    }

    /// Opens a session for the manager (see `DownloadSession.init`).
    public convenience init(identifier: String, stateDirectory: URL? = nil,
                            configuration: DownloadSession.Configuration = .init()) throws
    {
        try self.init(session: DownloadSession(identifier: identifier, stateDirectory: stateDirectory,
                                               configuration: configuration))
    }

    /// Starts (or finds) the download of `url`. With a `fileID` the item is
    /// known and its file named by it; without, by the MD5 of the URL.
    @discardableResult
    public func startDownload(url: URL, fileName: String? = nil, thumbnailURL: URL? = nil,
                              fileID: String? = nil, userData: Data = Data()) throws -> DownloadItem
    {
        let metadata = DownloadMetadata(fileName: fileName, thumbnailURL: thumbnailURL, userData: userData)
        let task = try session.startDownload(url: url, fileID: fileID, metadata: metadata)
        return try DownloadItem(task.info())
    }

    /// Every item, in queue order — after a restart too.
    public func items(_ statuses: Set<DownloadStatus>? = nil) throws -> [DownloadItem] {
        try session.tasks(statuses).compactMap { try? DownloadItem($0.info()) }
    }

    public func item(fileID: String) -> DownloadItem? {
        item(session.task(fileID: fileID))
    }

    public func item(url: URL) -> DownloadItem? {
        item(session.task(url: url))
    }

    private func item(_ task: DownloadTask?) -> DownloadItem? {
        (try? task?.info()).map(DownloadItem.init)
    }

    public func pause(_ item: DownloadItem) throws { try task(item).pause() }
    public func resume(_ item: DownloadItem) throws { try task(item).resume() }
    public func stop(_ item: DownloadItem) throws { try task(item).stop() }
    /// Forgets the item; unlike `DownloadTask.remove`, it deletes the
    /// finished file too unless told otherwise, as a list's "delete" means.
    public func remove(_ item: DownloadItem, deletingFile: Bool = true) throws {
        try task(item).remove(deletingFile: deletingFile)
    }

    /// The task behind an item, for `finished()` and the finer controls.
    public func task(_ item: DownloadItem) -> DownloadTask {
        DownloadTask(key: item.id, session: session)
    }

    /// The fresh item each time one changes status, makes progress, finishes
    /// or fails (the seed's kDownloadStatusChangedNoti); for saving or
    /// redrawing a list.
    public var itemUpdates: AsyncStream<DownloadItem> {
        session.hub.stream { [weak session] event -> DownloadItem? in
            guard let session else { return nil }
            switch event {
            case .statusChanged(let key, _, _), .progress(let key, _), .finished(let key, _, _, _, _, _, _),
                 .failed(let key, _):
                return (try? session.info(key: key)).map(DownloadItem.init)
            default:
                return nil
            }
        }
    }

    /// Called on the session's event queue when an item finishes (the seed's
    /// kDownloadTaskFinishedNoti): where an app posts a local notification.
    public var onItemFinished: (@Sendable (DownloadItem) -> Void)? {
        get { itemFinishedHook.withLock { $0 } }
        set { itemFinishedHook.withLock { $0 = newValue } }
    }

    /// Called when nothing is left waiting or running (the seed's
    /// kDownloadAllTaskFinishedNoti): where an iOS app calls the background
    /// session's completion handler.
    public var onAllTasksFinished: (@Sendable (AllTasksFinished) -> Void)? {
        get { session.onAllTasksFinished }
        set { session.onAllTasksFinished = newValue }
    }

    public var maxTaskCount: Int {
        get { session.maxTaskCount }
        set { session.maxTaskCount = newValue }
    }

    public var allowsCellularAccess: Bool {
        get { session.allowsCellularAccess }
        set { session.allowsCellularAccess = newValue }
    }
}
