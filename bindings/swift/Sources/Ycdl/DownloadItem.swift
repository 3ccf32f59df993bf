// DownloadItem.swift — the seed's YCDownloadItem: what a list of downloads
// shows, read from the state the core persists for each task.
import Foundation

public struct DownloadItem: Sendable, Hashable, Identifiable {
    /// The task's key: the file id, or the MD5 of the download URL.
    public let id: String
    public var fileID: String?
    public var fileName: String?
    public var thumbnailURL: URL?
    public var downloadURL: URL
    public var status: DownloadStatus
    /// The file's size, when the server has said.
    public var fileSize: Int64?
    /// Bytes downloaded so far.
    public var downloadedSize: UInt64
    /// Where the file is once finished.
    public var fileURL: URL
    /// Why the download failed, when it did.
    public var error: DownloadError?
    /// The app's own bytes, kept with the item.
    public var userData: Data

    init(_ info: DownloadTaskInfo) {
        id = info.key
        fileID = info.fileID
        fileName = info.metadata.fileName
        thumbnailURL = info.metadata.thumbnailURL
        downloadURL = info.url
        status = info.status
        fileSize = info.bytesExpected
        downloadedSize = info.bytesWritten
        fileURL = info.destination
        error = info.error
        userData = info.metadata.userData
    }

    /// 0…1, when the size is known.
    public var progress: Double? {
        guard let fileSize, fileSize > 0 else { return nil }
        return Double(downloadedSize) / Double(fileSize)
    }
}
