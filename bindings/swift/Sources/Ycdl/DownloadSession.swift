// DownloadSession.swift — the seed's YCDownloadSession: one persistent
// session of downloads, identified system-wide, that outlives the process.
import CYcdl
import Foundation

/// A libycdl session. Every task's state is on disk under the state
/// directory, so a session opened again (after a restart, a crash or
/// `kill -9`) finds its tasks where the last process left them.
///
/// Safe to use from any thread or task. Only one session per identifier may
/// be open at a time, in this process or any other (`DownloadError.Code.locked`).
public final class DownloadSession: Sendable {
    public let identifier: String
    let core: CoreSession
    let hub = EventHub()
    private let pump: EventPump
    private let settings: Locked<(maxTaskCount: Int, allowsCellularAccess: Bool)>

    /// Opens (creating if needed) the session and restores its tasks.
    ///
    /// - Parameters:
    ///   - identifier: letters, digits, `.`, `_` and `-` (at most 200), e.g.
    ///     the app's bundle id plus a suffix.
    ///   - stateDirectory: the root of all session state (the session uses
    ///     `<stateDirectory>/<identifier>/`); nil: the core's default
    ///     (`$XDG_STATE_HOME/ycdl`, else `~/.local/state/ycdl`). On iOS pass a
    ///     folder in Application Support.
    public init(identifier: String, stateDirectory: URL? = nil,
                configuration: Configuration = Configuration()) throws
    {
        let pointer = try configuration.withCOptions(stateDirectory: stateDirectory) { options -> OpaquePointer in
            var session: OpaquePointer?
            try check(ycdl_session_open(&session, identifier, &options))
            return session!
        }
        self.identifier = identifier
        core = CoreSession(pointer)
        settings = Locked((configuration.maxTaskCount, configuration.allowsCellularAccess))
        var fd: Int32 = -1
        try core.call { ycdl_session_event_fd(&fd, $0) }
        pump = EventPump(core: core, fd: fd, label: "ycdl.events.\(identifier)", hub: hub)
    }

    deinit {
        pump.close()
    }

    /// Pauses running downloads (keeping their data), saves every task and
    /// releases the identifier. Streams from `events` end; `finished()`
    /// waiters throw `.closed`; later calls throw `.closed`. Idempotent.
    public func close() {
        pump.close()
    }

    // MARK: - Events

    /// The session's events, in order: the `sessionRestored` event first,
    /// then every event from the moment of the access. Each access makes a
    /// new stream, so several parts of an app can listen at once; a stream
    /// keeps its events until read, so drop the ones no longer needed. The
    /// streams end when the session closes.
    public var events: AsyncStream<DownloadEvent> {
        hub.stream { $0 }
    }

    /// Called on the session's event queue each time nothing is left waiting
    /// or running. On iOS, call the background session's completion handler
    /// from here (on the main queue).
    public var onAllTasksFinished: (@Sendable (AllTasksFinished) -> Void)? {
        get { hub.onAllTasksFinished }
        set { hub.onAllTasksFinished = newValue }
    }

    // MARK: - Settings

    /// At most this many downloads run at once; the rest wait in order
    /// (values below 1 count as 1). Raising it starts waiting tasks at once.
    public var maxTaskCount: Int {
        get { settings.withLock { $0.maxTaskCount } }
        set {
            let count = max(1, newValue)
            settings.withLock { $0.maxTaskCount = count }
            try? core.call { ycdl_session_set_max_concurrent($0, clampedUInt32(count)) }
        }
    }

    /// The cellular switch: whether tasks may run on a cellular network.
    /// Applies at once to tasks already created.
    public var allowsCellularAccess: Bool {
        get { settings.withLock { $0.allowsCellularAccess } }
        set {
            settings.withLock { $0.allowsCellularAccess = newValue }
            try? core.call { ycdl_session_set_allow_cellular($0, newValue ? 1 : 0) }
        }
    }

    /// Tells the session which network the device is on. Tasks not allowed
    /// on it wait (`.waitingForNetwork`) and continue by themselves.
    public func setNetwork(_ network: NetworkType) throws {
        try core.call { ycdl_session_set_network($0, ycdl_network(UInt32(network.rawValue))) }
    }

    /// A session-wide speed limit shared by the running tasks; nil: none.
    public func setMaxBytesPerSecond(_ limit: UInt64?) throws {
        try core.call { ycdl_session_set_max_recv_speed($0, limit ?? 0) }
    }

    // MARK: - Tasks

