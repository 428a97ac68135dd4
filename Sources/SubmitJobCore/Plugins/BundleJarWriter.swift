#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a bundle jar (ZIP, APPNOTE 6.3) in one streaming pass: the core jar's entries are
/// copied as they are stored (never inflated), each plugin jar becomes one STORED entry (jars are
/// compressed already) whose CRC is computed while it is copied and patched into its header.
/// Memory holds one buffer and the entry list, whatever the plugins weigh. No timestamps, owners
/// or random bytes come from this machine, so the same inputs always give the same bytes.
enum BundleJarWriter {
    /// Called with (bytes copied, bytes to copy) as the work goes on.
    typealias Progress = (Int64, Int64) -> Void

    static func write(_ bundle: PluginBundle, to output: String, deadline: ContinuousClock.Instant, progress: Progress) throws(SubmitJobError) {
        let core = try ZipFile(path: bundle.coreJar)
        defer { core.close() }
        let memberNames = Set(bundle.members.map(\.entry))
        // A core entry with a member's name would make two entries of one name: the member wins.
        let coreEntries = try core.centralDirectory().filter { !memberNames.contains($0.name) }
        if let huge = coreEntries.first(where: { $0.compressedSize >= 0xFFFF_FFFF || $0.size >= 0xFFFF_FFFF }) {
            throw core.malformed("entry \(huge.name) is 4 GiB or larger: too large for a bundle entry")
        }
        var memberSizes: [Int64] = []
        for member in bundle.members {
            var info = stat()
            guard stat(member.path, &info) == 0 else { throw ZipFile.error("cannot read \(member.path): \(ZipFile.reason(errno))", member.path) }
            guard Int64(info.st_size) < 0xFFFF_FFFF else {
                throw SubmitJobError(.missingPlugin, "\(member.path) is 4 GiB or larger: too large for a bundle entry", context: [("path", .string(member.path))])
            }
            memberSizes.append(Int64(info.st_size))
        }
        let total = coreEntries.reduce(0) { $0 + $1.compressedSize } + memberSizes.reduce(0, +)
        var done: Int64 = 0

        let out = try OutputFile(path: output)
        defer { out.close() }
        var written: [ZipEntry] = []
        for entry in coreEntries {
            var copy = entry
            copy.flags &= ~0x0008  // sizes and CRC go in the local header: no data descriptor
            copy.localHeaderOffset = out.offset
            try out.append(localHeader(copy))
            try core.copyData(of: entry, to: out, deadline: deadline) { done += $0; progress(done, total) }
            written.append(copy)
        }
        for (member, size) in zip(bundle.members, memberSizes) {
            var entry = ZipEntry(name: member.entry, flags: 0x0800, method: 0, time: 0, date: 0x21, crc: 0,
                                 compressedSize: size, size: size, localHeaderOffset: out.offset, externalAttributes: 0)
            try out.append(localHeader(entry))
            entry.crc = try out.appendFile(member.path, expectedSize: size, deadline: deadline) { done += $0; progress(done, total) }
            // The CRC field sits 14 bytes into the local header.
            try out.patch(UInt32LE(entry.crc), at: entry.localHeaderOffset + 14)
            written.append(entry)
        }
        try out.append(centralDirectory(written, startingAt: out.offset))
        try out.finish()
    }

    // MARK: Records

    static func localHeader(_ e: ZipEntry) -> [UInt8] {
        UInt32LE(0x0403_4B50) + sharedFields(e, versionNeeded: e.versionNeeded) + UInt16LE(0) + Array(e.name.utf8)
    }

    /// What a local header and a central directory record both hold, in the same order: version
    /// needed, flags, method, time, date, CRC, sizes, name length.
    static func sharedFields(_ e: ZipEntry, versionNeeded: UInt16) -> [UInt8] {
        UInt16LE(versionNeeded) + UInt16LE(e.flags) + UInt16LE(e.method) + UInt16LE(e.time) + UInt16LE(e.date)
            + UInt32LE(e.crc) + UInt32LE(UInt32(e.compressedSize)) + UInt32LE(UInt32(e.size)) + UInt16LE(UInt16(e.name.utf8.count))
    }

