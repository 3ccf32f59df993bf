// EventDecoding.swift — turns one serialized ycdl.Event into a DownloadEvent
// with the protobuf-c code generated from proto/ycdl.proto (exported by
// libycdl through CYcdl), never with a decoder of our own.
import CYcdl
import Foundation

extension DownloadEvent {
    /// Decodes `count` bytes; nil for bytes that do not parse and for kinds
    /// this binding does not know yet (readers ignore what they do not know).
    static func decode(_ bytes: UnsafeRawPointer, count: Int) -> DownloadEvent? {
        guard let message = ycdl__event__unpack(nil, count, bytes.assumingMemoryBound(to: UInt8.self)) else {
            return nil
        }
        defer { ycdl__event__free_unpacked(message, nil) }
        return DownloadEvent(message.pointee)
    }

    private init?(_ e: Ycdl__Event) {
        let key = String(cString: e.key)
        switch e.kind_case {
        case YCDL__EVENT__KIND_SESSION_RESTORED:
            let m = e.session_restored.pointee
            self = .sessionRestored(tasksFound: Int(m.tasks_found), tasksQuarantined: Int(m.tasks_quarantined),
                                    quarantinePath: optionalString(m.quarantine_path))
        case YCDL__EVENT__KIND_TASK_ADDED:
            guard let added = Self.taskAdded(key, e.task_added.pointee) else { return nil }
            self = added
        case YCDL__EVENT__KIND_STATUS_CHANGED:
            let m = e.status_changed.pointee
            guard let to = DownloadStatus(rawValue: Int32(m.new_status.rawValue)) else { return nil }
            self = .statusChanged(key: key, from: DownloadStatus(rawValue: Int32(m.old_status.rawValue)), to: to)
        case YCDL__EVENT__KIND_PROGRESS:
            let m = e.progress.pointee
            self = .progress(key: key, DownloadProgress(
                bytesWritten: m.bytes_this_burst, totalBytesWritten: m.bytes_written,
                totalBytesExpected: knownSize(m.bytes_expected), bytesPerSecond: m.speed_bps,
                estimatedTimeRemaining: knownSize(m.eta_seconds), coalesced: Int(m.coalesced),
                connections: Int(m.connections)))
        case YCDL__EVENT__KIND_RESUMED:
            let m = e.resumed.pointee
            self = .resumedAtOffset(key: key, offset: m.offset, expectedTotalBytes: knownSize(m.bytes_expected))
        case YCDL__EVENT__KIND_REDIRECTED:
            let m = e.redirected.pointee
            self = .redirected(key: key, from: coreURL(String(cString: m.from_url)),
                               to: coreURL(String(cString: m.to_url)), httpStatus: Int(m.http_status))
        case YCDL__EVENT__KIND_RESTARTED:
            let m = e.restarted.pointee
            self = .restarted(key: key, reason: String(cString: m.reason), discardedBytes: m.discarded_bytes)
        case YCDL__EVENT__KIND_RESUMABILITY:
            let m = e.resumability.pointee
            self = .resumabilityKnown(key: key, isResumable: m.resumability == YCDL__RESUMABILITY__RESUMABILITY_YES,
                                      reason: String(cString: m.reason))
        case YCDL__EVENT__KIND_RETRYING:
            let m = e.retrying.pointee
            let error = DownloadError(code: .init(rawValue: m.error_code), message: String(cString: m.message),
                                      httpStatus: knownStatus(m.http_status), isRetryable: true)
            self = .retrying(key: key, attempt: Int(m.attempt), delay: TimeInterval(m.delay_ms) / 1000, error: error)
        case YCDL__EVENT__KIND_FINISHED:
            self = Self.finished(key, e.finished.pointee)
        case YCDL__EVENT__KIND_FAILED:
            let m = e.failed.pointee
            self = .failed(key: key, DownloadError(code: .init(rawValue: m.error_code), message: String(cString: m.message),
                                                   httpStatus: knownStatus(m.http_status), isRetryable: m.retryable != 0))
        case YCDL__EVENT__KIND_REMOVED:
            self = .removed(key: key)
        case YCDL__EVENT__KIND_ALL_FINISHED:
            let m = e.all_finished.pointee
            self = .allTasksFinished(AllTasksFinished(finished: Int(m.finished), failed: Int(m.failed),
                                                      paused: Int(m.paused), waitingForURL: Int(m.waiting_for_url)))
        case YCDL__EVENT__KIND_URL_NEEDED:
            let m = e.url_needed.pointee
            self = .urlNeeded(key: key, url: coreURL(String(cString: m.url)),
                              error: DownloadError(code: .init(rawValue: m.error_code), message: String(cString: m.message),
                                                   httpStatus: knownStatus(m.http_status), isRetryable: true))
        case YCDL__EVENT__KIND_URL_CHANGED:
            let m = e.url_changed.pointee
            self = .urlChanged(key: key, from: coreURL(String(cString: m.from)), to: coreURL(String(cString: m.to)),
                               reason: String(cString: m.reason))
        case YCDL__EVENT__KIND_GROUP_PROGRESS:
            self = .groupProgress(DownloadGroupInfo(e.group_progress.pointee))
        case YCDL__EVENT__KIND_GROUP_FINISHED:
            self = .groupFinished(DownloadGroupInfo(e.group_finished.pointee))
        case YCDL__EVENT__KIND_ATTACHED:
            let m = e.attached.pointee
            let tasks = (0..<m.n_tasks).compactMap { m.tasks[$0].map { DownloadTaskInfo($0.pointee) } }
            self = .attached(tasks: tasks, ownerPID: m.owner_pid)
        case YCDL__EVENT__KIND_ROLE_CHANGED:
            let m = e.role_changed.pointee
            self = .roleChanged(role: SessionRole(rawValue: Int32(m.role.rawValue)), reason: String(cString: m.reason))
        case YCDL__EVENT__KIND_STOP_REQUESTED:
            self = .stopRequested(by: String(cString: e.stop_requested.pointee.by))
        case YCDL__EVENT__KIND_CLIENTS_CHANGED:
            self = .clientsChanged(attached: Int(e.clients_changed.pointee.attached))
        default:
            return nil
        }
    }

