import SidecarCache
import SidecarModel
import SidecarHTTP

/// Turns the query of an entitlement route into a validated request (DESIGN.md §3, §11):
/// every message names the parameter. Unknown parameters are ignored.
struct EntitlementQuery {
    /// The known parameters, by position in `known`; a fixed array beats a dictionary here.
    private var values: [String?] = [nil, nil, nil, nil, nil, nil]

    static let known = ["customerId", "featureId", "currencyId", "requestedUsage", "requestedValues", "resourceId"]
    static let maxIdLength = 255

    init(_ request: HTTPRequest) throws(AppError) {
        let pairs: [(name: String, value: String)]
        do {
            pairs = try request.queryParameters()
        } catch {
            throw .invalidParameter(error.parameter, "is not valid percent-encoded UTF-8")
        }
        for (name, value) in pairs {
            guard let slot = EntitlementQuery.known.firstIndex(of: name) else { continue }
            // Two values for one parameter: which was meant is a guess, so refuse.
            guard values[slot] == nil else { throw .invalidParameter(name, "is given more than once") }
            values[slot] = value
        }
    }

    private subscript(_ name: String) -> String? {
        EntitlementQuery.known.firstIndex(of: name).flatMap { values[$0] }
    }

    /// The customer id from the path (Stigg-compatible routes) or from `customerId=`.
    func customerId(path: String?) throws(AppError) -> String {
        if let path { return try EntitlementQuery.validateId(path, name: "customerId") }
        guard let value = self["customerId"] else { throw .missingParameter("customerId") }
        return try EntitlementQuery.validateId(value, name: "customerId")
    }

    func resourceId() throws(AppError) -> String? {
        try self["resourceId"].map { value throws(AppError) in try EntitlementQuery.validateId(value, name: "resourceId") }
    }

    func checkRequest(pathCustomerId: String?) throws(AppError) -> CheckRequest {
        let customerId = try customerId(path: pathCustomerId)
        let target: CheckRequest.Target
        switch (self["featureId"], self["currencyId"]) {
        case (let feature?, nil): target = .feature(try EntitlementQuery.validateId(feature, name: "featureId"))
        case (nil, let currency?): target = .currency(try EntitlementQuery.validateId(currency, name: "currencyId"))
        case (nil, nil): throw .missingParameter("featureId or currencyId")
        case (.some, .some): throw .invalidParameter("featureId", "and currencyId are mutually exclusive; give one")
        }
        return CheckRequest(
            customerId: customerId, resourceId: try resourceId(), target: target,
            requestedUsage: try requestedUsage(), requestedValues: try requestedValues())
    }

    private func requestedUsage() throws(AppError) -> Double? {
        guard let raw = self["requestedUsage"] else { return nil }
        guard EntitlementQuery.isPlainDecimal(raw), let value = Double(raw), value.isFinite else {
            throw .invalidParameter("requestedUsage", "must be a non-negative number, got \"\(raw.prefix(40))\"")
        }
        return value
    }

    private func requestedValues() throws(AppError) -> [String]? {
        guard let raw = self["requestedValues"] else { return nil }
        let parts = raw.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        guard !raw.isEmpty, !parts.contains(where: \.isEmpty) else {
            throw .invalidParameter("requestedValues", "must be a comma-separated list of non-empty values")
        }
        return parts
    }

    static func validateId(_ value: String, name: String) throws(AppError) -> String {
        if value.isEmpty { throw .invalidParameter(name, "must not be empty") }
        if value.count > maxIdLength { throw .invalidParameter(name, "must be at most \(maxIdLength) characters") }
        return value
    }

    /// Digits with an optional fraction and exponent. Rejects the signs, `nan`, `inf` and hex
    /// forms that `Double.init` would otherwise accept.
    static func isPlainDecimal(_ text: String) -> Bool {
        var utf8 = Substring(text).utf8[...]
        func digits() -> Int {
            let count = utf8.prefix { $0 >= 0x30 && $0 <= 0x39 }.count
            utf8 = utf8.dropFirst(count)
            return count
        }
        guard digits() > 0 else { return false }
        if utf8.first == UInt8(ascii: ".") {
            utf8 = utf8.dropFirst()
            guard digits() > 0 else { return false }
        }
        if utf8.first == UInt8(ascii: "e") || utf8.first == UInt8(ascii: "E") {
            utf8 = utf8.dropFirst()
            if utf8.first == UInt8(ascii: "+") || utf8.first == UInt8(ascii: "-") { utf8 = utf8.dropFirst() }
            guard digits() > 0 else { return false }
        }
        return utf8.isEmpty
    }
}
