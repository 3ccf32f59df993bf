// CoreSession.swift — the C session handle, shared by every thread that uses
// the Swift session, and the helpers that pass Swift values into C calls.
import CYcdl
import Foundation

/// Owns the `ycdl_session *`. Calls may come from any thread at once (the core
/// is thread-safe); a read-write lock keeps them from racing with the close,
/// which frees the handle.
final class CoreSession: @unchecked Sendable {
    // @unchecked: `pointer` is read under the read lock and written under the
    // write lock; the lock itself lives at a stable heap address.
    private var pointer: OpaquePointer?
    private let rwlock = UnsafeMutablePointer<pthread_rwlock_t>.allocate(capacity: 1)

    init(_ pointer: OpaquePointer) {
        self.pointer = pointer
        pthread_rwlock_init(rwlock, nil)
    }

    deinit {
        close()
        pthread_rwlock_destroy(rwlock)
        rwlock.deallocate()
    }

    /// Runs `body` with the live handle; throws `DownloadError.closed` once the
    /// session is closed.
    func withHandle<Result>(_ body: (OpaquePointer) throws -> Result) throws -> Result {
        pthread_rwlock_rdlock(rwlock)
        defer { pthread_rwlock_unlock(rwlock) }
        guard let pointer else {
            throw DownloadError(code: .closed, message: "the session is closed")
        }
        return try body(pointer)
    }

    /// Runs a fallible C call and turns its error code into a `DownloadError`.
    func call(_ body: (OpaquePointer) -> Int32) throws {
        try withHandle { try check(body($0)) }
    }

    /// Closes the C session once; later calls throw `.closed`.
    func close() {
        pthread_rwlock_wrlock(rwlock)
        defer { pthread_rwlock_unlock(rwlock) }
        if let pointer {
            ycdl_session_close(pointer)
        }
        pointer = nil
    }
}

/// Throws the core's error for a nonzero return code. Must run on the thread
/// that made the call, right after it: the message is thread-local.
func check(_ code: Int32) throws {
    guard code == 0 else { throw DownloadError(coreCode: code) }
}

/// C copies of Swift strings and bytes that live until the arena is freed:
/// options structs hold many of them, and nested `withCString` closures would
/// bury the code that fills the struct.
final class CArena {
    private var allocations: [UnsafeMutableRawPointer] = []

    deinit {
        allocations.forEach { free($0) }
    }

    func string(_ string: String?) -> UnsafePointer<CChar>? {
        guard let string, let copy = strdup(string) else { return nil }
        allocations.append(UnsafeMutableRawPointer(copy))
        return UnsafePointer(copy)
    }

    func bytes(_ data: Data) -> UnsafeRawPointer? {
        guard !data.isEmpty, let copy = malloc(data.count) else { return nil }
        data.copyBytes(to: copy.assumingMemoryBound(to: UInt8.self), count: data.count)
        allocations.append(copy)
        return UnsafeRawPointer(copy)
    }

    /// A C array of C strings (`const char *const *`).
    func stringArray(_ strings: [String]) -> UnsafePointer<UnsafePointer<CChar>?>? {
        guard !strings.isEmpty else { return nil }
        let array = UnsafeMutablePointer<UnsafePointer<CChar>?>.allocate(capacity: strings.count)
        for (index, element) in strings.enumerated() {
            array[index] = string(element)
        }
        allocations.append(UnsafeMutableRawPointer(array))
        return UnsafePointer(array)
    }

    /// An argv-style array: the strings, then NULL (nil for no strings).
    func nullTerminatedStringArray(_ strings: [String]) -> UnsafePointer<UnsafePointer<CChar>?>? {
        guard !strings.isEmpty else { return nil }
        let array = UnsafeMutablePointer<UnsafePointer<CChar>?>.allocate(capacity: strings.count + 1)
        for (index, element) in strings.enumerated() {
            array[index] = string(element)
        }
        array[strings.count] = nil
        allocations.append(UnsafeMutableRawPointer(array))
        return UnsafePointer(array)
    }
}

/// Takes a string the library allocated and frees it with the library's own
/// function, as ycdl.h asks.
func takeCoreString(_ pointer: UnsafeMutablePointer<CChar>?) -> String? {
    guard let pointer else { return nil }
    defer { ycdl_free(pointer) }
    return String(cString: pointer)
}

/// A borrowed C string, with "" meaning "none" as the core reports it.
func optionalString(_ pointer: UnsafePointer<CChar>?) -> String? {
    guard let pointer, pointer.pointee != 0 else { return nil }
    return String(cString: pointer)
}

func optionalString(_ pointer: UnsafeMutablePointer<CChar>?) -> String? {
    optionalString(UnsafePointer(pointer))
}

/// A URL from a string the core reports. The core keeps only URLs libcurl
/// parsed; where Foundation is stricter, percent-encoding makes them parse.
func coreURL(_ string: String) -> URL {
    if let url = URL(string: string) { return url }
    let escaped = string.addingPercentEncoding(withAllowedCharacters: .urlFragmentAllowed) ?? ""
    return URL(string: escaped) ?? URL(fileURLWithPath: "/")
}
