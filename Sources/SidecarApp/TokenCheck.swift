import SidecarHTTP

/// `SIDECAR_AUTH_TOKEN` (DESIGN.md §11): a request is let through with
/// `Authorization: Bearer <token>` (scheme case-insensitive) or `X-API-KEY: <token>`, the
/// header an official Stigg SDK sends, so an SDK configured with the token just works.
/// `/livez` and `/readyz` stay open for probes, and `/webhooks/stigg` for Stigg, which
/// cannot send the token and authenticates with its own secret (DESIGN.md §12).
struct TokenCheck: Sendable {
    private let token: [UInt8]

    init(token: String) {
        self.token = Array(token.utf8)
    }

    static func isExempt(_ path: Substring) -> Bool {
        path == "/livez" || path == "/readyz" || path == "/webhooks/stigg"
    }

    /// `pattern` says which route the request reaches; it is asked only for a path with a
    /// percent sign, which is routed by its decoded form (`/live%7A` is `/livez`, DESIGN.md
    /// §11) and so is exempt when the route it reaches is.
    func allows(_ request: HTTPRequest, pattern: () -> String?) -> Bool {
        if Self.isExempt(request.path) { return true }
        if request.path.utf8.contains(UInt8(ascii: "%")), let reached = pattern(), Self.isExempt(Substring(reached)) {
            return true
        }
        if let key = request.header("X-API-KEY"), matches(key.utf8) { return true }
        guard let authorization = request.header("Authorization") else { return false }
        let scheme = authorization.utf8.prefix(7)
        guard scheme.count == 7, String(decoding: scheme, as: UTF8.self).lowercased() == "bearer " else { return false }
        return matches(authorization.utf8.dropFirst(7).drop { $0 == 0x20 })
    }

    /// Compares in time that depends only on the lengths, so response timing does not leak
    /// how much of a guess was right.
    private func matches<C: Collection>(_ candidate: C) -> Bool where C.Element == UInt8 {
        guard candidate.count == token.count else { return false }
        var difference: UInt8 = 0
        for (a, b) in zip(candidate, token) { difference |= a ^ b }
        return difference == 0
    }
}