    private static func taskAdded(_ key: String, _ m: Ycdl__TaskAdded) -> DownloadEvent? {
        let metadata = DownloadMetadata(
            fileName: optionalString(m.display_name),
            thumbnailURL: optionalString(m.thumbnail_url).map(coreURL),
            userData: data(m.user_data))
        guard let status = DownloadStatus(rawValue: Int32(m.status.rawValue)) else { return nil }
        return .taskAdded(key: key, url: coreURL(String(cString: m.url)),
                          destination: URL(fileURLWithPath: String(cString: m.dest_path)),
                          fileID: optionalString(m.file_id), metadata: metadata, status: status)
    }

    private static func finished(_ key: String, _ m: Ycdl__Finished) -> DownloadEvent {
        .finished(key: key, fileURL: URL(fileURLWithPath: String(cString: m.path)), size: m.size,
                  sha256: String(cString: m.sha256_hex), finalURL: coreURL(String(cString: m.final_url)),
                  fileID: optionalString(m.file_id), fileName: optionalString(m.display_name))
    }
}

/// protobuf-c leaves the pointer NULL for empty bytes.
func data(_ bytes: ProtobufCBinaryData) -> Data {
    guard bytes.len > 0, let pointer = bytes.data else { return Data() }
    return Data(bytes: pointer, count: bytes.len)
}

/// The core says -1 for "the server did not tell".
func knownSize(_ size: Int64) -> Int64? {
    size < 0 ? nil : size
}

/// The core says 0 for "no HTTP answer was involved".
func knownStatus(_ status: UInt32) -> Int? {
    status == 0 ? nil : Int(status)
}