    /// The central directory and its end records; ZIP64 ones only when an offset or the count
    /// does not fit the classic fields (Java reads both).
    static func centralDirectory(_ entries: [ZipEntry], startingAt start: Int64) -> [UInt8] {
        var b: [UInt8] = []
        for e in entries {
            let farOffset = e.localHeaderOffset >= 0xFFFF_FFFF
            b += UInt32LE(0x0201_4B50)
            b += UInt16LE(0x0300 | 45)  // made by: Unix, spec 4.5
            b += sharedFields(e, versionNeeded: farOffset ? 45 : e.versionNeeded)
            b += UInt16LE(farOffset ? 12 : 0)
            b += UInt16LE(0)  // comment
            b += UInt16LE(0)  // disk
            b += UInt16LE(0)  // internal attributes
            b += UInt32LE(e.externalAttributes)
            b += UInt32LE(farOffset ? 0xFFFF_FFFF : UInt32(e.localHeaderOffset))
            b += Array(e.name.utf8)
            if farOffset { b += UInt16LE(0x0001) + UInt16LE(8) + UInt64LE(UInt64(e.localHeaderOffset)) }
        }
        let size = Int64(b.count)
        let zip64 = entries.count >= 0xFFFF || start >= 0xFFFF_FFFF || size >= 0xFFFF_FFFF
        if zip64 {
            let recordOffset = start + size
            b += UInt32LE(0x0606_4B50) + UInt64LE(44) + UInt16LE(0x0300 | 45) + UInt16LE(45)
            b += UInt32LE(0) + UInt32LE(0)
            b += UInt64LE(UInt64(entries.count)) + UInt64LE(UInt64(entries.count))
            b += UInt64LE(UInt64(size)) + UInt64LE(UInt64(start))
            b += UInt32LE(0x0706_4B50) + UInt32LE(0) + UInt64LE(UInt64(recordOffset)) + UInt32LE(1)
        }
        b += UInt32LE(0x0605_4B50) + UInt16LE(0) + UInt16LE(0)
        b += UInt16LE(zip64 ? 0xFFFF : UInt16(entries.count)) + UInt16LE(zip64 ? 0xFFFF : UInt16(entries.count))
        b += UInt32LE(zip64 ? 0xFFFF_FFFF : UInt32(size)) + UInt32LE(zip64 ? 0xFFFF_FFFF : UInt32(start))
        b += UInt16LE(0)
        return b
    }
}

/// One entry as the central directory describes it.
struct ZipEntry: Equatable {
    var name: String
    var flags: UInt16
    var method: UInt16
    var time: UInt16
    var date: UInt16
    var crc: UInt32
    var compressedSize: Int64
    var size: Int64
    var localHeaderOffset: Int64
    var externalAttributes: UInt32

    var versionNeeded: UInt16 { method == 0 ? 10 : 20 }
}

/// A ZIP file read through its central directory, with `pread`: entries are located, never
/// decompressed.
final class ZipFile {
    let path: String
    let fd: Int32
    let fileSize: Int64