    /// Adds a download and queues it (the seed's startDownloadWithUrl).
    ///
    /// A URL or file id the session already holds gives back the existing
    /// task. The finished file goes to `destination`, else into the download
    /// directory, named after `fileID` when given, else after the MD5 of the
    /// URL, with the URL path's extension.
    public func startDownload(url: URL, fileID: String? = nil, destination: DownloadDestination? = nil,
                              metadata: DownloadMetadata = DownloadMetadata(),
                              options: DownloadOptions = DownloadOptions()) throws -> DownloadTask
    {
        let arena = CArena()
        var o = ycdl_task_options()
        try check(ycdl_task_options_init(&o, UInt32(YCDL_TASK_OPTIONS_VERSION)))
        o.url = arena.string(url.absoluteString)
        o.file_id = arena.string(fileID)
        switch destination {
        case .file(let file)?: o.dest_path = arena.string(file.path)
        case .directory(let directory)?: o.dest_dir = arena.string(directory.path)
        case nil: break
        }
        o.display_name = arena.string(metadata.fileName)
        o.thumbnail_url = arena.string(metadata.thumbnailURL?.absoluteString)
        o.user_data = arena.bytes(metadata.userData)
        o.user_data_len = metadata.userData.count
        options.apply(to: &o, arena: arena)
        let key = try core.withHandle { session -> String in
            var key: UnsafeMutablePointer<CChar>?
            try check(withExtendedLifetime(arena) { ycdl_task_add(&key, session, &o) })
            return takeCoreString(key) ?? ""
        }
        return DownloadTask(key: key, session: self)
    }

    /// The task with this key (its file id, or the MD5 of its URL), if any.
    public func task(key: String) -> DownloadTask? {
        (try? info(key: key)).map { _ in DownloadTask(key: key, session: self) }
    }

    /// The task whose original URL is `url` — also after redirects.
    public func task(url: URL) -> DownloadTask? {
        (try? key(for: url)).map { DownloadTask(key: $0, session: self) }
    }

    /// The task started with this file id.
    public func task(fileID: String) -> DownloadTask? {
        task(key: fileID)
    }

    /// The tasks whose status is in `statuses` (nil: all), in queue order.
    public func tasks(_ statuses: Set<DownloadStatus>? = nil) throws -> [DownloadTask] {
        let mask = statuses.map { $0.reduce(UInt32(0)) { $0 | (1 << UInt32($1.rawValue)) } } ?? YCDL_STATUS_ALL
        return try core.withHandle { session -> [String] in
            var keys: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
            var count = 0
            try check(ycdl_session_list(&keys, &count, session, mask))
            defer { ycdl_keys_free(keys, count) }
            return (0..<count).compactMap { keys?[$0].map { String(cString: $0) } }
        }.map { DownloadTask(key: $0, session: self) }
    }

    // MARK: - Control by URL or file id (the seed's pause/resume/stopDownloadWithUrl)

    public func pause(url: URL) throws { try control(url: url) { try $0.pause() } }
    public func resume(url: URL) throws { try control(url: url) { try $0.resume() } }
    public func stop(url: URL, discardingData: Bool = false) throws {
        try control(url: url) { try $0.stop(discardingData: discardingData) }
    }
    public func remove(url: URL, deletingFile: Bool = false) throws {
        try control(url: url) { try $0.remove(deletingFile: deletingFile) }
    }

    public func pause(fileID: String) throws { try DownloadTask(key: fileID, session: self).pause() }
    public func resume(fileID: String) throws { try DownloadTask(key: fileID, session: self).resume() }
    public func stop(fileID: String, discardingData: Bool = false) throws {
        try DownloadTask(key: fileID, session: self).stop(discardingData: discardingData)
    }
    public func remove(fileID: String, deletingFile: Bool = false) throws {
        try DownloadTask(key: fileID, session: self).remove(deletingFile: deletingFile)
    }

    private func control(url: URL, _ action: (DownloadTask) throws -> Void) throws {
        try action(DownloadTask(key: key(for: url), session: self))
    }

    private func key(for url: URL) throws -> String {
        try core.withHandle { session in
            var key: UnsafeMutablePointer<CChar>?
            try check(ycdl_task_find_by_url(&key, session, url.absoluteString))
            return takeCoreString(key) ?? ""
        }
    }

    /// A snapshot of one task.
    func info(key: String) throws -> DownloadTaskInfo {
        try core.withHandle { session in
            var info: UnsafeMutablePointer<ycdl_task_info>?
            try check(ycdl_task_get_info(&info, session, key))
            defer { ycdl_task_info_free(info) }
            return DownloadTaskInfo(info!.pointee)
        }
    }
}

/// Where a finished download goes.
public enum DownloadDestination: Sendable, Hashable {
    /// Exactly this file.
    case file(URL)
    /// Into this folder, under the file id or the MD5 of the URL.
    case directory(URL)
}
