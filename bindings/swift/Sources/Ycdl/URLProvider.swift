// URLProvider.swift — Configuration.urlProvider at work: a .urlNeeded event,
// the application's closure, then DownloadTask.setURL with its answer.
// Nothing else: the core keeps the task waiting until a URL comes.
import Foundation

struct URLProvider: Sendable {
    let provide: @Sendable (DownloadTask) async throws -> URL?
    let failed: (@Sendable (DownloadTask, any Error) -> Void)?

    /// Calls the provider for each `.urlNeeded` event of `session`, in a
    /// Swift task of its own so the event queue never waits for it. The
    /// observer holds the session weakly (the hub belongs to the session);
    /// a running call holds it until it returns.
    func observe(_ session: DownloadSession) {
        session.hub.observe { [weak session] event in
            guard case .urlNeeded(let key, _, _) = event, let session else { return }
            let task = DownloadTask(key: key, session: session)
            Task { await answer(task) }
        }
    }

    private func answer(_ task: DownloadTask) async {
        do {
            guard let url = try await provide(task) else { return }
            try task.setURL(url)
        } catch let error as DownloadError where error.code == .closed {
            return      // the session closed meanwhile: nobody waits any more
        } catch {
            report(error, task)
        }
    }

    private func report(_ error: any Error, _ task: DownloadTask) {
        if let failed {
            failed(task, error)
            return
        }
        let line = "ycdl: urlProvider failed for task \"\(task.key)\", which keeps waiting for a URL: \(error)\n"
        FileHandle.standardError.write(Data(line.utf8))
    }
}