    init(path: String) throws(SubmitJobError) {
        self.path = path
        fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw Self.error("cannot open \(path): \(Self.reason(errno))", path) }
        var info = stat()
        fstat(fd, &info)
        fileSize = Int64(info.st_size)
    }

    func close() { _ = systemClose(fd) }

    func read(_ count: Int, at offset: Int64) throws(SubmitJobError) -> [UInt8] {
        guard count >= 0, offset >= 0, offset + Int64(count) <= fileSize else { throw malformed("a record reaches past the end of the file") }
        var bytes = [UInt8](repeating: 0, count: count)
        var got = 0
        while got < count {
            let n = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + got, count - got, off_t(offset) + off_t(got)) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { throw Self.error("cannot read \(path): \(n == 0 ? "unexpected end" : Self.reason(errno))", path) }
            got += n
        }
        return bytes
    }

    func centralDirectory() throws(SubmitJobError) -> [ZipEntry] {
        // The end record is in the last 22 + 65535 (comment) bytes.
        let tailLength = Int(min(fileSize, 22 + 0xFFFF))
        let tail = try read(tailLength, at: fileSize - Int64(tailLength))
        guard tailLength >= 22, let end = (0...(tailLength - 22)).reversed().first(where: { tail.uint32(at: $0) == 0x0605_4B50 }) else {
            throw malformed("no end of central directory record (not a jar?)")
        }
        var count = Int64(tail.uint16(at: end + 10))
        var directorySize = Int64(tail.uint32(at: end + 12))
        var directoryOffset = Int64(tail.uint32(at: end + 16))
        let endOffset = fileSize - Int64(tailLength) + Int64(end)
        if count == 0xFFFF || directorySize == 0xFFFF_FFFF || directoryOffset == 0xFFFF_FFFF, endOffset >= 20 {
            let locator = try read(20, at: endOffset - 20)
            if locator.uint32(at: 0) == 0x0706_4B50 {
                let record = try read(56, at: Int64(locator.uint64(at: 8)))
                guard record.uint32(at: 0) == 0x0606_4B50 else { throw malformed("a broken ZIP64 end record") }
                count = Int64(record.uint64(at: 32))
                directorySize = Int64(record.uint64(at: 40))
                directoryOffset = Int64(record.uint64(at: 48))
            }
        }
        guard directorySize < 1 << 31 else { throw malformed("a central directory of \(directorySize) bytes") }
        let directory = try read(Int(directorySize), at: directoryOffset)
        var entries: [ZipEntry] = []
        entries.reserveCapacity(Int(min(count, 1 << 20)))
        var p = 0
        while p + 46 <= directory.count, directory.uint32(at: p) == 0x0201_4B50 {
            let nameLength = Int(directory.uint16(at: p + 28))
            let extraLength = Int(directory.uint16(at: p + 30))
            let commentLength = Int(directory.uint16(at: p + 32))
            guard p + 46 + nameLength + extraLength + commentLength <= directory.count else { break }
            var entry = ZipEntry(
                name: String(decoding: directory[(p + 46)..<(p + 46 + nameLength)], as: UTF8.self),
                flags: directory.uint16(at: p + 8), method: directory.uint16(at: p + 10),
                time: directory.uint16(at: p + 12), date: directory.uint16(at: p + 14), crc: directory.uint32(at: p + 16),
                compressedSize: Int64(directory.uint32(at: p + 20)), size: Int64(directory.uint32(at: p + 24)),
                localHeaderOffset: Int64(directory.uint32(at: p + 42)), externalAttributes: directory.uint32(at: p + 38))
            try readZip64Fields(into: &entry, extra: Array(directory[(p + 46 + nameLength)..<(p + 46 + nameLength + extraLength)]))
            if entry.flags & 0x0001 != 0 { throw malformed("entry \(entry.name) is encrypted") }
            entries.append(entry)
            p += 46 + nameLength + extraLength + commentLength
        }
        // Some writers keep only the low 16 bits of a large count instead of writing ZIP64 records.
        guard Int64(entries.count) == count || (count < 0xFFFF && Int64(entries.count % 0x10000) == count) else { throw malformed("the central directory lists \(entries.count) of \(count) entries") }
        return entries
    }

    /// ZIP64 extended information: the 64-bit values of exactly the fields that read all ones.
    private func readZip64Fields(into entry: inout ZipEntry, extra: [UInt8]) throws(SubmitJobError) {
        guard entry.size == 0xFFFF_FFFF || entry.compressedSize == 0xFFFF_FFFF || entry.localHeaderOffset == 0xFFFF_FFFF else { return }
        var p = 0
        while p + 4 <= extra.count {
            let id = extra.uint16(at: p), length = Int(extra.uint16(at: p + 2))
            if id == 0x0001 {
                var q = p + 4
                func next() throws(SubmitJobError) -> Int64 {
                    guard q + 8 <= p + 4 + length, q + 8 <= extra.count else { throw malformed("a short ZIP64 field in \(entry.name)") }
                    defer { q += 8 }
                    return Int64(extra.uint64(at: q))
                }
                if entry.size == 0xFFFF_FFFF { entry.size = try next() }
                if entry.compressedSize == 0xFFFF_FFFF { entry.compressedSize = try next() }
                if entry.localHeaderOffset == 0xFFFF_FFFF { entry.localHeaderOffset = try next() }
                return
            }
            p += 4 + length
        }
        throw malformed("entry \(entry.name) lacks its ZIP64 sizes")
    }

    /// Copies an entry's stored bytes (compressed or not) as they are.
    func copyData(of entry: ZipEntry, to out: OutputFile, deadline: ContinuousClock.Instant, progress: (Int64) -> Void) throws(SubmitJobError) {
        let header = try read(30, at: entry.localHeaderOffset)
        guard header.uint32(at: 0) == 0x0403_4B50 else { throw malformed("no local header for \(entry.name)") }
        let start = entry.localHeaderOffset + 30 + Int64(header.uint16(at: 26)) + Int64(header.uint16(at: 28))
        guard start + entry.compressedSize <= fileSize else { throw malformed("entry \(entry.name) reaches past the end of the file") }
        try out.copy(from: fd, named: path, offset: start, count: entry.compressedSize, deadline: deadline, crc: nil, progress: progress)
    }

    func malformed(_ what: String) -> SubmitJobError { Self.error("\(path) is not a usable jar: \(what)", path) }

    static func error(_ message: String, _ path: String) -> SubmitJobError {
        SubmitJobError(.missingPlugin, message, context: [("path", .string(path))])
    }

    static func reason(_ code: Int32) -> String { String(cString: strerror(code)) }
}

