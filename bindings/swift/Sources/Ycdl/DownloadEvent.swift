// DownloadEvent.swift — what a session reports, as Swift values: one case per
// kind of ycdl.Event (proto/ycdl.proto), named after the seed's delegate calls
// (didWriteData, didResumeAtOffset, willPerformHTTPRedirection, …).
import CYcdl
import Foundation

/// Where a task is in its life (`ycdl_status`).
public enum DownloadStatus: Int32, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case waiting = 1
    case downloading = 2
    case paused = 3
    case waitingForNetwork = 4
    case finished = 5
    case failed = 6
    /// The URL no longer gives the file (expired, refused, an error page);
    /// the partial data is kept until a new URL is given.
    case waitingForURL = 7

    public var description: String {
        String(cString: ycdl_status_name(rawValue))
    }
}

/// The network the device is on, as the app learns it (NWPathMonitor on
/// Apple platforms) and tells the session with `setNetwork(_:)`.
public enum NetworkType: Int32, Sendable, Hashable {
    /// Treated as unmetered.
    case unknown = 0
    /// Wi-Fi or Ethernet.
    case unmetered = 1
    /// Metered: tasks run on it only while cellular access is allowed.
    case cellular = 2
    /// Every transfer waits, without spending retries.
    case offline = 3
}

/// What the app keeps with a download — the seed's YCDownloadItem fields.
/// The core persists it with the task and restores it after a restart.
public struct DownloadMetadata: Sendable, Hashable {
    /// The name to show (the seed's fileName).
    public var fileName: String?
    /// A thumbnail image for lists (the seed's imageUrl).
    public var thumbnailURL: URL?
    /// Opaque bytes of the app's own.
    public var userData: Data

    public init(fileName: String? = nil, thumbnailURL: URL? = nil, userData: Data = Data()) {
        self.fileName = fileName
        self.thumbnailURL = thumbnailURL
        self.userData = userData
    }
}

/// One progress report (the seed's didWriteData).
public struct DownloadProgress: Sendable, Hashable {
    /// Bytes written since the previous report.
    public var bytesWritten: UInt64
    /// Bytes of the file on disk so far.
    public var totalBytesWritten: UInt64
    /// The file's size, when the server said.
    public var totalBytesExpected: Int64?
    /// Smoothed bytes per second.
    public var bytesPerSecond: UInt64
    /// Seconds left at this speed, when the size and the speed are known.
    public var estimatedTimeRemaining: Int64? = nil
    /// Earlier progress reports of the task this one replaced while nobody
    /// read the session's events (its `bytesWritten` counts theirs too).
    public var coalesced = 0
    /// Connections receiving the task's bytes now (more than one for a
    /// download over several connections, `DownloadOptions.connections`).
    public var connections = 0

    /// 0…1, when the size is known.
    public var fractionCompleted: Double? {
        guard let total = totalBytesExpected, total > 0 else { return nil }
        return Double(totalBytesWritten) / Double(total)
    }
}

/// How the session ended up when every task had stopped running
/// (paused and failed tasks do not count as pending).
public struct AllTasksFinished: Sendable, Hashable {
    public var finished: Int
    public var failed: Int
    public var paused: Int
    public var waitingForURL = 0
}

/// What a session handle is (`ycdl_role`): the owner runs the downloads; a
/// client is attached to the owner's process through its socket.
public enum SessionRole: Int32, Sendable, Hashable, CaseIterable {
    case owner = 1
    case client = 2
}

public enum DownloadEvent: Sendable, Hashable {
    /// The first event of every session: the tasks it found on disk.
    case sessionRestored(tasksFound: Int, tasksQuarantined: Int, quarantinePath: String?)
    case taskAdded(key: String, url: URL, destination: URL, fileID: String?, metadata: DownloadMetadata,
                   status: DownloadStatus)
    case statusChanged(key: String, from: DownloadStatus?, to: DownloadStatus)
    case progress(key: String, DownloadProgress)
    /// A download continued from `offset` of `expectedTotalBytes`.
    case resumedAtOffset(key: String, offset: UInt64, expectedTotalBytes: Int64?)
    /// The server sent the task elsewhere; it stays known by its original URL.
    case redirected(key: String, from: URL, to: URL, httpStatus: Int)
    /// The partial data could not be kept; the download began again from zero.
    case restarted(key: String, reason: String, discardedBytes: UInt64)
    /// Whether a pause of this download can be continued later.
    case resumabilityKnown(key: String, isResumable: Bool, reason: String)
    case retrying(key: String, attempt: Int, delay: TimeInterval, error: DownloadError)
    case finished(key: String, fileURL: URL, size: UInt64, sha256: String, finalURL: URL,
                  fileID: String?, fileName: String?)
    case failed(key: String, DownloadError)
    case removed(key: String)
    /// Nothing is waiting or running any more: on iOS, the moment to call the
    /// background session's completion handler.
    case allTasksFinished(AllTasksFinished)
    /// The task's URL no longer gives the file (`error.code` is `.http`,
    /// `.notTheFile` or `.urlExpired`); it waits, its data kept, for
    /// `DownloadTask.setURL(_:)`.
    case urlNeeded(key: String, url: URL, error: DownloadError)
    /// Requests go to another URL from now on (`setURL(_:)`, or a mirror).
    case urlChanged(key: String, from: URL, to: URL, reason: String)
    /// A group's figures changed (coalesced like progress, at once on a
    /// change of status).
    case groupProgress(DownloadGroupInfo)
    /// Nothing of the group is pending any more (paused and failed tasks are
    /// not pending): `DownloadGroup.finished()` returns these figures.
    case groupFinished(DownloadGroupInfo)
    /// The first event of a handle attached to another process's session:
    /// the tasks as they were then (its sequence number is the last event
    /// they include), and the process that owns the session.
    case attached(tasks: [DownloadTaskInfo], ownerPID: Int32)
    /// The handle's role changed: the owner went away and this handle took
    /// the session over (`.owner`), or attached to the one that did
    /// (`.client`); nil for a role newer than this binding.
    case roleChanged(role: SessionRole?, reason: String)
    /// To the owner: an attached client (`ycdl stop`) asked it to close the
    /// session. A host closes; an application decides.
    case stopRequested(by: String)
    /// To the owner: a client attached or detached; `attached` are attached now.
    case clientsChanged(attached: Int)

    /// The key of the task the event is about; nil for session-wide events.
    public var taskKey: String? {
        switch self {
        case .sessionRestored, .allTasksFinished, .groupProgress, .groupFinished,
             .attached, .roleChanged, .stopRequested, .clientsChanged:
            return nil
        case .taskAdded(let key, _, _, _, _, _), .statusChanged(let key, _, _),
             .progress(let key, _), .resumedAtOffset(let key, _, _),
             .redirected(let key, _, _, _), .restarted(let key, _, _),
             .resumabilityKnown(let key, _, _), .retrying(let key, _, _, _),
             .finished(let key, _, _, _, _, _, _), .failed(let key, _), .removed(let key),
             .urlNeeded(let key, _, _), .urlChanged(let key, _, _, _):
            return key
        }
    }
}
