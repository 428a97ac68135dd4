/// What a Java key store file is, from its first bytes and, for PKCS#12, its unencrypted outline.
/// swift-nio-ssl reads a PKCS#12 file only when it holds a private key (it stops the process
/// otherwise), and keytool's truststores hold certificate entries alone; so the outline decides
/// whether the native reader may be used at all. Nothing here decrypts anything.
enum KeyStoreFile: Equatable {
    case jks
    case jceks
    /// PKCS#12 whose unencrypted part holds a key bag: the native reader can take it.
    case pkcs12WithKey
    /// PKCS#12 with no key in sight (a truststore, or keys inside encrypted content).
    case pkcs12WithoutKey
    case unknown

    init(_ bytes: [UInt8]) {
        if bytes.starts(with: [0xFE, 0xED, 0xFE, 0xED]) { self = .jks; return }
        if bytes.starts(with: [0xCE, 0xCE, 0xCE, 0xCE]) { self = .jceks; return }
        guard let hasKey = Self.pkcs12HasKeyBag(bytes) else { self = .unknown; return }
        self = hasKey ? .pkcs12WithKey : .pkcs12WithoutKey
    }

    // 1.2.840.113549.1.7.1 (data), 1.2.840.113549.1.12.10.1.1 (keyBag), .2 (pkcs8ShroudedKeyBag)
    static let dataOID: [UInt8] = [0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x01]
    static let keyBagOIDs: [[UInt8]] = [
        [0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x0C, 0x0A, 0x01, 0x01],
        [0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x0C, 0x0A, 0x01, 0x02],
    ]

    /// PFX { version, authSafe ContentInfo(data: AuthenticatedSafe), macData }; each ContentInfo
    /// of the AuthenticatedSafe is `data` (SafeContents in clear: its bag ids are visible) or
    /// `encryptedData`. nil when the bytes are not that outline in DER.
    static func pkcs12HasKeyBag(_ bytes: [UInt8]) -> Bool? {
        guard let pfx = DER.element(in: bytes, at: 0), pfx.tag == 0x30, pfx.end == bytes.count,
            let version = DER.element(in: bytes, at: pfx.content.lowerBound), version.tag == 0x02,
            let authSafe = DER.element(in: bytes, at: version.end), authSafe.tag == 0x30,
            let safeContents = dataContent(of: authSafe, in: bytes),
            let list = DER.element(in: bytes, at: safeContents.lowerBound), list.tag == 0x30
        else { return nil }
        var found = false
        for info in DER.children(of: list, in: bytes) {
            guard info.tag == 0x30 else { return nil }
            guard let bags = dataContent(of: info, in: bytes) else { continue }  // encrypted: opaque
            guard let sequence = DER.element(in: bytes, at: bags.lowerBound), sequence.tag == 0x30 else { return nil }
            for bag in DER.children(of: sequence, in: bytes) {
                guard let id = DER.element(in: bytes, at: bag.content.lowerBound), id.tag == 0x06 else { return nil }
                if keyBagOIDs.contains(where: { bytes[id.content].elementsEqual($0) }) { found = true }
            }
        }
        return found
    }

    /// The OCTET STRING inside a ContentInfo of type `data`; nil for any other type.
    private static func dataContent(of info: DER.Element, in bytes: [UInt8]) -> Range<Int>? {
        guard let type = DER.element(in: bytes, at: info.content.lowerBound), type.tag == 0x06,
            bytes[type.content].elementsEqual(dataOID),
            let explicit = DER.element(in: bytes, at: type.end), explicit.tag == 0xA0,
            let octets = DER.element(in: bytes, at: explicit.content.lowerBound), octets.tag == 0x04
        else { return nil }
        return octets.content
    }
}

/// Just enough DER to walk an outline: tag, definite length, content. Anything else is nil.
enum DER {
    struct Element {
        var tag: UInt8
        var content: Range<Int>
        var end: Int { content.upperBound }
    }

    static func element(in bytes: [UInt8], at offset: Int) -> Element? {
        guard offset + 2 <= bytes.count else { return nil }
        let tag = bytes[offset]
        guard tag & 0x1F != 0x1F else { return nil }  // multi-byte tags never occur in this outline
        var length = Int(bytes[offset + 1])
        var start = offset + 2
        if length & 0x80 != 0 {
            let count = length & 0x7F
            guard (1...4).contains(count), start + count <= bytes.count else { return nil }  // 0: BER indefinite
            length = bytes[start..<start + count].reduce(0) { $0 << 8 | Int($1) }
            start += count
        }
        guard length <= bytes.count - start else { return nil }
        return Element(tag: tag, content: start..<start + length)
    }

    static func children(of parent: Element, in bytes: [UInt8]) -> [Element] {
        var result: [Element] = []
        var offset = parent.content.lowerBound
        while offset < parent.end, let child = element(in: bytes, at: offset), child.end <= parent.end {
            result.append(child)
            offset = child.end
        }
        return result
    }
}
