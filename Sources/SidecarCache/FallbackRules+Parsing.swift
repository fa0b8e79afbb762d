import SidecarModel
// Parsing `ENTITLEMENTS_FALLBACK`. Stricter than entitlement decoding: this is an operator's
// setting, and a typo (`isUnlimted`) silently ignored would turn into denials only when
// upstream is down, the worst moment to find out.

extension FallbackRules {
    static let acceptedKeys: Set<String> = ["hasAccess", "usageLimit", "value", "isUnlimited", "enumValues"]

    /// Parses the setting's JSON. An empty or all-blank value means "no rules", so an
    /// exported-but-empty environment variable behaves like an unset one.
    public init(parsing text: String) throws(FallbackRulesError) {
        guard text.contains(where: { !$0.isWhitespace }) else {
            self.init()
            return
        }
        let json: JSONValue
        do {
            json = try JSONParser.parse(text)
        } catch {
            throw FallbackRulesError(message: "not valid JSON: \(error)")
        }
        guard case .object(let features) = json else {
            throw FallbackRulesError(message: "expected a JSON object keyed by feature id, found \(json.typeName)")
        }
        var rules: [String: FallbackRule] = [:]
        // Sorted so that, of several mistakes, the same one is reported on every start.
        for (featureId, value) in features.sorted(by: { $0.key < $1.key }) {
            rules[featureId] = try Self.parseRule(featureId, value)
        }
        self.init(rules: rules)
    }

    private static func parseRule(_ featureId: String, _ value: JSONValue) throws(FallbackRulesError) -> FallbackRule {
        guard case .object(let fields) = value else {
            throw FallbackRulesError(message: "\(featureId): expected an object, found \(value.typeName)")
        }
        for key in fields.keys.sorted() where !acceptedKeys.contains(key) {
            throw FallbackRulesError(message:
                "\(featureId): unknown key \"\(key)\" (accepted: hasAccess, usageLimit, isUnlimited, enumValues, value)")
        }
        func fail(_ key: String, _ expected: String, _ found: JSONValue) -> FallbackRulesError {
            FallbackRulesError(message: "\(featureId).\(key): expected \(expected), found \(found.typeName)")
        }
        func number(_ key: String) throws(FallbackRulesError) -> Double? {
            switch fields[key] {
            case nil, .null?: return nil
            case .number(let number)? where number >= 0: return number
            case .number?: throw FallbackRulesError(message: "\(featureId).\(key): must not be negative")
            case let other?: throw fail(key, "number", other)
            }
        }
        let hasAccess: Bool
        switch fields["hasAccess"] {
        case .bool(let flag)?: hasAccess = flag
        case nil: throw FallbackRulesError(message: "\(featureId): missing required key \"hasAccess\"")
        case let other?: throw fail("hasAccess", "boolean", other)
        }
        let isUnlimited: Bool
        switch fields["isUnlimited"] {
        case nil, .null?: isUnlimited = false
        case .bool(let flag)?: isUnlimited = flag
        case let other?: throw fail("isUnlimited", "boolean", other)
        }
        var enumValues: [String]?
        switch fields["enumValues"] {
        case nil, .null?: enumValues = nil
        case .array(let elements)?:
            enumValues = []
            for (index, element) in elements.enumerated() {
                guard case .string(let text) = element else { throw fail("enumValues[\(index)]", "string", element) }
                enumValues?.append(text)
            }
        case let other?: throw fail("enumValues", "array of strings", other)
        }
        let usageLimit = try number("usageLimit")
        let value = try number("value")
        return FallbackRule(hasAccess: hasAccess, usageLimit: usageLimit ?? value, isUnlimited: isUnlimited, enumValues: enumValues)
    }
}
