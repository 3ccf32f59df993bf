// DownloadGroup.swift — the tasks of one group (an album, a season) as a
// whole, named by the group's name, and the figures one bar is drawn from.
import CYcdl
import Foundation

/// A group's figures (`ycdl_group_info`), as `DownloadGroup.info()`,
/// `finished()` and the group events give them.
public struct DownloadGroupInfo: Sendable, Hashable {
    public var name: String
    /// How many tasks the group has.
    public var taskCount: Int
    public var waiting: Int
    public var downloading: Int
    public var paused: Int
    public var waitingForNetwork: Int
    public var finished: Int
    public var failed: Int
    public var waitingForURL: Int
    /// Bytes written by the tasks whose size is known…
    public var bytesWrittenKnown: UInt64
    /// …and the sum of those sizes: a bar drawn from these two never jumps
    /// back when a size becomes known.
    public var bytesExpected: UInt64
    /// Bytes written by the tasks whose size is not known yet.
    public var bytesWrittenUnknown: UInt64
    public var bytesPerSecond: UInt64
    /// Seconds left at this speed, when that can be told.
    public var estimatedTimeRemaining: Int64?

    /// Tasks waiting, downloading or waiting for a network: the group has
    /// finished (as `groupFinished` means it) when none is.
    public var pending: Int { waiting + downloading + waitingForNetwork }

    /// 0…1 of the bytes whose size is known; nil before any is.
    public var fractionCompleted: Double? {
        bytesExpected > 0 ? Double(bytesWrittenKnown) / Double(bytesExpected) : nil
    }

    init(_ g: ycdl_group_info) {
        name = String(cString: g.name)
        taskCount = g.tasks
        waiting = g.waiting
        downloading = g.downloading
        paused = g.paused
        waitingForNetwork = g.waiting_for_network
        finished = g.finished
        failed = g.failed
        waitingForURL = g.waiting_for_url
        bytesWrittenKnown = g.bytes_written_known
        bytesExpected = g.bytes_expected
        bytesWrittenUnknown = g.bytes_written_unknown
        bytesPerSecond = g.speed_bps
        estimatedTimeRemaining = knownSize(g.eta_seconds)
    }

    init(_ m: Ycdl__GroupFigures) {
        name = String(cString: m.group)
        taskCount = Int(m.tasks)
        waiting = Int(m.waiting)
        downloading = Int(m.downloading)
        paused = Int(m.paused)
        waitingForNetwork = Int(m.waiting_for_network)
        finished = Int(m.finished)
        failed = Int(m.failed)
        waitingForURL = Int(m.waiting_for_url)
        bytesWrittenKnown = m.bytes_written_known
        bytesExpected = m.bytes_expected
        bytesWrittenUnknown = m.bytes_written_unknown
        bytesPerSecond = m.speed_bps
        estimatedTimeRemaining = knownSize(m.eta_seconds)
    }
}

/// The tasks of a session that carry one group name, as a whole. A light
/// handle like `DownloadTask`: every call asks the core. A group exists while
/// a task has it (`DownloadOptions.group`, `DownloadTask.setGroup(_:)`); calls
/// on a group no task has throw `.notFound`. Each control acts on every task
/// of the group in one turn of the session's loop, so no task of it starts in
/// between; tasks it does not apply to (pausing a finished one) are left alone.
public struct DownloadGroup: Sendable, Hashable {
    public let name: String
    public let session: DownloadSession

    init(name: String, session: DownloadSession) {
        self.name = name
        self.session = session
    }

    public static func == (lhs: DownloadGroup, rhs: DownloadGroup) -> Bool {
        lhs.name == rhs.name && lhs.session === rhs.session
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(name)
        hasher.combine(ObjectIdentifier(session))
    }

    /// The group's figures now: counts by status, bytes, speed.
    public func info() throws -> DownloadGroupInfo {
        try session.groupInfo(name: name)
    }

