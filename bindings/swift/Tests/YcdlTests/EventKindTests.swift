// EventKindTests.swift — every kind of proto/ycdl.proto's Event oneof has its
// DownloadEvent case: the test reads the .proto's text, writes one event of
// each kind (every field of its message set) in the protobuf wire format and
// decodes it as the session would; a kind this binding drops (decoded as
// nil, the fate of kinds it does not know) fails. The kinds of shared
// sessions are then checked field by field.
import Foundation
import Testing
@testable import Ycdl

/// The protobuf wire format, enough to write test events by hand.
private struct Wire {
    var bytes: [UInt8] = []

    static func varint(_ value: UInt64) -> [UInt8] {
        var v = value
        var out: [UInt8] = []
        repeat {
            let low = UInt8(v & 0x7f)
            v >>= 7
            out.append(v == 0 ? low : low | 0x80)
        } while v != 0
        return out
    }

    mutating func int(_ field: Int, _ value: Int64) {
        bytes += Wire.varint(UInt64(field) << 3) + Wire.varint(UInt64(bitPattern: value))
    }

    mutating func data(_ field: Int, _ value: [UInt8]) {
        bytes += Wire.varint(UInt64(field) << 3 | 2) + Wire.varint(UInt64(value.count)) + value
    }

    mutating func string(_ field: Int, _ value: String) {
        data(field, Array(value.utf8))
    }
}

/// proto/ycdl.proto, from the repository this package sits in.
private let protoText: String = {
    let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    let text = (try? String(contentsOf: root.appendingPathComponent("proto/ycdl.proto"), encoding: .utf8)) ?? ""
    // Comments out: they may hold anything.
    return text.split(separator: "\n", omittingEmptySubsequences: false)
        .map { line in line.range(of: "//").map { String(line[..<$0.lowerBound]) } ?? String(line) }
        .joined(separator: "\n")
}()

/// The lines between `opener {` and its closing brace.
private func body(of opener: String, in text: String) -> [Substring]? {
    guard let start = text.range(of: opener + " {") else { return nil }
    var depth = 1
    var lines: [Substring] = []
    for line in text[start.upperBound...].split(separator: "\n") {
        depth += line.filter { $0 == "{" }.count - line.filter { $0 == "}" }.count
        if depth <= 0 { break }
        lines.append(line)
    }
    return lines
}

/// (type, name, number) of each field in lines like `repeated TaskInfo tasks = 1;`.
private func fields(_ lines: [Substring]) -> [(type: String, name: String, number: Int, repeated: Bool)] {
    lines.compactMap { line in
        let words = line.replacingOccurrences(of: "=", with: " = ").replacingOccurrences(of: ";", with: " ")
            .split(separator: " ").map(String.init)
        guard let eq = words.firstIndex(of: "="), eq >= 2, eq + 1 < words.count,
              let number = Int(words[eq + 1]) else { return nil }
        return (words[eq - 2], words[eq - 1], number, words.first == "repeated")
    }
}

private let enumNames: Set<String> = {
    Set(protoText.split(separator: "\n").compactMap { line -> String? in
        let words = line.split(separator: " ")
        return words.count >= 2 && words[0] == "enum" ? String(words[1]) : nil
    })
}()

/// One message of the given type with every field set: numbers and enums 1
/// (a real value of each enum), strings an http URL (every string field of
/// an event may be read as one), bytes, nested messages likewise.
private func sample(of type: String, depth: Int = 0) -> [UInt8] {
    guard depth < 3, let lines = body(of: "message \(type)", in: protoText) else { return [] }
    var wire = Wire()
    for field in fields(lines) {
        switch field.type {
        case "string": wire.string(field.number, "https://example.com/\(field.name)")
        case "bytes": wire.data(field.number, Array("{}".utf8))
        case "bool", "int32", "int64", "uint32", "uint64", "sint32", "sint64": wire.int(field.number, 1)
        case let name where enumNames.contains(name): wire.int(field.number, 1)
        default: wire.data(field.number, sample(of: field.type, depth: depth + 1))
        }
    }
    return wire.bytes
}

