// DownloadTask.swift — the seed's YCDownloadTask: one download of a session,
// named by its key, with its controls and an awaitable end.
import CYcdl
import Foundation

public struct DownloadTask: Sendable, Hashable {
    /// The task's name in the session: its file id, or the MD5 of its URL.
    /// Stable across processes.
    public let key: String
    public let session: DownloadSession

    init(key: String, session: DownloadSession) {
        self.key = key
        self.session = session
    }

    public static func == (lhs: DownloadTask, rhs: DownloadTask) -> Bool {
        lhs.key == rhs.key && lhs.session === rhs.session
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(key)
        hasher.combine(ObjectIdentifier(session))
    }

    /// Stops the download, keeping its data and what is needed to continue.
    public func pause() throws {
        try session.core.call { ycdl_task_pause($0, key) }
    }

    /// Continues a paused or failed task: from where it stopped when the
    /// server allows it, else from zero (with a `.restarted` event).
    public func resume() throws {
        try session.core.call { ycdl_task_resume($0, key) }
    }

    /// Stops the task for good: it fails with `.canceled`. Its partial data
    /// is kept for a later `resume()` unless `discardingData`.
    public func stop(discardingData: Bool = false) throws {
        let flags = discardingData ? UInt32(YCDL_CANCEL_DELETE_DATA) : 0
        try session.core.call { ycdl_task_cancel($0, key, flags) }
    }

    /// Stops the task, deletes its partial data and forgets it; the finished
    /// file is deleted only when `deletingFile`.
    public func remove(deletingFile: Bool = false) throws {
        let flags = deletingFile ? UInt32(YCDL_REMOVE_DELETE_FILE) : 0
        try session.core.call { ycdl_task_remove($0, key, flags) }
        // Now rather than at the removed event, which comes later: a task
        // started again under this key meanwhile must not be ended by it.
        session.hub.resolveWaiters(key: key, with: .failure(DownloadError(code: .canceled,
                                                                          message: "the task was removed")))
    }

    /// Whether this task may use a cellular network (besides the session's switch).
    public func setAllowsCellularAccess(_ allowed: Bool) throws {
        try session.core.call { ycdl_task_set_allow_cellular($0, key, allowed ? 1 : 0) }
    }

    /// Higher priorities leave the queue first.
    public func setPriority(_ priority: Int) throws {
        try session.core.call { ycdl_task_set_priority($0, key, Int32(clamping: priority)) }
    }

    /// Replaces the extra request headers ("Name: value"), from the next
    /// request on. After a restart, tasks that had credentials need them again.
    public func setHeaders(_ headers: [String]) throws {
        let arena = CArena()
        let array = arena.stringArray(headers)
        try withExtendedLifetime(arena) {
            try session.core.call { ycdl_task_set_headers($0, key, array, headers.count) }
        }
    }

    /// Gives the task a new URL to request (a refreshed signed link): its key
    /// and original URL stay. A task waiting for a URL (or failed) is queued
    /// again, a running one continues from the new URL; its data is kept when
    /// the server says it is the same file, else it restarts (`.restarted`).
    /// nil goes back to the original URL.
    public func setURL(_ url: URL?) throws {
        try session.core.call { ycdl_task_set_url($0, key, url?.absoluteString) }
    }

    /// Puts the task in a group (nil: in none); persisted with the task.
    public func setGroup(_ group: String?) throws {
        try session.core.call { ycdl_task_set_group($0, key, group) }
    }

    /// The task's group, nil when it is in none.
    public func group() throws -> DownloadGroup? {
        try info().group.map { DownloadGroup(name: $0, session: session) }
    }

    /// A snapshot of the task: status, sizes, metadata, last error.
    public func info() throws -> DownloadTaskInfo {
        try session.info(key: key)
    }

    /// Waits until the task is finished and returns the file's URL, or throws
    /// its `DownloadError` when it fails (`.canceled` when stopped or
    /// removed, `.closed` when the session closes first). A paused task is
    /// still waited for. Cancelling the Swift task throws `CancellationError`.
    public func finished() async throws -> URL {
        let id = UUID()
        let hub = session.hub
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                guard hub.addWaiter(id, key: key, continuation) else {
                    continuation.resume(throwing: DownloadError(code: .closed, message: "the session is closed"))
                    return
                }
                // The task may have ended before the waiter was in place.
                if Task.isCancelled {
                    hub.resolveWaiter(id, with: .failure(CancellationError()))
                } else if let result = endResult() {
                    hub.resolveWaiter(id, with: result)
                }
            }
        } onCancel: {
            hub.resolveWaiter(id, with: .failure(CancellationError()))
        }
    }

    /// The outcome of a task that has already ended; nil while it has not.
    private func endResult() -> Result<URL, any Error>? {
        let info: DownloadTaskInfo
        do {
            info = try self.info()
        } catch {
            return .failure(error)
        }
        switch info.status {
        case .finished: return .success(info.destination)
        case .failed: return .failure(info.error ?? DownloadError(code: .internal, message: "failed without an error"))
        default: return nil
        }
    }
}
