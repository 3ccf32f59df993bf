// EventPump.swift — pulls a session's events off the core. A Dispatch read
// source watches the core's event fd (readable while events are pending) and
// drains the queue on one private serial queue: no thread of the core ever
// runs Swift code, and the core's event callback is not used.
import CYcdl
import Dispatch

final class EventPump: @unchecked Sendable {
    // @unchecked: the source is only activated in init and cancelled in
    // close(), both thread-safe Dispatch calls; the rest is immutable.
    private let queue: DispatchQueue
    private let source: any DispatchSourceRead
    private let onQueue = DispatchSpecificKey<Bool>()
    /// Signalled once the core is closed; a latch (each waiter passes it on).
    private let closed = DispatchSemaphore(value: 0)

    init(core: CoreSession, fd: Int32, label: String, hub: EventHub) {
        queue = DispatchQueue(label: label)
        queue.setSpecific(key: onQueue, value: true)
        source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
        source.setEventHandler {
            Self.drain(core, into: hub)
        }
        // Runs on the queue after the last event handler: the fd is no longer
        // watched, so the core may close it.
        source.setCancelHandler { [closed] in
            Self.drain(core, into: hub)
            core.close()
            hub.close()
            closed.signal()
        }
        source.activate()
    }

    deinit {
        source.cancel()
    }

    /// Stops watching and closes the core. Waits for that to finish unless it
    /// is called from the event queue itself (from a hook), where waiting
    /// would deadlock: the close then follows as soon as the hook returns.
    func close() {
        source.cancel()
        guard DispatchQueue.getSpecific(key: onQueue) != true else { return }
        closed.wait()
        closed.signal()
    }

    /// Takes every pending event; the fd stays readable until none is left.
    private static func drain(_ core: CoreSession, into hub: EventHub) {
        while let event = next(core) {
            if let event { hub.deliver(event) }
        }
    }

    /// The next pending event: nil when none is left, .some(nil) for one that
    /// does not decode (skipped).
    private static func next(_ core: CoreSession) -> DownloadEvent?? {
        var data: UnsafeMutableRawPointer?
        var length = 0
        let code = (try? core.withHandle { ycdl_session_next_event(&data, &length, $0) }) ?? YCDL_E_CLOSED.rawValue
        guard code == 0, let data else { return nil }
        defer { ycdl_free(data) }
        return .some(DownloadEvent.decode(data, count: length))
    }
}
