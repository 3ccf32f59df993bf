// EventLog.swift — records a session's events from the moment it is made;
// tests wait on it for one event, then assert on the whole sequence.
import Foundation
@testable import Ycdl

final class EventLog: Sendable {
    private struct Waiter {
        let id: UUID
        let from: Int
        let predicate: @Sendable (DownloadEvent) -> Bool
        let continuation: CheckedContinuation<DownloadEvent, any Error>
    }

    private struct State {
        var events: [DownloadEvent] = []
        var waiters: [Waiter] = []
    }

    private let state = Locked(State())
    private let reader: Task<Void, Never>

    init(_ session: DownloadSession) {
        let stream = session.events
        let state = self.state
        reader = Task {
            for await event in stream {
                EventLog.append(event, to: state)
            }
        }
    }

    deinit {
        reader.cancel()
    }

    /// Waits until the session's stream has ended (after close) and every
    /// event it carried is in the log.
    func finish() async {
        await reader.value
    }

    var events: [DownloadEvent] { state.withLock { $0.events } }
    var count: Int { state.withLock { $0.events.count } }

    /// Events about one task, in order.
    func events(for key: String) -> [DownloadEvent] {
        events.filter { $0.taskKey == key }
    }

    /// The first event at or after position `from` that matches; fails after
    /// `timeout` seconds with the events seen so far.
    @discardableResult
    func wait(from: Int = 0, timeout: Double = 20, _ what: String,
              where predicate: @escaping @Sendable (DownloadEvent) -> Bool) async throws -> DownloadEvent
    {
        let id = UUID()
        return try await withCheckedThrowingContinuation { continuation in
            let found = state.withLock { state -> DownloadEvent? in
                if let event = state.events.dropFirst(from).first(where: predicate) { return event }
                state.waiters.append(Waiter(id: id, from: from, predicate: predicate, continuation: continuation))
                return nil
            }
            if let found {
                continuation.resume(returning: found)
                return
            }
            let state = self.state
            Task {
                try? await Task.sleep(nanoseconds: UInt64(timeout * 1e9))
                let (waiter, seen) = state.withLock { state in
                    let index = state.waiters.firstIndex { $0.id == id }
                    return (index.map { state.waiters.remove(at: $0) }, state.events)
                }
                waiter?.continuation.resume(throwing: TestFailure(
                    "no \(what) within \(timeout) s; events:\n" + seen.map { "  \($0)" }.joined(separator: "\n")))
            }
        }
    }

    private static func append(_ event: DownloadEvent, to state: Locked<State>) {
        let ready = state.withLock { state -> [Waiter] in
            state.events.append(event)
            let position = state.events.count - 1
            let ready = state.waiters.filter { $0.from <= position && $0.predicate(event) }
            state.waiters.removeAll { waiter in ready.contains { $0.id == waiter.id } }
            return ready
        }
        ready.forEach { $0.continuation.resume(returning: event) }
    }
}

// Matchers for the waits above.
extension DownloadEvent {
    func isStatus(_ key: String, _ status: DownloadStatus) -> Bool {
        if case .statusChanged(key, _, status) = self { return true }
        return false
    }

    func isProgress(_ key: String) -> Bool {
        if case .progress(key, _) = self { return true }
        return false
    }

    func isFinished(_ key: String) -> Bool {
        if case .finished(key, _, _, _, _, _, _) = self { return true }
        return false
    }

    var isAllTasksFinished: Bool {
        if case .allTasksFinished = self { return true }
        return false
    }
}