    /// The group's tasks whose status is in `statuses` (nil: all), in the
    /// order they were added.
    public func tasks(_ statuses: Set<DownloadStatus>? = nil) throws -> [DownloadTask] {
        try session.core.withHandle { handle -> [String] in
            var keys: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
            var count = 0
            try check(ycdl_group_list_tasks(&keys, &count, handle, name, statusMask(statuses)))
            defer { ycdl_keys_free(keys, count) }
            return (0..<count).compactMap { keys?[$0].map { String(cString: $0) } }
        }.map { DownloadTask(key: $0, session: session) }
    }

    /// Queues every paused or failed task of the group.
    public func resume() throws {
        try session.core.call { ycdl_group_start($0, name) }
    }

    /// Stops every waiting or running task of the group, keeping their data;
    /// done when the call returns.
    public func pause() throws {
        try session.core.call { ycdl_group_pause($0, name) }
    }

    /// Stops every unfinished task of the group for good: they fail with
    /// `.canceled`, their data kept unless `discardingData`.
    public func stop(discardingData: Bool = false) throws {
        let flags = discardingData ? UInt32(YCDL_CANCEL_DELETE_DATA) : 0
        try session.core.call { ycdl_group_cancel($0, name, flags) }
    }

    /// Forgets every task of the group (the finished files too when
    /// `deletingFile`); the group goes with them.
    public func remove(deletingFile: Bool = false) throws {
        let keys = try tasks().map(\.key)
        let flags = deletingFile ? UInt32(YCDL_REMOVE_DELETE_FILE) : 0
        try session.core.call { ycdl_group_remove($0, name, flags) }
        // As DownloadTask.remove: now rather than at the removed events.
        let removed = DownloadError(code: .canceled, message: "the task was removed")
        keys.forEach { session.hub.resolveWaiters(key: $0, with: .failure(removed)) }
        session.hub.resolveGroupWaiters(name: name, with: .failure(Self.gone(name)))
    }

    /// Gives every task of the group this priority.
    public func setPriority(_ priority: Int) throws {
        try session.core.call { ycdl_group_set_priority($0, name, Int32(clamping: priority)) }
    }

    /// Whether the group's tasks may use a cellular network.
    public func setAllowsCellularAccess(_ allowed: Bool) throws {
        try session.core.call { ycdl_group_set_allow_cellular($0, name, allowed ? 1 : 0) }
    }

    /// Waits until nothing of the group is pending and returns the figures of
    /// its `groupFinished` event. Paused and failed tasks are not pending (the
    /// rule of `allTasksFinished`), so a group already done, or all paused,
    /// answers at once with its figures now. Throws `.notFound` when no task
    /// has the group (also when its tasks are removed meanwhile), `.closed`
    /// when the session closes first, and `CancellationError` when the Swift
    /// task is cancelled.
    public func finished() async throws -> DownloadGroupInfo {
        let id = UUID()
        let hub = session.hub
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                guard hub.addGroupWaiter(id, name: name, continuation) else {
                    continuation.resume(throwing: DownloadError(code: .closed, message: "the session is closed"))
                    return
                }
                // The group may be done before the waiter was in place.
                if Task.isCancelled {
                    hub.resolveGroupWaiter(id, with: .failure(CancellationError()))
                } else if let result = doneResult() {
                    hub.resolveGroupWaiter(id, with: result)
                }
            }
        } onCancel: {
            hub.resolveGroupWaiter(id, with: .failure(CancellationError()))
        }
    }

    /// The figures when nothing of the group is pending now; nil while it is.
    private func doneResult() -> Result<DownloadGroupInfo, any Error>? {
        do {
            let info = try self.info()
            return info.pending == 0 ? .success(info) : nil
        } catch {
            return .failure(error)
        }
    }

    static func gone(_ name: String) -> DownloadError {
        DownloadError(code: .notFound, message: "no task has the group \"\(name)\": its tasks were removed")
    }
}

/// A status mask for the core's list calls; nil: every status.
func statusMask(_ statuses: Set<DownloadStatus>?) -> UInt32 {
    statuses.map { $0.reduce(UInt32(0)) { $0 | (1 << UInt32($1.rawValue)) } } ?? YCDL_STATUS_ALL
}
