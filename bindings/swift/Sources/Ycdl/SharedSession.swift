// SharedSession.swift — one session, several handles: how a handle opens a
// session another handle (another process, a background host) may hold, and
// what it can ask about that sharing (ycdl_session_options version 4,
// ycdl_session_role, ycdl_session_get_info; docs/background.md).
import CYcdl
import Foundation

extension DownloadSession {
    /// How `DownloadSession(identifier:…)` treats a session another handle
    /// holds (`ycdl_open_mode`). One process owns a session and runs its
    /// downloads; every other handle attaches to it through a Unix socket in
    /// the state folder and works through the same API: its calls go to the
    /// owner, its events come from the owner (first `.attached` with the
    /// tasks as they are), and closing it never stops the owner's downloads.
    public enum OpenMode: Sendable, Hashable, CaseIterable {
        /// Own the session, or throw `.locked` when another handle owns it
        /// (this binding's default, as before sessions could be shared).
        case own
        /// Attach to the running owner, or throw `.notFound` when none runs.
        case attach
        /// Own the session when it is free, else attach (the core's default).
        case ownOrAttach

        var coreValue: Int32 {
            switch self {
            case .own: return Int32(YCDL_OPEN_OWN.rawValue)
            case .attach: return Int32(YCDL_OPEN_ATTACH.rawValue)
            case .ownOrAttach: return Int32(YCDL_OPEN_OWN_OR_ATTACH.rawValue)
            }
        }
    }

    /// The session as its owner sees it (`ycdl_session_info`).
    public struct SharingInfo: Sendable, Hashable {
        /// This handle's role now.
        public var role: SessionRole?
        /// The process that owns the session (this one, for an owner).
        public var ownerPID: Int32
        /// How many handles are attached to the owner.
        public var attachedClients: Int
        public var taskCount: Int
        /// Tasks waiting, downloading or waiting for the network.
        public var pendingCount: Int
    }

    /// This handle's role: `.owner` runs the downloads in this process,
    /// `.client` is attached to the owner's. A client may become the owner by
    /// taking over (a `.roleChanged` event says when).
    public var role: SessionRole? {
        (try? core.withHandle { SessionRole(rawValue: ycdl_session_role($0)) }) ?? nil
    }

    /// Who owns the session, how many handles are attached, how many tasks
    /// it has.
    public func sharingInfo() throws -> SharingInfo {
        try core.withHandle { session in
            var info: UnsafeMutablePointer<ycdl_session_info>?
            try check(ycdl_session_get_info(&info, session))
            defer { ycdl_free(info) }
            let i = info!.pointee
            return SharingInfo(role: SessionRole(rawValue: i.role), ownerPID: i.owner_pid,
                               attachedClients: Int(i.clients), taskCount: i.tasks, pendingCount: i.pending)
        }
    }

    /// Asks the owner to close the session (from any handle): the owner's
    /// handle gets a `.stopRequested` event. A background host
    /// (`ycdl serve`) closes on it; an app decides for itself.
    public func requestStop() throws {
        try core.call { ycdl_session_request_stop($0) }
    }
}
