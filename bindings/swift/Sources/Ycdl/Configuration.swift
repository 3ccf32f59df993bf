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
        }

        /// Calls `body` with these settings as C options; the strings live
        /// as long as the call.
        func withCOptions<Result>(stateDirectory: URL?,
                                  _ body: (inout ycdl_session_options) throws -> Result) rethrows -> Result
        {
            let arena = CArena()
            var o = ycdl_session_options()
            ycdl_session_options_init(&o, UInt32(YCDL_SESSION_OPTIONS_VERSION))
            // This binding owns its session or fails with .locked, as before
            // the core could attach; attaching reaches the bindings with issue 19.
            o.open_mode = Int32(YCDL_OPEN_OWN.rawValue)
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
