// Configuration.swift — a session's settings (ycdl_session_options). The
// defaults are read from the core, so they are never written down twice.
import CYcdl
import Foundation

extension DownloadSession {
    public struct Configuration: Sendable {
        /// Where tasks without a destination put their files; nil: the
        /// current directory when the session opens.
        public var downloadDirectory: URL?
        /// At most this many downloads run at once (the seed's maxTaskCount).
        public var maxTaskCount: Int
        /// The seed's cellular switch; applies to tasks already created.
        public var allowsCellularAccess: Bool
        /// Downloads that were running when the last process stopped continue
        /// on their own; otherwise they come back paused.
        public var resumesRestoredTasks: Bool
        /// Progress events are coalesced to at most one per interval.
        public var progressInterval: TimeInterval
        /// Retries per task for transient failures, with exponential backoff.
        public var maxRetries: Int
        public var retryBaseDelay: TimeInterval
        public var retryMaxDelay: TimeInterval
        public var maxRedirects: Int
        public var connectTimeout: TimeInterval
        /// A transfer slower than one byte per second for this long is
        /// retried; 0 disables the check.
        public var lowSpeedTimeout: TimeInterval
        /// Session-wide speed limit in bytes per second; nil: none.
        public var maxBytesPerSecond: UInt64?
        /// Larger downloads fail with `.tooLarge`; nil: no limit.
        public var maxFileSize: UInt64?
        /// A PEM bundle of trusted CAs; nil: the system's.
        public var caFile: URL?
        /// nil: the environment's proxy settings.
        public var proxy: String?
        public var userAgent: String?
        /// Hash every download with SHA-256 as it arrives, for `finished`
        /// events and items (default true). Turning it off saves about a
        /// second of CPU per 2 GB; a `sha256:` checksum is verified anyway.
        public var computesSHA256: Bool

        // Shared sessions (see `DownloadSession.OpenMode` and docs/background.md).

        /// A handle attached to another process's session takes it over when
        /// that owner exits, crashes or is killed (default true): one such
        /// handle becomes the owner (`.roleChanged(role: .owner, …)`, then its
        /// `sessionRestored`), the others attach to it. With false, calls of a
        /// handle whose owner is gone throw `.closed`.
        public var takesOverWhenOwnerExits: Bool
        /// With `background`: the host's command line, program first; nil:
        /// `ycdl serve --session ID --state-dir DIR --exit-when-idle`, with
        /// `ycdl` named by `$YCDL_HOST_PROGRAM`, else found on `PATH`.
        public var hostCommand: [String]?
        /// False for a handle that only makes calls (lists, pauses): it gets
        /// no events at all, attached or not, and the owner sends it no
        /// snapshot (default true).
        public var receivesEvents: Bool

        // Downloads (the owner's settings govern; an attached handle's are
        // not sent to the owner).

        /// The content types a task accepts when its `DownloadOptions` name
        /// none ("video/mp4", "video/*"); empty: the core's guard, which
        /// refuses an HTML page for a file not named as one.
        public var acceptedContentTypes: [String]
        /// The HTTP statuses that mean "this URL no longer works" (an
        /// expired signed link): the task waits for a new URL
        /// (`.waitingForURL`) instead of failing. nil: 401, 403 and 410;
        /// empty: none.
        public var urlRefreshStatuses: [Int]?
        /// Bytes kept free on the download disk: once a response's length is
        /// known, a task whose remaining bytes do not fit with this much left
        /// over fails at once with `.diskFull` ("needs N, M available"),
        /// before writing anything. nil: 1 % of the file system, at most
        /// 256 MiB; 0: none.
        public var diskReserve: UInt64?
        /// Takes a large download's room up front (16 MiB and more), so a
        /// disk that fills meanwhile is found before the download (default
        /// true).
        public var preallocatesFiles: Bool
        /// The most connections to one host (name and port) at once, for
        /// every task together (aria2's --max-connection-per-server); a
        /// download beyond it waits for a connection. nil: no cap but
        /// `maxTaskCount`. HTTP/2 downloads from one origin share one
        /// connection whatever the cap.
        public var maxHostConnections: Int?
        /// The connections a task is fetched over when its `DownloadOptions`
        /// name none (`DownloadOptions.connections`, which says when several
        /// are used): 1…`DownloadOptions.maxConnections` (32); default 1.
        public var connectionsPerTask: Int
        /// The least bytes a segment of a download over several connections
        /// is cut to (at least 64 KiB; default 1 MiB): a file shorter than
        /// two of them uses one connection.
        public var segmentMinimumSize: UInt64

        // URL refresh (see URLProvider.swift).

