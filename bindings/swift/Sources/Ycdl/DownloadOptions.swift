// DownloadOptions.swift — the per-task settings of ycdl_task_options beyond
// the URL, file id, destination and metadata.
import CYcdl
import Foundation

public struct DownloadOptions: Sendable, Hashable {
    /// What happens when the destination file already exists.
    public enum Conflict: Int32, Sendable, Hashable {
        /// Fail with `.fileExists`; the downloaded data is kept.
        case fail = 0
        case overwrite = 1
        /// "name (1).ext", "name (2).ext"…
        case rename = 2
    }

    /// Extra request headers, "Name: value" each. Authorization,
    /// Proxy-Authorization and Cookie headers are secret: sent only to the
    /// URL's own origin (never after a redirect elsewhere) and never written
    /// to disk, so after a restart the task waits for them.
    public var headers: [String] = []
    /// More headers, "Name: value" each, that are secrets (an API token):
    /// treated like Authorization above; their names stay secret for the
    /// task, also in `setHeaders`.
    public var secretHeaders: [String] = []
    /// Whether this task may use a cellular network.
    public var allowsCellularAccess = true
    /// Higher runs first.
    public var priority = 0
    /// The size the file must have; nil: not checked.
    public var expectedSize: Int64?
    /// "sha256:HEX" or "md5:HEX"; the file must match it.
    public var checksum: String?
    /// Bytes per second for this task; nil: no limit.
    public var maxBytesPerSecond: UInt64?
    public var conflict = Conflict.fail
    /// Names the file as the server's Content-Disposition says.
    public var usesContentDisposition = false
    /// Adds the task paused instead of queueing it.
    public var startsPaused = false
    /// The task's group (an album, a season): 1…200 bytes without control
    /// characters, persisted with the task; see `DownloadGroup`.
    public var group: String?
    /// Other URLs of the same file (at most 16), tried in order when the URL
    /// in use fails in a way its retries cannot fix; a `.urlChanged` event
    /// says which is in use.
    public var mirrors: [URL] = []
    /// The content types a response must have to be saved ("video/mp4",
    /// "video/*"); another one is not the file: the task waits for a new
    /// URL (`.waitingForURL`, a `.urlNeeded` event). Empty: the core's
    /// guard, which refuses an HTML page for a file not named as one.
    public var acceptedContentTypes: [String] = []
    /// A response announcing fewer bytes is not the file either; nil: no
    /// minimum.
    public var minimumSize: UInt64?
    /// Names the file after the URL's last path segment, as wget and curl -O
    /// do (in the destination directory); the key stays the file id, else
    /// the MD5 of the URL.
    public var namesFileAfterURL = false
    /// The most connections the file is fetched over at once
    /// (1…`maxConnections`; nil or 0: the session's
    /// `Configuration.connectionsPerTask`), as aria2c's -x. A file whose size
    /// is known, at least two `Configuration.segmentMinimumSize` long, from a
    /// server that takes byte ranges and names it with a strong validator is
    /// cut into segments, each validated like a resume (a file that changed
    /// between two requests starts again, never spliced); any other is
    /// fetched over one connection. `maxBytesPerSecond` holds for the sum.
    public var connections: Int?

    /// The most connections one task may use (`YCDL_MAX_CONNECTIONS`).
    public static let maxConnections = Int(YCDL_MAX_CONNECTIONS)

    public init() {}

    func apply(to o: inout ycdl_task_options, arena: CArena) {
        o.headers = arena.stringArray(headers)
        o.header_count = headers.count
        o.secret_headers = arena.stringArray(secretHeaders)
        o.secret_header_count = secretHeaders.count
        o.allow_cellular = allowsCellularAccess ? 1 : 0
        o.priority = Int32(clamping: priority)
        o.expected_size = expectedSize ?? -1
        o.checksum = arena.string(checksum)
        o.max_recv_speed = maxBytesPerSecond ?? 0
        o.conflict = conflict.rawValue
        o.use_content_disposition = usesContentDisposition ? 1 : 0
        o.start_paused = startsPaused ? 1 : 0
        o.group = arena.string(group)
        o.mirrors = arena.stringArray(mirrors.map(\.absoluteString))
        o.mirror_count = mirrors.count
        o.accept_types = arena.stringArray(acceptedContentTypes)
        o.accept_type_count = acceptedContentTypes.count
        o.min_size = minimumSize ?? 0
        o.name_from_url = namesFileAfterURL ? 1 : 0
        // A negative count is out of range as much as 33 is: the core refuses
        // it (`.invalidArgument`) rather than taking it as the session's.
        o.connections = connections.map { $0 < 0 ? UInt32.max : UInt32(clamping: $0) } ?? 0
    }
}
