import SidecarModel

/// Stigg's error body shape is unconfirmed (STIGG-API.md §4.4): read a message from
/// `error.message`, `message`, `errors[0].message` or a string `error`, whichever is there.
enum ErrorMessage {
    static func extract(_ body: [UInt8]) -> String? {
        guard !body.isEmpty, let json = try? JSONParser.parse(body), case .object(let root) = json else { return nil }
        if case .object(let error)? = root["error"], case .string(let message)? = error["message"] { return clip(message) }
        if case .string(let message)? = root["message"] { return clip(message) }
        if case .array(let errors)? = root["errors"], case .object(let first)? = errors.first,
           case .string(let message)? = first["message"] { return clip(message) }
        if case .string(let error)? = root["error"] { return clip(error) }
        return nil
    }

    /// Upstream text ends up in logs and /status; keep it short.
    private static func clip(_ text: String) -> String {
        text.count > 300 ? String(text.prefix(300)) + "…" : text
    }
}