private func decode(_ bytes: [UInt8]) -> DownloadEvent? {
    bytes.withUnsafeBytes { raw in
        DownloadEvent.decode(raw.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!, count: raw.count)
    }
}

private func event(kind number: Int, key: String = "", _ message: [UInt8]) -> [UInt8] {
    var wire = Wire()
    wire.int(1, 7)
    wire.int(2, 1_700_000_000_000)
    if !key.isEmpty { wire.string(3, key) }
    wire.data(number, message)
    return wire.bytes
}

@Suite struct EventKindTests {
    @Test func everyKindOfTheProtoHasADownloadEventCase() throws {
        let eventLines = try #require(body(of: "message Event", in: protoText), "no message Event in proto/ycdl.proto")
        let oneof = try #require(body(of: "oneof kind", in: eventLines.joined(separator: "\n")))
        let kinds = fields(oneof)
        #expect(kinds.count >= 21)
        for kind in kinds {
            let decoded = decode(event(kind: kind.number, key: "k", sample(of: kind.type)))
            #expect(decoded != nil, "\(kind.name) (\(kind.type)) has no DownloadEvent case: it is dropped")
        }
        // A kind newer than the binding is skipped, as the proto's rules say.
        #expect(decode(event(kind: 999, sample(of: "Removed"))) == nil)
    }

    @Test func theKindsOfSharedSessionsDecodeWithTheirFields() throws {
        var task = Wire()
        task.string(1, "k1")
        task.string(2, "https://example.com/a.mp4")
        task.string(4, "/tmp/a.mp4")
        task.string(6, "A")
        task.int(9, 2)
        task.int(10, 1000)
        task.int(11, 5000)
        task.int(13, -1)
        task.int(14, -1)
        task.int(17, -16)
        task.string(18, "HTTP 503")
        task.int(19, 503)
        task.string(23, "album")
        task.int(24, 3)
        task.int(25, 4)
        var attached = Wire()
        attached.data(1, task.bytes)
        attached.int(2, 4242)
        guard case .attached(let tasks, let owner)? = decode(event(kind: 23, attached.bytes)) else {
            Issue.record("attached did not decode as .attached")
            return
        }
        #expect(owner == 4242)
        let info = try #require(tasks.first)
        #expect(tasks.count == 1)
        #expect(info.key == "k1" && info.url.absoluteString == "https://example.com/a.mp4")
        #expect(info.destination.path == "/tmp/a.mp4" && info.metadata.fileName == "A")
        #expect(info.status == .downloading && info.bytesWritten == 1000 && info.bytesExpected == 5000)
        #expect(info.estimatedTimeRemaining == nil && info.isResumable == nil && info.group == "album")
        #expect(info.error?.code == .http && info.httpStatus == 503)
        #expect(info.connections == 3 && info.maxConnections == 4)
        // Progress (kind 12) carries the connections receiving now (its field 7).
        var progress = Wire()
        progress.int(2, 100)
        progress.int(7, 4)
        guard case .progress(_, let report)? = decode(event(kind: 12, key: "k1", progress.bytes)) else {
            Issue.record("progress did not decode as .progress")
            return
        }
        #expect(report.totalBytesWritten == 100 && report.connections == 4)

        var role = Wire()
        role.int(1, 1)
        role.string(2, "the owner exited")
        #expect(decode(event(kind: 24, role.bytes)) == .roleChanged(role: .owner, reason: "the owner exited"))
        var client = Wire()
        client.int(1, 2)
        #expect(decode(event(kind: 24, client.bytes)) == .roleChanged(role: .client, reason: ""))
        var stop = Wire()
        stop.string(1, "ycdl stop")
        #expect(decode(event(kind: 25, stop.bytes)) == .stopRequested(by: "ycdl stop"))
        var clients = Wire()
        clients.int(1, 3)
        let changed = decode(event(kind: 26, clients.bytes))
        #expect(changed == .clientsChanged(attached: 3))
        #expect(changed?.taskKey == nil)
    }
}
