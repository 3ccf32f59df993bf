// main.swift — ycdl-swift-list: attaches to a running session (another
// process owns it: a background host, an app) and prints its tasks, one JSON
// object per line: {"key":…,"path":…,"status":…}, status as the core names
// it (ycdl_status_name). The Swift end of the cross-binding test (one binding
// adds to a host, another attaches, this one lists).
//
//   YCDL_SWIFT_LIST_SESSION=<state dir>:<session id> ycdl-swift-list
//   ycdl-swift-list <state dir> <session id>
//
// Exit 0 with the list; 2 on bad arguments; 1 when it cannot attach (no
// owner runs: .notFound) or list.
import Foundation
import Ycdl

func sessionArgument() -> (stateDirectory: String, identifier: String)? {
    let arguments = CommandLine.arguments.dropFirst()
    if arguments.count == 2 {
        return (arguments.first!, arguments.last!)
    }
    // The identifier has no ':' (letters, digits, '.', '_', '-'), so the
    // last one separates it from a state directory that may contain some.
    guard arguments.isEmpty, let value = ProcessInfo.processInfo.environment["YCDL_SWIFT_LIST_SESSION"],
          let colon = value.lastIndex(of: ":") else { return nil }
    return (String(value[..<colon]), String(value[value.index(after: colon)...]))
}

func jsonLine(_ task: DownloadTaskInfo) throws -> String {
    let object = ["key": task.key, "status": task.status.description, "path": task.destination.path]
    let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
    return String(decoding: data, as: UTF8.self)
}

guard let (stateDirectory, identifier) = sessionArgument() else {
    FileHandle.standardError.write(Data("usage: YCDL_SWIFT_LIST_SESSION=<state dir>:<session id> ycdl-swift-list\n".utf8))
    exit(2)
}
do {
    // Only calls, no events: the owner sends this handle no snapshot stream.
    var configuration = DownloadSession.Configuration()
    configuration.receivesEvents = false
    let session = try DownloadSession(identifier: identifier,
                                      stateDirectory: URL(fileURLWithPath: stateDirectory),
                                      mode: .attach, configuration: configuration)
    defer { session.close() }
    for task in try session.taskInfos() {
        print(try jsonLine(task))
    }
} catch {
    FileHandle.standardError.write(Data("ycdl-swift-list: \(error)\n".utf8))
    exit(1)
}
