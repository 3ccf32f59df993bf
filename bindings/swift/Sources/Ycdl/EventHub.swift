// EventHub.swift — where a session's decoded events go, on its event queue:
// to the waiters of DownloadTask.finished() and DownloadGroup.finished(), to
// every `events` stream and observer, and to the all-tasks-finished hook.
import Foundation

final class EventHub: Sendable {
    private struct Observer {
        let receive: @Sendable (DownloadEvent) -> Void
        let finish: @Sendable () -> Void
    }

    private struct Waiter {
        let key: String
        let continuation: CheckedContinuation<URL, any Error>
    }

    private struct GroupWaiter {
        let name: String
        let continuation: CheckedContinuation<DownloadGroupInfo, any Error>
    }

    private struct State {
        var observers: [UUID: Observer] = [:]
        var waiters: [UUID: Waiter] = [:]
        var groupWaiters: [UUID: GroupWaiter] = [:]
        /// Asks the core for a group's figures (set by the session).
        var groupLookup: (@Sendable (String) throws -> DownloadGroupInfo)?
        var onAllTasksFinished: (@Sendable (AllTasksFinished) -> Void)?
        /// The handle's first event (sessionRestored for an owner, attached
        /// for a client; the latest after a role change), replayed to every
        /// later stream.
        var restored: DownloadEvent?
        var closed = false
    }

    private let state = Locked(State())

    var onAllTasksFinished: (@Sendable (AllTasksFinished) -> Void)? {
        get { state.withLock { $0.onAllTasksFinished } }
        set { state.withLock { $0.onAllTasksFinished = newValue } }
    }

    /// For tests: the observers (streams included) and the finished() waiters
    /// held now. Neither may grow with the number of tasks a session has seen.
    var counts: (observers: Int, waiters: Int) {
        state.withLock { ($0.observers.count, $0.waiters.count + $0.groupWaiters.count) }
    }

    func setGroupLookup(_ lookup: @escaping @Sendable (String) throws -> DownloadGroupInfo) {
        state.withLock { $0.groupLookup = lookup }
    }

    // MARK: - Delivery (event queue only)

    func deliver(_ event: DownloadEvent) {
        resolveWaiters(for: event)
        resolveGroupWaiters(for: event)
        let (observers, hook) = state.withLock { state in
            switch event {
            case .sessionRestored, .attached: state.restored = event
            default: break
            }
            return (Array(state.observers.values), state.onAllTasksFinished)
        }
        observers.forEach { $0.receive(event) }
        if case .allTasksFinished(let summary) = event {
            hook?(summary)
        }
    }

    /// After the session closed: streams end, waiters throw `.closed`.
    func close() {
        let (observers, waiters, groupWaiters) = state.withLock { state in
            state.closed = true
            defer {
                state.observers = [:]
                state.waiters = [:]
                state.groupWaiters = [:]
            }
            return (Array(state.observers.values), Array(state.waiters.values), Array(state.groupWaiters.values))
        }
        let closed = DownloadError(code: .closed, message: "the session was closed")
        waiters.forEach { $0.continuation.resume(throwing: closed) }
        groupWaiters.forEach { $0.continuation.resume(throwing: closed) }
        observers.forEach { $0.finish() }
    }

    // MARK: - Streams and observers

    /// A stream of `transform`'s non-nil results: first for the handle's
    /// sessionRestored or attached event (which comes before anyone can
    /// listen), then
    /// for every event from now on. Unbounded: a stream nobody reads keeps
    /// every event until it is dropped.
    func stream<Element: Sendable>(_ transform: @escaping @Sendable (DownloadEvent) -> Element?)
        -> AsyncStream<Element>
    {
        let (stream, continuation) = AsyncStream.makeStream(of: Element.self, bufferingPolicy: .unbounded)
        let receive: @Sendable (DownloadEvent) -> Void = { event in
            if let element = transform(event) { continuation.yield(element) }
        }
        let id = observe(receive, finish: { continuation.finish() }, replayingRestored: true)
        if let id {
            continuation.onTermination = { [weak self] _ in self?.stopObserving(id) }
        } else {
            continuation.finish()
        }
        return stream
    }