/// The bundle being written: sequential appends through one buffer, plus the few patches of
/// CRC fields already flushed.
final class OutputFile {
    let path: String
    let fd: Int32
    private(set) var offset: Int64 = 0
    private var buffer: [UInt8] = []
    static let bufferSize = 1 << 20

    init(path: String) throws(SubmitJobError) {
        self.path = path
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw SubmitJobError(.internal, "cannot create \(path): \(ZipFile.reason(errno))", context: [("path", .string(path))]) }
        buffer.reserveCapacity(Self.bufferSize)
    }

    func close() { _ = systemClose(fd) }

    func append(_ bytes: [UInt8]) throws(SubmitJobError) {
        buffer += bytes
        offset += Int64(bytes.count)
        if buffer.count >= Self.bufferSize { try flush() }
    }

    func flush() throws(SubmitJobError) {
        var sent = 0
        while sent < buffer.count {
            let n = buffer.withUnsafeBytes { systemWrite(fd, $0.baseAddress! + sent, buffer.count - sent) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { throw SubmitJobError(.internal, "cannot write \(path): \(ZipFile.reason(errno))", context: [("path", .string(path))]) }
            sent += n
        }
        buffer.removeAll(keepingCapacity: true)
    }

    func patch(_ bytes: [UInt8], at position: Int64) throws(SubmitJobError) {
        try flush()
        let n = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress, bytes.count, off_t(position)) }
        guard n == bytes.count else { throw SubmitJobError(.internal, "cannot write \(path): \(ZipFile.reason(errno))") }
    }

    /// Copies `count` bytes of `source` from `offset`, updating `crc` when given.
    func copy(from source: Int32, named name: String, offset start: Int64, count: Int64, deadline: ContinuousClock.Instant,
              crc: UnsafeMutablePointer<CRC32>?, progress: (Int64) -> Void) throws(SubmitJobError) {
        var position = start
        let end = start + count
        while position < end {
            if buffer.count >= Self.bufferSize { try flush() }
            let want = Int(min(Int64(Self.bufferSize - buffer.count), end - position))
            let before = buffer.count
            buffer.append(contentsOf: repeatElement(0, count: want))
            let n = buffer.withUnsafeMutableBytes { pread(source, $0.baseAddress! + before, want, off_t(position)) }
            if n < 0, errno == EINTR { buffer.removeLast(want); continue }
            guard n > 0 else {
                buffer.removeLast(want)
                throw SubmitJobError(.missingPlugin, "cannot read \(name): \(n == 0 ? "it got shorter while being bundled" : ZipFile.reason(errno))", context: [("path", .string(name))])
            }
            buffer.removeLast(want - n)
            crc?.pointee.update(buffer[before..<(before + n)])
            position += Int64(n)
            self.offset += Int64(n)
            progress(Int64(n))
            if ContinuousClock.now >= deadline { throw SubmitJobError(.timedOut, "building the plugin bundle did not finish before the deadline") }
        }
    }

    /// Appends a whole file and returns its CRC-32; the file must still be `expectedSize` long.
    func appendFile(_ path: String, expectedSize: Int64, deadline: ContinuousClock.Instant, progress: (Int64) -> Void) throws(SubmitJobError) -> UInt32 {
        let source = open(path, O_RDONLY | O_CLOEXEC)
        guard source >= 0 else { throw ZipFile.error("cannot open \(path): \(ZipFile.reason(errno))", path) }
        defer { _ = systemClose(source) }
        var crc = CRC32()
        try copy(from: source, named: path, offset: 0, count: expectedSize, deadline: deadline, crc: &crc, progress: progress)
        var info = stat()
        guard fstat(source, &info) == 0, Int64(info.st_size) == expectedSize else {
            throw ZipFile.error("\(path) changed size while being bundled", path)
        }
        return crc.value
    }

    /// Flushes and makes the bytes durable before the caller renames the file into place.
    func finish() throws(SubmitJobError) {
        try flush()
        guard fsync(fd) == 0 else { throw SubmitJobError(.internal, "cannot write \(path): \(ZipFile.reason(errno))") }
    }
}

