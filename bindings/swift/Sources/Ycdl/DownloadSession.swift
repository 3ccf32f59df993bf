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

    /// Opens (creating if needed) the session and restores its tasks, or
    /// attaches to the process that owns it (see `OpenMode`).
    ///
    /// - Parameters:
    ///   - identifier: letters, digits, `.`, `_` and `-` (at most 200), e.g.
    ///     the app's bundle id plus a suffix.
    ///   - stateDirectory: the root of all session state (the session uses
    ///     `<stateDirectory>/<identifier>/`); nil: the core's default
    ///     (`$XDG_STATE_HOME/ycdl`, else `~/.local/state/ycdl`). On iOS pass a
    ///     folder in Application Support.
    ///   - mode: own the session, attach to its owner, or either; `.own`
    ///     (the default) throws `.locked` when another handle owns it.
    ///   - background: when no process owns the session, start a host that
    ///     does (`ycdl serve … --exit-when-idle`, detached, its output in
    ///     `<stateDirectory>/<identifier>/host.log`) and attach to it: the
    ///     downloads go on after this process exits, as in iOS's background
    ///     sessions. The host program is `configuration.hostCommand`, else
    ///     `$YCDL_HOST_PROGRAM`, else `ycdl` on `PATH`; none found throws
    ///     `.notFound`. Not with `mode: .own` (`.invalidArgument`).
    public init(identifier: String, stateDirectory: URL? = nil, mode: OpenMode = .own, background: Bool = false,
                configuration: Configuration = Configuration()) throws
    {
        if configuration.urlProvider != nil && !configuration.receivesEvents {
            throw DownloadError(code: .invalidArgument,
                                message: "urlProvider needs events, and receivesEvents is false")
        }
        let pointer = try configuration.withCOptions(stateDirectory: stateDirectory, mode: mode,
                                                     background: background) { options -> OpaquePointer in
            var session: OpaquePointer?
            try check(ycdl_session_open(&session, identifier, &options))
            return session!
        }
        self.identifier = identifier
        core = CoreSession(pointer)
        settings = Locked((configuration.maxTaskCount, configuration.allowsCellularAccess))
        var fd: Int32 = -1
        try core.call { ycdl_session_event_fd(&fd, $0) }
        hub.setGroupLookup { [core] name in try coreGroupInfo(core, name) }
        pump = EventPump(core: core, fd: fd, label: "ycdl.events.\(identifier)", hub: hub)
        if let provider = configuration.urlProvider {
            URLProvider(provide: provider, failed: configuration.urlProviderFailed).observe(self)
        }
    }

    deinit {
        pump.close()
    }

    /// The version of the C core this package was built with ("0.1.0").
    public static var coreVersion: String {
        String(cString: ycdl_version())
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
        var o = try DownloadRequest(url: url, fileID: fileID, destination: destination, metadata: metadata,
                                    options: options).cOptions(arena)
        let key = try core.withHandle { session -> String in
            var key: UnsafeMutablePointer<CChar>?
            try check(withExtendedLifetime(arena) { ycdl_task_add(&key, session, &o) })
            return takeCoreString(key) ?? ""
        }
        return DownloadTask(key: key, session: self)
    }

    /// Adds many downloads with one hand-over to the core and one journal
    /// write (a playlist, an import of thousands): per request, in order, its
    /// task or its error. Requests are independent: one that fails leaves
    /// the others added. Throws only when none could be handed over (the
    /// session closed).
    public func startDownloads(_ requests: [DownloadRequest]) throws -> [Result<DownloadTask, DownloadError>] {
        guard !requests.isEmpty else { return [] }
        let arena = CArena()
        let options = UnsafeMutablePointer<ycdl_task_options>.allocate(capacity: requests.count)
        defer { options.deallocate() }
        for (index, request) in requests.enumerated() {
            (options + index).initialize(to: try request.cOptions(arena))
        }
        let pointers: [UnsafePointer<ycdl_task_options>?] = (0..<requests.count).map { UnsafePointer(options + $0) }
        var codes = [Int32](repeating: 0, count: requests.count)
        let (keys, firstMessage) = try core.withHandle { session -> ([String?], String) in
            var keys: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
            let rc = withExtendedLifetime(arena) {
                pointers.withUnsafeBufferPointer {
                    ycdl_task_add_many(&keys, &codes, session, $0.baseAddress, requests.count)
                }
            }
            let message = String(cString: ycdl_last_error_message())
            guard let keys else {
                try check(rc)
                return ([], message)
            }
            defer { ycdl_keys_free(keys, requests.count) }
            return ((0..<requests.count).map { keys[$0].map { String(cString: $0) } }, message)
        }
        var first = true
        return zip(keys, codes).map { key, code in
            if let key, code == 0 { return .success(DownloadTask(key: key, session: self)) }
            let error = DownloadError(code: .init(rawValue: code),
                                      message: first && !firstMessage.isEmpty ? firstMessage
                                          : DownloadError.Code(rawValue: code).description)
            first = false
            return .failure(error)
        }
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
        let mask = statusMask(statuses)
        return try core.withHandle { session -> [String] in
            var keys: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
            var count = 0
            try check(ycdl_session_list(&keys, &count, session, mask))
            defer { ycdl_keys_free(keys, count) }
            return (0..<count).compactMap { keys?[$0].map { String(cString: $0) } }
        }.map { DownloadTask(key: $0, session: self) }
    }

    /// The snapshots of the tasks whose status is in `statuses` (nil: all), in
    /// queue order, with one call: what a list of downloads shows after a
    /// restart.
    public func taskInfos(_ statuses: Set<DownloadStatus>? = nil) throws -> [DownloadTaskInfo] {
        try core.withHandle { session in
            var infos: UnsafeMutablePointer<UnsafeMutablePointer<ycdl_task_info>?>?
            var count = 0
            try check(ycdl_session_list_info(&infos, &count, session, statusMask(statuses)))
            defer { ycdl_task_info_list_free(infos, count) }
            return (0..<count).compactMap { infos?[$0].map { DownloadTaskInfo($0.pointee) } }
        }
    }

    // MARK: - Groups

    /// The group of this name: its tasks as a whole (a handle; calls on a
    /// group no task has throw `.notFound`).
    public func group(named name: String) -> DownloadGroup {
        DownloadGroup(name: name, session: self)
    }

    /// The session's groups (those some task has).
    public func groups() throws -> [DownloadGroup] {
        try core.withHandle { session -> [String] in
            var names: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
            var count = 0
            try check(ycdl_group_list(&names, &count, session))
            defer { ycdl_keys_free(names, count) }
            return (0..<count).compactMap { names?[$0].map { String(cString: $0) } }
        }.map { DownloadGroup(name: $0, session: self) }
    }

    func groupInfo(name: String) throws -> DownloadGroupInfo {
        try coreGroupInfo(core, name)
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

/// One download for `DownloadSession.startDownloads(_:)`: the arguments of
/// `startDownload(url:fileID:destination:metadata:options:)`.
public struct DownloadRequest: Sendable, Hashable {
    public var url: URL
    public var fileID: String?
    public var destination: DownloadDestination?
    public var metadata: DownloadMetadata
    public var options: DownloadOptions

    public init(url: URL, fileID: String? = nil, destination: DownloadDestination? = nil,
                metadata: DownloadMetadata = DownloadMetadata(), options: DownloadOptions = DownloadOptions())
    {
        self.url = url
        self.fileID = fileID
        self.destination = destination
        self.metadata = metadata
        self.options = options
    }

    /// The C options; their strings live as long as `arena`.
    func cOptions(_ arena: CArena) throws -> ycdl_task_options {
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
        return o
    }
}

/// A group's figures, or the core's error (`.notFound` for a group no task has).
func coreGroupInfo(_ core: CoreSession, _ name: String) throws -> DownloadGroupInfo {
    try core.withHandle { session in
        var info: UnsafeMutablePointer<ycdl_group_info>?
        try check(ycdl_group_get_info(&info, session, name))
        defer { ycdl_free(info) }
        return DownloadGroupInfo(info!.pointee)
    }
}

/// Where a finished download goes.
public enum DownloadDestination: Sendable, Hashable {
    /// Exactly this file.
    case file(URL)
    /// Into this folder, under the file id or the MD5 of the URL.
    case directory(URL)
}
