// DownloadError.swift — the one error type of the package: a libycdl error
// code, the core's message and, for HTTP failures, the status.
import CYcdl

public struct DownloadError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A libycdl error code (`YCDL_E_*` in ycdl.h). A struct rather than an
    /// enum, like `URLError.Code`, so codes a newer core adds still arrive.
    public struct Code: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
        public let rawValue: Int32

        public init(rawValue: Int32) {
            self.rawValue = rawValue
        }

        init(_ code: ycdl_error) {
            self.rawValue = code.rawValue
        }

        public static let invalidArgument = Code(YCDL_E_INVALID)
        public static let outOfMemory = Code(YCDL_E_NOMEM)
        /// Another process (or another open session here) holds the identifier.
        public static let locked = Code(YCDL_E_LOCKED)
        public static let notFound = Code(YCDL_E_NOT_FOUND)
        public static let fileExists = Code(YCDL_E_EXISTS)
        /// Not possible in the task's status.
        public static let invalidState = Code(YCDL_E_STATE)
        public static let closed = Code(YCDL_E_CLOSED)
        public static let io = Code(YCDL_E_IO)
        public static let diskFull = Code(YCDL_E_DISK_FULL)
        public static let store = Code(YCDL_E_STORE)
        public static let network = Code(YCDL_E_NETWORK)
        public static let resolve = Code(YCDL_E_RESOLVE)
        public static let timeout = Code(YCDL_E_TIMEOUT)
        public static let tls = Code(YCDL_E_TLS)
        /// The server answered an error status; see `httpStatus`.
        public static let http = Code(YCDL_E_HTTP)
        public static let tooManyRedirects = Code(YCDL_E_TOO_MANY_REDIRECTS)
        /// A URL or redirect to a scheme other than http or https.
        public static let refusedProtocol = Code(YCDL_E_PROTOCOL)
        public static let checksumMismatch = Code(YCDL_E_CHECKSUM)
        public static let sizeMismatch = Code(YCDL_E_SIZE_MISMATCH)
        public static let tooLarge = Code(YCDL_E_TOO_LARGE)
        /// The task was stopped (or removed) by the app.
        public static let canceled = Code(YCDL_E_CANCELED)
        public static let badResponse = Code(YCDL_E_BAD_RESPONSE)
        public static let unsupported = Code(YCDL_E_UNSUPPORTED)
        public static let `internal` = Code(YCDL_E_INTERNAL)
        /// The task fetched more than its budget: the server keeps sending
        /// data that does not complete the file.
        public static let fetchLimit = Code(YCDL_E_FETCH_LIMIT)
        /// The response is not the file: an error page, a type the task
        /// does not accept, or fewer bytes than its minimum.
        public static let notTheFile = Code(YCDL_E_NOT_THE_FILE)
        /// The URL's signature says it has expired.
        public static let urlExpired = Code(YCDL_E_URL_EXPIRED)

        /// The core's English text for the code.
        public var description: String {
            String(cString: ycdl_strerror(rawValue))
        }
    }

    public let code: Code
    /// What went wrong, in the core's words.
    public let message: String
    /// The HTTP status of the answer that failed, when there was one.
    public let httpStatus: Int?
    /// Whether resuming the task later may succeed.
    public let isRetryable: Bool

    public init(code: Code, message: String, httpStatus: Int? = nil, isRetryable: Bool = false) {
        self.code = code
        self.message = message
        self.httpStatus = httpStatus
        self.isRetryable = isRetryable
    }

    /// The error of the C call that just returned `code` on this thread.
    init(coreCode code: Int32) {
        let detail = String(cString: ycdl_last_error_message())
        self.init(code: Code(rawValue: code), message: detail.isEmpty ? Code(rawValue: code).description : detail)
    }

    public var description: String {
        let status = httpStatus.map { " (HTTP \($0))" } ?? ""
        return "\(code) [\(code.rawValue)]: \(message)\(status)"
    }
}