/// CRC-32 (ISO-HDLC, the one ZIP uses), eight bytes per step.
struct CRC32 {
    private(set) var state: UInt32 = 0xFFFF_FFFF
    var value: UInt32 { ~state }

    /// Eight tables of 256 in one array: table k at k * 256.
    static let tables: [UInt32] = {
        var tables = [UInt32](repeating: 0, count: 8 * 256)
        for i in 0..<256 {
            var c = UInt32(i)
            for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
            tables[i] = c
        }
        for k in 1..<8 {
            for i in 0..<256 { tables[k * 256 + i] = (tables[(k - 1) * 256 + i] >> 8) ^ tables[Int(tables[(k - 1) * 256 + i] & 0xFF)] }
        }
        return tables
    }()

    mutating func update(_ bytes: ArraySlice<UInt8>) {
        var c = state
        Self.tables.withUnsafeBufferPointer { t in
        bytes.withUnsafeBufferPointer { buffer in
            var i = 0
            let n = buffer.count
            while i + 8 <= n {
                let one = c ^ (UInt32(buffer[i]) | UInt32(buffer[i + 1]) << 8 | UInt32(buffer[i + 2]) << 16 | UInt32(buffer[i + 3]) << 24)
                let two = UInt32(buffer[i + 4]) | UInt32(buffer[i + 5]) << 8 | UInt32(buffer[i + 6]) << 16 | UInt32(buffer[i + 7]) << 24
                c = t[1792 + Int(one & 0xFF)] ^ t[1536 + Int((one >> 8) & 0xFF)] ^ t[1280 + Int((one >> 16) & 0xFF)] ^ t[1024 + Int(one >> 24)]
                    ^ t[768 + Int(two & 0xFF)] ^ t[512 + Int((two >> 8) & 0xFF)] ^ t[256 + Int((two >> 16) & 0xFF)] ^ t[Int(two >> 24)]
                i += 8
            }
            while i < n {
                c = t[Int((c ^ UInt32(buffer[i])) & 0xFF)] ^ (c >> 8)
                i += 1
            }
        }
        }
        state = c
    }
}

// The C calls, which the methods named like them would otherwise shadow.
private func systemClose(_ fd: Int32) -> Int32 { close(fd) }
private func systemWrite(_ fd: Int32, _ bytes: UnsafeRawPointer?, _ count: Int) -> Int { write(fd, bytes, count) }

func UInt16LE(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8)] }
func UInt32LE(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8((v >> (8 * $0)) & 0xFF) } }
func UInt64LE(_ v: UInt64) -> [UInt8] { (0..<8).map { UInt8((v >> (8 * UInt64($0))) & 0xFF) } }

extension Array where Element == UInt8 {
    func uint16(at i: Int) -> UInt16 { UInt16(self[i]) | UInt16(self[i + 1]) << 8 }
    func uint32(at i: Int) -> UInt32 { UInt32(uint16(at: i)) | UInt32(uint16(at: i + 2)) << 16 }
    func uint64(at i: Int) -> UInt64 { UInt64(uint32(at: i)) | UInt64(uint32(at: i + 4)) << 32 }
}
