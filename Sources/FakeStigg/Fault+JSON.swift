import SidecarModel

// Faults as JSON, for the control API: `{"fault":"status","status":429,"retryAfter":2}`,
// `{"fault":"hugeBody","bytes":9437184}`, `{"fault":"latency","milliseconds":300}`, and the
// bare names `hang`, `dropConnection`, `malformedJSON`, `htmlOK`, `truncatedBody`, `wrongTypes`.

extension Fault {
    init(json fields: [String: JSONValue]) throws(FakeError) {
        func integer(_ key: String) throws(FakeError) -> Int? {
            guard let value = fields[key], value != .null else { return nil }
            guard let number = value.numberValue, number.rounded() == number, number >= 0, number < 1e12 else {
                throw .badRequest("\(key) must be a whole number >= 0")
            }
            return Int(number)
        }
        func required(_ key: String) throws(FakeError) -> Int {
            guard let value = try integer(key) else { throw .badRequest("\(key) is required for this fault") }
            return value
        }
        switch fields["fault"]?.stringValue {
        case "status": self = .status(try required("status"), retryAfter: try integer("retryAfter"))
        case "hang": self = .hang
        case "dropConnection": self = .dropConnection
        case "malformedJSON": self = .malformedJSON
        case "htmlOK": self = .htmlOK
        case "truncatedBody": self = .truncatedBody
        case "hugeBody": self = .hugeBody(bytes: try integer("bytes") ?? 9 * 1024 * 1024)
        case "wrongTypes": self = .wrongTypes
        case "latency": self = .latency(milliseconds: try required("milliseconds"))
        default:
            throw .badRequest("fault must be one of status, hang, dropConnection, malformedJSON, htmlOK, truncatedBody, hugeBody, wrongTypes, latency")
        }
    }

    var json: [String: JSONValue] {
        switch self {
        case .status(let code, let retryAfter):
            ["fault": .string("status"), "status": .number(Double(code)), "retryAfter": retryAfter.map { .number(Double($0)) } ?? .null]
        case .hang: ["fault": .string("hang")]
        case .dropConnection: ["fault": .string("dropConnection")]
        case .malformedJSON: ["fault": .string("malformedJSON")]
        case .htmlOK: ["fault": .string("htmlOK")]
        case .truncatedBody: ["fault": .string("truncatedBody")]
        case .hugeBody(let bytes): ["fault": .string("hugeBody"), "bytes": .number(Double(bytes))]
        case .wrongTypes: ["fault": .string("wrongTypes")]
        case .latency(let milliseconds): ["fault": .string("latency"), "milliseconds": .number(Double(milliseconds))]
        }
    }
}

extension FaultRule {
    var json: JSONValue {
        var fields = fault.json
        fields["id"] = .number(Double(id))
        fields["pathPrefix"] = .optional(pathPrefix)
        fields["remaining"] = remaining.map { .number(Double($0)) } ?? .null
        fields["processFirst"] = .bool(processFirst)
        return .object(fields)
    }
}

extension FakeStiggConfiguration {
    /// Applies the keys present in a control-API body; unknown values are a 400.
    mutating func update(from fields: [String: JSONValue]) throws(FakeError) {
        func choice<T: RawRepresentable & CaseIterable>(_ key: String, _: T.Type) throws(FakeError) -> T? where T.RawValue == String {
            guard let value = fields[key] else { return nil }
            guard let parsed = value.stringValue.flatMap(T.init(rawValue:)) else {
                throw .badRequest("\(key) must be one of \(T.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return parsed
        }
        if let value = fields["apiKey"] {
            guard let key = value.stringValue else { throw .badRequest("apiKey must be a string") }
            apiKey = key
        }
        if let value = fields["rejectUnknownCustomersInUsage"] {
            guard let flag = value.boolValue else { throw .badRequest("rejectUnknownCustomersInUsage must be a boolean") }
            rejectUnknownCustomersInUsage = flag
        }
        unknownCustomer = try choice("unknownCustomer", UnknownCustomerAnswer.self) ?? unknownCustomer
        errorShape = try choice("errorShape", ErrorShape.self) ?? errorShape
        paginationEnd = try choice("paginationEnd", PaginationEnd.self) ?? paginationEnd
    }

    var json: JSONValue {
        .object([
            "apiKey": .string(apiKey), "unknownCustomer": .string(unknownCustomer.rawValue),
            "errorShape": .string(errorShape.rawValue), "paginationEnd": .string(paginationEnd.rawValue),
            "rejectUnknownCustomersInUsage": .bool(rejectUnknownCustomersInUsage),
        ])
    }
}