        /// Gives a task whose URL stopped working (a status of
        /// `urlRefreshStatuses`, or a response `acceptedContentTypes`
        /// refuses) a new one: called once per `.urlNeeded` event, in a task
        /// of its own, with that event's `DownloadTask`; a non-nil answer
        /// goes to `setURL(_:)` and the download continues. nil leaves the
        /// task `.waitingForURL` (`setURL(_:)` may still come later); so
        /// does an error thrown, or a URL `setURL(_:)` refuses, which go to
        /// `urlProviderFailed`. nil (the default): no provider.
        public var urlProvider: (@Sendable (DownloadTask) async throws -> URL?)?
        /// Told when `urlProvider` throws or answers a URL `setURL(_:)`
        /// refuses; the task keeps waiting for a URL. nil: a line on
        /// standard error.
        public var urlProviderFailed: (@Sendable (DownloadTask, any Error) -> Void)?

        public init() {
            var defaults = ycdl_session_options()
            ycdl_session_options_init(&defaults, UInt32(YCDL_SESSION_OPTIONS_VERSION))
            maxTaskCount = Int(defaults.max_concurrent)
            allowsCellularAccess = defaults.allow_cellular != 0
            resumesRestoredTasks = defaults.auto_resume != 0
            progressInterval = seconds(defaults.progress_interval_ms)
            maxRetries = Int(defaults.max_retries)
            retryBaseDelay = seconds(defaults.retry_base_ms)
            retryMaxDelay = seconds(defaults.retry_max_ms)
            maxRedirects = Int(defaults.max_redirects)
            connectTimeout = seconds(defaults.connect_timeout_ms)
            lowSpeedTimeout = TimeInterval(defaults.low_speed_time_s)
            computesSHA256 = defaults.compute_sha256 != 0
            takesOverWhenOwnerExits = defaults.takeover != 0
            receivesEvents = defaults.receive_events != 0
            acceptedContentTypes = []
            diskReserve = defaults.disk_reserve < 0 ? nil : UInt64(defaults.disk_reserve)
            preallocatesFiles = defaults.preallocate != 0
            maxHostConnections = defaults.max_host_connections == 0 ? nil : Int(defaults.max_host_connections)
            connectionsPerTask = Int(defaults.connections)
            segmentMinimumSize = defaults.segment_min_size
        }

        /// Calls `body` with these settings as C options; the strings live
        /// as long as the call.
        func withCOptions<Result>(stateDirectory: URL?, mode: OpenMode, background: Bool,
                                  _ body: (inout ycdl_session_options) throws -> Result) rethrows -> Result
        {
            let arena = CArena()
            var o = ycdl_session_options()
            ycdl_session_options_init(&o, UInt32(YCDL_SESSION_OPTIONS_VERSION))
            o.open_mode = mode.coreValue
            o.background = background ? 1 : 0
            o.takeover = takesOverWhenOwnerExits ? 1 : 0
            o.host_command = arena.nullTerminatedStringArray(hostCommand ?? [])
            o.receive_events = receivesEvents ? 1 : 0
            o.accept_types = arena.stringArray(acceptedContentTypes)
            o.accept_type_count = acceptedContentTypes.count
            o.url_refresh_statuses = arena.string(urlRefreshStatuses.map { $0.map(String.init).joined(separator: ",") })
            o.disk_reserve = diskReserve.map { Int64(clamping: $0) } ?? -1
            o.preallocate = preallocatesFiles ? 1 : 0
            o.max_host_connections = clampedUInt32(maxHostConnections ?? 0)
            o.connections = clampedUInt32(connectionsPerTask)
            o.segment_min_size = segmentMinimumSize
            o.state_dir = arena.string(stateDirectory?.path)
            o.download_dir = arena.string(downloadDirectory?.path)
            o.max_concurrent = clampedUInt32(maxTaskCount)
            o.allow_cellular = allowsCellularAccess ? 1 : 0
            o.auto_resume = resumesRestoredTasks ? 1 : 0
            o.progress_interval_ms = milliseconds(progressInterval)
            o.max_retries = clampedUInt32(maxRetries)
            o.retry_base_ms = milliseconds(retryBaseDelay)
            o.retry_max_ms = milliseconds(retryMaxDelay)
            o.max_redirects = clampedUInt32(maxRedirects)
            o.connect_timeout_ms = milliseconds(connectTimeout)
            o.low_speed_time_s = clampedUInt32(Int(lowSpeedTimeout.rounded(.up)))
            o.max_recv_speed = maxBytesPerSecond ?? 0
            o.max_file_size = maxFileSize ?? 0
            o.ca_file = arena.string(caFile?.path)
            o.proxy = arena.string(proxy)
            o.user_agent = arena.string(userAgent)
            o.compute_sha256 = computesSHA256 ? 1 : 0
            return try withExtendedLifetime(arena) { try body(&o) }
        }
    }
}

func seconds(_ milliseconds: UInt32) -> TimeInterval {
    TimeInterval(milliseconds) / 1000
}

func milliseconds(_ interval: TimeInterval) -> UInt32 {
    clampedUInt32(Int((interval * 1000).rounded()))
}

/// Negative values become 0 (which the core rejects where 0 makes no sense).
func clampedUInt32(_ value: Int) -> UInt32 {
    UInt32(clamping: max(0, value))
}