    /// Calls `receive` on the event queue for every event; nil once closed.
    @discardableResult
    func observe(_ receive: @escaping @Sendable (DownloadEvent) -> Void,
                 finish: @escaping @Sendable () -> Void = {}, replayingRestored: Bool = false) -> UUID?
    {
        let id = UUID()
        let added = state.withLock { state -> Bool in
            guard !state.closed else { return false }
            state.observers[id] = Observer(receive: receive, finish: finish)
            // Under the lock, so no later event can overtake it.
            if replayingRestored, let restored = state.restored { receive(restored) }
            return true
        }
        return added ? id : nil
    }

    func stopObserving(_ id: UUID) {
        _ = state.withLock { $0.observers.removeValue(forKey: id) }
    }

    // MARK: - Waiters of DownloadTask.finished()

    /// Registers a waiter for the task's end; false once closed.
    func addWaiter(_ id: UUID, key: String, _ continuation: CheckedContinuation<URL, any Error>) -> Bool {
        state.withLock { state in
            guard !state.closed else { return false }
            state.waiters[id] = Waiter(key: key, continuation: continuation)
            return true
        }
    }

    /// Resumes one waiter, if it is still waiting (each is resumed once).
    func resolveWaiter(_ id: UUID, with result: Result<URL, any Error>) {
        let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
        waiter?.continuation.resume(with: result)
    }

    /// Resumes every waiter of the task `key`.
    func resolveWaiters(key: String, with result: Result<URL, any Error>) {
        let waiters = state.withLock { state -> [Waiter] in
            let ids = state.waiters.filter { $0.value.key == key }.map(\.key)
            return ids.compactMap { state.waiters.removeValue(forKey: $0) }
        }
        waiters.forEach { $0.continuation.resume(with: result) }
    }

    /// The removed event ends no waiter: `DownloadTask.remove` did, and a task
    /// started again under the same key may be waited for by then.
    private func resolveWaiters(for event: DownloadEvent) {
        switch event {
        case .finished(let key, let fileURL, _, _, _, _, _):
            resolveWaiters(key: key, with: .success(fileURL))
        case .failed(let key, let error):
            resolveWaiters(key: key, with: .failure(error))
        default:
            return
        }
    }

    // MARK: - Waiters of DownloadGroup.finished()

    /// Registers a waiter for the group's end; false once closed.
    func addGroupWaiter(_ id: UUID, name: String,
                        _ continuation: CheckedContinuation<DownloadGroupInfo, any Error>) -> Bool
    {
        state.withLock { state in
            guard !state.closed else { return false }
            state.groupWaiters[id] = GroupWaiter(name: name, continuation: continuation)
            return true
        }
    }

    /// Resumes one group waiter, if it is still waiting.
    func resolveGroupWaiter(_ id: UUID, with result: Result<DownloadGroupInfo, any Error>) {
        let waiter = state.withLock { $0.groupWaiters.removeValue(forKey: id) }
        waiter?.continuation.resume(with: result)
    }

    /// Resumes every waiter of the group `name`.
    func resolveGroupWaiters(name: String, with result: Result<DownloadGroupInfo, any Error>) {
        let waiters = state.withLock { state -> [GroupWaiter] in
            let ids = state.groupWaiters.filter { $0.value.name == name }.map(\.key)
            return ids.compactMap { state.groupWaiters.removeValue(forKey: $0) }
        }
        waiters.forEach { $0.continuation.resume(with: result) }
    }

    /// A groupFinished event ends the waits of its group, unless the group is
    /// pending again by now (the event was queued before a later resume); a
    /// removed task may have taken its group with it, which no event says.
    private func resolveGroupWaiters(for event: DownloadEvent) {
        let (names, lookup) = state.withLock { state in
            (Set(state.groupWaiters.values.map(\.name)), state.groupLookup)
        }
        guard !names.isEmpty, let lookup else { return }
        switch event {
        case .groupFinished(let figures) where names.contains(figures.name):
            do {
                if try lookup(figures.name).pending == 0 {
                    resolveGroupWaiters(name: figures.name, with: .success(figures))
                }
            } catch {
                resolveGroupWaiters(name: figures.name, with: .failure(error))
            }
        case .removed:
            for name in names {
                do {
                    _ = try lookup(name)
                } catch let error as DownloadError where error.code == .notFound {
                    resolveGroupWaiters(name: name, with: .failure(DownloadGroup.gone(name)))
                } catch {
                    continue
                }
            }
        default:
            return
        }
    }
}
