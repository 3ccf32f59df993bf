// DownloadTaskInfo.swift — a snapshot of one task (ycdl_task_info), copied
// out of the core's memory before the core frees it.
import CYcdl
import Foundation

public struct DownloadTaskInfo: Sendable, Hashable {
    public var key: String
    /// The URL the task was started with: its identity, also after redirects.
    public var url: URL
    /// Where the last redirect led; nil before the first response.
    public var finalURL: URL?
    /// Where the finished file goes (or went).
    public var destination: URL
    public var fileID: String?
    public var metadata: DownloadMetadata
    public var status: DownloadStatus
    public var bytesWritten: UInt64
    /// The file's size, when known.
    public var bytesExpected: Int64?
    public var bytesPerSecond: UInt64
    /// Seconds left, when known.
    public var estimatedTimeRemaining: Int64?
    /// Whether a pause can be continued; nil until the server has answered.
    public var isResumable: Bool?
    public var priority: Int
    public var allowsCellularAccess: Bool
    /// The last error; nil when none.
    public var error: DownloadError?
    /// The HTTP status of the last response, if any.
    public var httpStatus: Int?
    /// Retries spent on the current attempt.
    public var retries: Int
    /// The SHA-256 of the finished file.
    public var sha256: String?
    /// The URL requests go to when it is not `url` (one `setURL(_:)` gave,
    /// or a mirror in use); nil otherwise.
    public var requestURL: URL?
    /// The task's group; nil when it is in none.
    public var group: String?
    /// The connections it is receiving over now; 0 unless downloading.
    public var connections: Int
    /// The most it may use: its own `DownloadOptions.connections`, else the
    /// session's.
    public var maxConnections: Int

    init(_ i: ycdl_task_info) {
        key = String(cString: i.key)
        url = coreURL(String(cString: i.url))
        finalURL = optionalString(i.final_url).map(coreURL)
        destination = URL(fileURLWithPath: String(cString: i.dest_path))
        fileID = optionalString(i.file_id)
        let userData = i.user_data_len > 0 && i.user_data != nil
            ? Data(bytes: i.user_data, count: i.user_data_len) : Data()
        metadata = DownloadMetadata(fileName: optionalString(i.display_name),
                                    thumbnailURL: optionalString(i.thumbnail_url).map(coreURL),
                                    userData: userData)
        status = DownloadStatus(rawValue: i.status) ?? .failed
        bytesWritten = i.bytes_written
        bytesExpected = knownSize(i.bytes_expected)
        bytesPerSecond = i.speed_bps
        estimatedTimeRemaining = i.eta_seconds < 0 ? nil : i.eta_seconds
        isResumable = i.resumable < 0 ? nil : i.resumable == 1
        priority = Int(i.priority)
        allowsCellularAccess = i.allow_cellular != 0
        httpStatus = knownStatus(i.http_status)
        error = i.error_code == 0 ? nil
            : DownloadError(code: .init(rawValue: i.error_code), message: optionalString(i.error_message) ?? "",
                            httpStatus: httpStatus)
        retries = Int(i.retries)
        sha256 = optionalString(i.sha256_hex)
        requestURL = optionalString(i.request_url).map(coreURL)
        group = optionalString(i.group)
        connections = Int(i.connections)
        maxConnections = Int(i.max_connections)
    }

    /// One task of an attached event (ycdl.TaskInfo, field for field the
    /// same as ycdl_task_info).
    init(_ p: Ycdl__TaskInfo) {
        let info = ycdl_task_info(
            key: p.key, url: p.url, final_url: p.final_url, dest_path: p.dest_path, file_id: p.file_id,
            display_name: p.display_name, thumbnail_url: p.thumbnail_url,
            user_data: UnsafeRawPointer(p.user_data.data), user_data_len: p.user_data.len,
            status: Int32(p.status.rawValue), bytes_written: p.bytes_written,
            bytes_expected: p.bytes_expected, speed_bps: p.speed_bps, eta_seconds: p.eta_seconds,
            resumable: p.resumable, priority: p.priority, allow_cellular: p.allow_cellular != 0 ? 1 : 0,
            error_code: p.error_code, error_message: p.error_message, http_status: p.http_status,
            retries: p.retries, sha256_hex: p.sha256_hex, request_url: p.request_url, group: p.group,
            connections: p.connections, max_connections: p.max_connections)
        self.init(info)
    }
}
