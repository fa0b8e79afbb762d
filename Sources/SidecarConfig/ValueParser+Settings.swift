import Foundation

// Parsers used by a single row each, kept out of the table so each row stays one line of
// declaration.

extension ValueParser where Value == Int? {
    /// A port 0-65535 (0: any free one), or the word `unset` for no listener.
    static func port(form: String, unset: String) -> Self {
        Self("port", form: form, literal: true, samples: ["1000", "2000"],
             parse: { raw in
                 let text = raw.trimmingCharacters(in: " ")
                 if text.lowercased() == unset || (unset == "none" && text.isEmpty) { return .some(nil) }
                 return Int(text).flatMap { (0...65_535).contains($0) ? .some($0) : nil }
             },
             show: { $0.map(String.init) })
    }

    static var benchBytes: Self {
        Self("bytes", form: "a byte count 2-1048576, or off", literal: true, samples: ["64", "128"],
             parse: { raw in
                 if ["off", "none", ""].contains(raw.lowercased()) { return .some(nil) }
                 return Int(raw).flatMap { (2...1_048_576).contains($0) ? .some($0) : nil }
             },
             show: { $0.map(String.init) })
    }
}

extension ValueParser where Value == String? {
    static var socketPath: Self {
        Self("path", form: "a file path shorter than 108 bytes", samples: ["/tmp/a.sock", "/tmp/b.sock"],
             parse: { raw in raw.isEmpty || raw.utf8.count >= 108 ? nil : .some(raw) }, show: { $0 })
    }

    /// The Stigg key: surrounding whitespace (a newline from `echo`) is dropped. Set but blank
    /// is refused rather than read as "offline": a mounted secret that went missing, or
    /// compose's `${STIGG_API_KEY}` of an unset variable, must not quietly serve demo data.
    static var apiKey: Self {
        Self("key", form: "a non-blank API key (it is set but blank; unset STIGG_API_KEY to run offline on the demo snapshot)",
             samples: ["server-key-a", "server-key-b"],
             parse: { raw in
                 let key = raw.trimmingCharacters(in: .whitespacesAndNewlines)
                 return key.isEmpty ? nil : .some(key)
             },
             show: { $0 })
    }

    /// A shared secret or bearer token: empty means unset; otherwise visible ASCII only, so
    /// it survives an HTTP header unchanged.
    static var token: Self {
        Self("token", form: "printable ASCII with no spaces", samples: ["token-a", "token-b"],
             parse: { raw in
                 let token = raw.trimmingCharacters(in: " ")
                 if token.isEmpty { return .some(nil) }
                 return token.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) ? .some(token) : nil
             },
             show: { $0 })
    }
}

extension ValueParser where Value == String {
    /// `STIGG_BASE_URL`, without a trailing slash so paths append cleanly.
    static var baseURL: Self {
        Self("url", form: "an http:// or https:// URL", samples: ["http://127.0.0.1:1", "https://stigg.example"],
             parse: { raw in
                 guard raw.hasPrefix("http://") || raw.hasPrefix("https://"), raw.count > 8 else { return nil }
                 return raw.hasSuffix("/") ? String(raw.dropLast()) : raw
             },
             show: { $0 })
    }

    /// `SIDECAR_FLEET_NAMESPACE`: a key prefix that needs no quoting anywhere it shows up
    /// (Redis keys, `redis-cli`, logs) and cannot contain a cluster hash tag.
    static var namespace: Self {
        Self("name", form: "1-64 characters of letters, digits, '.', '_', ':' or '-', starting with a letter or digit",
             samples: ["prod", "staging:eu-1"],
             parse: { raw in
                 guard let first = raw.first, first.isASCII, first.isLetter || first.isNumber, raw.count <= 64,
                       raw.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || ".-_:".contains($0)) })
                 else { return nil }
                 return raw
             },
             show: { $0 })
    }
}

extension ValueParser where Value == Preload {
    static var preload: Self {
        Self("ids", form: "all, none, or comma-separated customer ids (1-255 characters each)", samples: ["all", "a,b"],
             parse: { raw in try? ValueParsing.preload(raw, key: "SIDECAR_PRELOAD") },
             show: { preload in
                 switch preload {
                 case .none: nil
                 case .all: "all"
                 case .customers(let ids): ids.joined(separator: ",")
                 }
             })
    }
}
